"""The dashboard's campaign form asks for the job's own audience and the campaign page shows it;
a size out of range, or an audience that age sets apart, comes back with the field's message."""

from __future__ import annotations

import pytest
from tests.factories import make_candidate
from tests.integration.web.test_pages import _campaign_form

from adflux.campaigns.models import AdCampaign
from adflux.extensions import db

pytestmark = pytest.mark.postgres


def test_the_form_asks_for_it_and_the_campaign_page_shows_it(
    client, sign_in, job, platforms, dispatcher
):
    for _ in range(3):
        make_candidate(area=job.area, city=job.city)
    sign_in("operator")
    form_page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Candidatos más afines (audiencia propia)" in form_page
    assert 'name="job_audience_size"' in form_page

    data = _campaign_form(job.id, client, platforms=["meta"], job_audience_size="250")
    response = client.post(f"/jobs/{job.id}/campaigns", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)
    campaign = db.session.scalars(db.select(AdCampaign)).one()
    assert campaign.job_audience_size == 250
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Candidatos más afines (audiencia propia)" in page
    assert "los 250 más afines" in page


def test_a_size_out_of_range_comes_back_naming_the_field(
    client, sign_in, job, platforms, dispatcher
):
    make_candidate(area=job.area, city=job.city)
    sign_in("operator")
    data = _campaign_form(job.id, client, platforms=["meta"], job_audience_size="5")
    response = client.post(f"/jobs/{job.id}/campaigns", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="job_audience_size-error"' in page
    assert "debe ser un número entero entre 100 y 50.000" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(AdCampaign)) == 0


def test_an_age_skewed_audience_is_created_once_confirmed(
    client, sign_in, job, platforms, dispatcher
):
    for years in range(20, 30):
        make_candidate(area=job.area, city=job.city, age=years)
    for years in range(40, 70):
        make_candidate(area="Ventas", city=job.city, age=years)
    sign_in("operator")
    data = _campaign_form(job.id, client, platforms=["meta"], job_audience_size="100")

    refused = client.post(f"/jobs/{job.id}/campaigns", data=data)

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "más jóvenes" in page
    assert 'value="job_audience_age_skew"' in page  # the confirmation box is offered

    confirmed = _campaign_form(
        job.id,
        client,
        platforms=["meta"],
        job_audience_size="100",
        acknowledge_warnings=["job_audience_age_skew"],
    )
    created = client.post(f"/jobs/{job.id}/campaigns", data=confirmed)
    assert created.status_code == 302, created.get_data(as_text=True)
    campaign = db.session.scalars(db.select(AdCampaign)).one()
    shown = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-rule="job_audience_age_skew"' in shown
