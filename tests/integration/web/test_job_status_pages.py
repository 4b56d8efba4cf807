"""The dashboard shows a paused job as paused, with no campaign form and the reason."""

from __future__ import annotations

import pytest
from tests.factories import make_job
from tests.integration.web.conftest import csrf_token

from adflux.campaigns import publishing
from adflux.campaigns import service as campaigns
from adflux.campaigns.models import AdCampaign
from adflux.extensions import db
from adflux.jobs.models import JobOpening

pytestmark = pytest.mark.postgres


def test_paused_job_shows_its_status_and_offers_no_form(client, sign_in, platforms):
    paused = make_job(title="Mensajero motorizado", status="paused")
    sign_in("operator")
    page = client.get(f"/jobs/{paused.id}").get_data(as_text=True)
    assert 'id="campaign-form"' not in page
    assert "La vacante está en pausa" in page
    listing = client.get("/jobs?status=paused").get_data(as_text=True)
    assert "Mensajero motorizado" in listing
    assert "en pausa" in listing


def test_an_operator_closes_and_reopens_a_job_from_its_page(
    client, sign_in, job, platforms, dispatcher
):
    sign_in("operator")
    campaign, _ = campaigns.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta"]
    )
    for _name, args, _countdown in dispatcher.take():
        publishing.attempt_publication(db_session=db.session, publication_id=args[0])
    url = f"/jobs/{job.id}"
    page = client.get(url).get_data(as_text=True)
    # An open job offers the two ways out, not itself.
    assert 'id="job-paused"' in page and 'id="job-closed"' in page and 'id="job-open"' not in page
    token = csrf_token(client, url)

    closed = client.post(
        f"{url}/status", data={"csrf_token": token, "status": "closed"}, follow_redirects=True
    )

    page = closed.get_data(as_text=True)
    assert "Vacante cerrada; campañas pausadas en todas las plataformas: 1." in page
    assert 'id="job-open"' in page and 'id="job-paused"' not in page
    (publication,) = db.session.get(AdCampaign, campaign.id).publications
    meta_objects = platforms.platforms["meta"].objects
    assert publication.external_ids and all(
        meta_objects[object_id]["active"] is False
        for object_id in publication.external_ids.values()
    )
    # A closed job only reopens: the refusal is a message on the page, not an error page.
    refused = client.post(
        f"{url}/status", data={"csrf_token": token, "status": "paused"}, follow_redirects=True
    )
    assert refused.status_code == 200
    assert "no puede pasar a en pausa directamente" in refused.get_data(as_text=True)

    reopened = client.post(
        f"{url}/status", data={"csrf_token": token, "status": "open"}, follow_redirects=True
    )
    assert "Vacante reabierta" in reopened.get_data(as_text=True)
    assert db.session.get(JobOpening, job.id).status == "open"


def test_a_viewer_sees_no_status_actions_and_cannot_post_one(client, sign_in, job):
    sign_in("viewer")
    url = f"/jobs/{job.id}"
    assert 'id="job-closed"' not in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    refused = client.post(f"{url}/status", data={"csrf_token": token, "status": "closed"})
    assert refused.status_code == 403
    assert db.session.get(JobOpening, job.id).status == "open"
