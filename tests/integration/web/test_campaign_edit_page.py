"""The campaign page: its arms with their change state, the edit form and the archive button."""

from __future__ import annotations

import pytest
from tests.integration.campaigns.conftest import run_sent_tasks
from tests.integration.web.conftest import csrf_token

from adflux.campaigns import service
from adflux.campaigns.models import AdCampaign
from adflux.extensions import db
from adflux.platforms.base import InvalidRequest
from adflux.segmentation.models import Segment

pytestmark = pytest.mark.postgres


@pytest.fixture
def campaign(job, active_run, platforms, dispatcher) -> AdCampaign:
    analysts = db.session.query(Segment).filter_by(name="Analistas · Medellín").one()
    created, _ = service.create_campaign(
        db_session=db.session,
        job_id=job.id,
        platforms=["meta", "google"],
        segment_ids=[analysts.id],
        daily_budget_cop=80_000,
    )
    run_sent_tasks(dispatcher)
    return created


def _form(campaign: AdCampaign, client, **fields) -> dict:
    data = {
        "csrf_token": csrf_token(client, f"/campaigns/{campaign.id}"),
        "name": campaign.name,
        "daily_budget_cop": str(campaign.daily_budget_cop),
        "total_budget_cop": "",
        "pacing": campaign.pacing,
        "start_date": campaign.start_date.isoformat(),
        "end_date": "",
        "segment_ids": [str(i) for i in campaign.segment_ids],
        "auto_allocate": "y",
    }
    data.update(fields)
    return data


def test_the_page_shows_each_arm_and_how_a_change_propagates(
    client, sign_in, campaign, platforms, dispatcher
):
    sign_in("operator")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="campaign-arms"' in page and 'id="campaign-edit-form"' in page
    assert 'data-change="applied"' in page and "Analistas · Medellín" in page
    assert 'data-confirm="¿Archivar la campaña?' in page
    assert 'id="archive"' in page

    platforms.platforms["google"].update_failures.append(
        InvalidRequest("google", "Presupuesto fuera de rango para la cuenta", field="budget")
    )
    response = client.post(
        f"/campaigns/{campaign.id}/edit", data=_form(campaign, client, daily_budget_cop="160000")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert page.count('data-change="pending"') == 2
    assert "Cambios guardados" in page
    run_sent_tasks(dispatcher)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-arm-platform="meta" data-arm-key="segment-' in page
    assert page.count('data-change="applied"') == 1
    assert page.count('data-change="refused"') == 1
    assert "rechazado: Presupuesto fuera de rango para la cuenta" in page


def test_the_form_sends_only_what_changed_and_names_bad_fields(
    client, sign_in, campaign, dispatcher
):
    sign_in("operator")
    unchanged = client.post(f"/campaigns/{campaign.id}/edit", data=_form(campaign, client))
    assert unchanged.status_code == 302
    assert dispatcher.sent == []
    too_low = client.post(
        f"/campaigns/{campaign.id}/edit", data=_form(campaign, client, daily_budget_cop="1000")
    )
    assert too_low.status_code == 422
    page = too_low.get_data(as_text=True)
    assert "los 2 brazos necesitan al menos $12.000 por día" in page
    not_a_number = client.post(
        f"/campaigns/{campaign.id}/edit", data=_form(campaign, client, daily_budget_cop="mucho")
    )
    assert not_a_number.status_code == 422
    ok = client.post(
        f"/campaigns/{campaign.id}/edit",
        data=_form(campaign, client, headline="Analista de datos en Medellín", total_budget_cop=""),
    )
    assert ok.status_code == 302
    db.session.refresh(campaign)
    assert campaign.ad_copy == {"headline": "Analista de datos en Medellín"}


def test_archive_from_the_page_ends_the_campaign_and_hides_the_form(
    client, sign_in, campaign, dispatcher
):
    sign_in("operator")
    response = client.post(
        f"/campaigns/{campaign.id}/archive",
        data={"csrf_token": csrf_token(client, f"/campaigns/{campaign.id}")},
    )
    assert response.status_code == 302
    run_sent_tasks(dispatcher)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="campaign-archived"' in page
    assert 'id="campaign-edit-form"' not in page and 'id="archive"' not in page
    assert page.count('data-arm-status="ended"') == 2


def test_viewers_see_the_arms_but_no_form(client, sign_in, campaign):
    sign_in("viewer")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="campaign-arms"' in page and 'id="campaign-edit-form"' not in page
    refused = client.post(f"/campaigns/{campaign.id}/edit", data={"name": "x"})
    assert refused.status_code in (302, 400, 403)
    db.session.refresh(campaign)
    assert campaign.name != "x"
