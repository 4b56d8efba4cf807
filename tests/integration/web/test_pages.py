"""Dashboard pages and forms on PostgreSQL, with fake platforms and a recording dispatcher."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from tests.conftest import count_rows
from tests.factories import make_candidate, make_job
from tests.integration.web.conftest import csrf_token

from adflux.campaigns import publishing
from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.extensions import db
from adflux.platforms.base import InvalidRequest
from adflux.segmentation.models import SegmentationRun

pytestmark = pytest.mark.postgres


def _campaign_form(job_id: int, client, **fields) -> dict:
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)
    assert key, "the form carries no idempotency key"
    data = {
        "csrf_token": csrf_token(client, "/"),
        "idempotency_key": key.group(1),
        "daily_budget_cop": "60000",
        "start_date": date.today().isoformat(),
        "objective": "traffic",
        "intent": "create",
    }
    data.update(fields)
    return data


def _work(dispatcher) -> None:
    for _name, args, _countdown in dispatcher.take():
        publishing.attempt_publication(db_session=db.session, publication_id=args[0])


def test_pages_render_for_an_operator(client, sign_in, job, active_run, platforms):
    sign_in("operator")
    for url, expected in [
        ("/", "Vacantes abiertas"),
        ("/jobs", job.title),
        (f"/jobs/{job.id}", 'id="campaign-form"'),
        ("/segments", "Analistas · Medellín"),
        ("/campaigns", "Campañas"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.get_data(as_text=True), url


def test_the_job_page_offers_every_platform_with_its_minimum_budget(
    client, sign_in, job, active_run, platforms
):
    sign_in("operator")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    notes = re.findall(
        r'name="platforms" value="(\w+)"[^>]*>\s*<span class="choice-body">.*?'
        r'<span class="choice-note">([^<]*)</span>',
        html,
        re.S,
    )
    cards = dict(notes)
    # TikTok's USD 20 and Snapchat's USD 5 a day, at 4,000 COP per USD.
    assert cards["tiktok"] == "mínimo $80.000/día"
    assert cards["snapchat"] == "mínimo $20.000/día"
    assert set(cards) == {"meta", "google", "x", "tiktok", "snapchat"}


def test_jobs_search_and_pagination(client, sign_in):
    for n in range(23):
        make_job(title=f"Auxiliar de bodega {n:02d}")
    make_job(title="Contador público", status="closed")
    sign_in("viewer")
    first = client.get("/jobs?q=bodega").get_data(as_text=True)
    assert "1–20 de 23" in first
    assert "Contador" not in first
    second = client.get("/jobs?q=bodega&page=2").get_data(as_text=True)
    assert "21–23 de 23" in second
    assert second.count("Auxiliar de bodega") == 3
    closed = client.get("/jobs?status=closed").get_data(as_text=True)
    assert "Contador público" in closed
    assert "bodega" not in closed
    assert client.get("/jobs/999999").status_code == 404


def test_segments_page_draws_cards_scatter_and_metrics(client, sign_in, active_run):
    sign_in("viewer")
    page = client.get("/segments").get_data(as_text=True)
    assert page.count('class="card segment-card"') == 2
    assert page.count("<circle cx=") >= 3  # three projected candidates (+ chart markers)
    # The method and its metrics wait behind the disclosure, in words a recruiter reads.
    assert "¿Cómo se calcularon?" in page and "(silueta)" in page and "(inercia)" in page
    assert "kmeans" not in page and "k=" not in page, re.findall(r".{80}(?:kmeans|k=).{20}", page)
    assert "se explica en buena parte por la edad" in page
    assert f"#{active_run.id}" in page
    assert 'id="train"' not in page  # a viewer gets no training button


def test_create_campaign_from_the_form(client, sign_in, job, active_run, platforms, dispatcher):
    sign_in("operator")
    segment = active_run.segments[0]
    data = _campaign_form(
        job.id, client, platforms=["meta", "x"], segment_ids=[str(segment.id)], name="Analistas"
    )
    response = client.post(f"/jobs/{job.id}/campaigns", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    campaign = db.session.scalars(db.select(AdCampaign)).one()
    assert response.headers["Location"] == f"/campaigns/{campaign.id}"
    assert (campaign.name, campaign.daily_budget_cop, campaign.job_id) == (
        "Analistas",
        60000,
        job.id,
    )
    assert campaign.segment_ids == [segment.id]
    assert campaign.created_by.startswith("token:web-operator")
    assert sorted(p.platform for p in campaign.publications) == ["meta", "x"]
    assert len(dispatcher.sent) == 2
    # The same rendered form sent twice (double click, reload) makes one campaign.
    again = client.post(f"/jobs/{job.id}/campaigns", data=data)
    assert again.headers["Location"] == f"/campaigns/{campaign.id}"
    assert count_rows(AdCampaign) == 1
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f"Campaña #{campaign.id} creada" in page
    assert "Analistas · Medellín" in page


def test_a_sent_form_changed_and_sent_again_gets_a_new_key(
    client, sign_in, job, platforms, dispatcher
):
    # A recruiter goes back to a form already sent and changes it: its key now names another
    # request, so the page refuses it once and is drawn again with a fresh key that creates.
    sign_in("operator")
    data = _campaign_form(job.id, client, platforms=["meta"], name="Primera")
    assert client.post(f"/jobs/{job.id}/campaigns", data=data).status_code == 302

    changed = {**data, "name": "Segunda", "daily_budget_cop": "70000"}
    refused = client.post(f"/jobs/{job.id}/campaigns", data=changed)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)
    assert key and key.group(1) != data["idempotency_key"]

    again = client.post(
        f"/jobs/{job.id}/campaigns", data={**changed, "idempotency_key": key.group(1)}
    )
    assert again.status_code == 302, again.get_data(as_text=True)
    names = sorted(db.session.scalars(db.select(AdCampaign.name)))
    assert names == ["Primera", "Segunda"]


def test_preview_step_shows_the_check_and_creates_nothing(
    client, sign_in, job, active_run, platforms, dispatcher
):
    sign_in("operator")
    proxy_segment = active_run.segments[1]
    data = _campaign_form(
        job.id, client, platforms=["meta"], segment_ids=[str(proxy_segment.id)], intent="preview"
    )
    response = client.post(f"/jobs/{job.id}/campaigns", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-platform="meta" data-ok="true"' in page
    assert "Recién egresados · Bogotá se explica en gran parte por la edad" in page
    assert count_rows(AdCampaign) == 0


def test_preview_json_follows_the_choices(client, sign_in, job, active_run, platforms):
    sign_in("viewer")  # reading the check changes nothing, so a viewer may ask too
    url = f"/jobs/{job.id}/campaigns/preview.json"
    nothing = client.get(url).json
    assert not nothing["blocked"]
    assert "Elija plataformas" in nothing["html"]
    answer = client.get(
        url,
        query_string={
            "platforms": ["meta", "google"],
            "segment_ids": [str(s.id) for s in active_run.segments],
            "daily_budget_cop": "6000",
            "start_date": "2030-01-10",
            "end_date": "2030-01-01",
        },
    ).json
    assert answer["blocked"]
    html = answer["html"]
    assert html.count('data-ok="true"') == 2  # the targeting itself complies on both
    assert "Google necesita al menos $10.000 por día" in html  # fake display name
    assert "end_date" in html
    assert "se explica en gran parte por la edad" in html
    assert "Medellín" in html and "Bogotá" in html


def test_service_refusals_show_the_field_names(client, sign_in, job, platforms, dispatcher):
    sign_in("operator")
    too_low = _campaign_form(job.id, client, platforms=["google"], daily_budget_cop="1000")
    response = client.post(f"/jobs/{job.id}/campaigns", data=too_low)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<code>daily_budget_cop</code>" in page
    assert "Google Ads necesita al menos $10.000 por día" in page
    none_chosen = _campaign_form(job.id, client, end_date="2000-01-01")
    response = client.post(f"/jobs/{job.id}/campaigns", data=none_chosen)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<code>platforms</code>" in page
    bad_number = _campaign_form(job.id, client, platforms=["meta"], daily_budget_cop="mucho")
    response = client.post(f"/jobs/{job.id}/campaigns", data=bad_number)
    assert response.status_code == 422
    assert "<code>daily_budget_cop</code>" in response.get_data(as_text=True)
    assert count_rows(AdCampaign) == 0


def test_closed_job_offers_no_form(client, sign_in, platforms):
    closed = make_job(status="closed")
    sign_in("operator")
    page = client.get(f"/jobs/{closed.id}").get_data(as_text=True)
    assert 'id="campaign-form"' not in page
    assert "La vacante está cerrada" in page


def test_campaign_page_retry_pause_resume(client, sign_in, job, platforms, dispatcher):
    sign_in("operator")
    platforms.platforms["google"].failures.append(
        ("ad", InvalidRequest("google", "Headline too long.", field="headlines"))
    )
    client.post(
        f"/jobs/{job.id}/campaigns",
        data=_campaign_form(job.id, client, platforms=["meta", "google"]),
    )
    campaign = db.session.scalars(db.select(AdCampaign)).one()
    url = f"/campaigns/{campaign.id}"
    live = client.get(f"{url}/live.json").json
    assert (live["status"], live["live"]) == ("queued", True)
    _work(dispatcher)
    live = client.get(f"{url}/live.json").json
    assert (live["status"], live["live"]) == ("partially_published", False)
    assert "Headline too long." in live["html"]
    assert 'id="retry"' in live["html"] and 'id="pause"' in live["html"]
    token = csrf_token(client, url)

    retried = client.post(f"{url}/retry", data={"csrf_token": token})
    assert retried.headers["Location"] == url
    google = db.session.scalars(
        db.select(PlatformPublication).where(PlatformPublication.platform == "google")
    ).one()
    assert google.status == "pending"
    _work(dispatcher)
    assert client.get(f"{url}/live.json").json["status"] == "published"

    assert client.post(f"{url}/pause", data={"csrf_token": token}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Campaña pausada." in page and 'id="resume"' in page
    assert client.post(f"{url}/resume", data={"csrf_token": token}).status_code == 302
    assert client.get(f"{url}/live.json").json["status"] == "published"
    # Nothing left to retry: the service's refusal comes back as a message, not an error page.
    refused = client.post(f"{url}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert refused.status_code == 200
    assert "no tiene publicaciones fallidas para reintentar" in refused.get_data(as_text=True)


def test_campaign_list_filters_by_status(client, sign_in, job, platforms, dispatcher):
    sign_in("operator")
    for name in ("Primera", "Segunda"):
        client.post(
            f"/jobs/{job.id}/campaigns",
            data=_campaign_form(job.id, client, platforms=["meta"], name=name),
        )
    first = db.session.scalars(db.select(AdCampaign).where(AdCampaign.name == "Primera")).one()
    publishing.attempt_publication(db_session=db.session, publication_id=first.publications[0].id)
    published = client.get("/campaigns?status=published").get_data(as_text=True)
    queued = client.get("/campaigns?status=queued").get_data(as_text=True)
    assert "Primera" in published and "Segunda" not in published
    assert "Segunda" in queued and "Primera" not in queued
    assert client.get("/campaigns/999999").status_code == 404


def test_overview_shows_the_figures(client, sign_in, job, active_run, platforms, dispatcher):
    sign_in("operator")
    platforms.platforms["x"].failures.append(("campaign", InvalidRequest("x", "Bad geo.")))
    client.post(
        f"/jobs/{job.id}/campaigns", data=_campaign_form(job.id, client, platforms=["meta", "x"])
    )
    _work(dispatcher)
    page = client.get("/").get_data(as_text=True)
    assert 'data-figure="open_jobs">1<' in page
    assert 'data-figure="candidates">3<' in page
    assert 'data-figure="consenting_share">66,7 %<' in page
    assert 'data-status="partially_published">1<' in page
    assert "Bad geo." in page


def test_end_date_before_start_is_refused_with_its_field(client, sign_in, job, platforms):
    sign_in("operator")
    start = date.today() + timedelta(days=5)
    data = _campaign_form(
        job.id,
        client,
        platforms=["meta"],
        start_date=start.isoformat(),
        end_date=(start - timedelta(days=1)).isoformat(),
    )
    response = client.post(f"/jobs/{job.id}/campaigns", data=data)
    assert response.status_code == 422
    assert "<code>end_date</code>" in response.get_data(as_text=True)


def test_training_in_progress_is_shown_and_polled(client, sign_in, active_run):
    training = SegmentationRun(
        status="running", in_flight=True, progress={"percent": 40, "step": "k=5 de 2..10"}
    )
    db.session.add(training)
    db.session.flush()
    sign_in("operator")
    page = client.get("/segments").get_data(as_text=True)
    assert 'id="training"' in page
    assert f"/segments/runs/{training.id}/live.json" in page
    assert 'value="40"' in page and "k=5 de 2..10" in page
    live = client.get(f"/segments/runs/{training.id}/live.json").json
    assert live["in_flight"] is True
    assert live["label"] == f"Entrenamiento #{training.id}: entrenando"
    assert live["progress"] == {"percent": 40, "step": "k=5 de 2..10"}
    training.status, training.in_flight = "succeeded", False
    db.session.flush()
    assert client.get(f"/segments/runs/{training.id}/live.json").json["in_flight"] is False
    assert client.get("/segments/runs/999999/live.json").status_code == 404


def test_operator_starts_a_training_from_the_segments_page(client, sign_in, active_run, dispatcher):
    for _ in range(4):
        make_candidate()
    sign_in("operator")
    page = client.get("/segments").get_data(as_text=True)
    assert 'id="train"' in page
    token = csrf_token(client, "/segments")
    started = client.post("/segments/train", data={"csrf_token": token, "k_min": "2", "k_max": "3"})
    assert started.headers["Location"] == "/segments"
    run = db.session.scalars(
        db.select(SegmentationRun).where(SegmentationRun.in_flight.is_(True))
    ).one()
    assert (run.status, run.k_min, run.k_max) == ("pending", 2, 3)
    assert [args for _name, args, _ in dispatcher.take()] == [(run.id,)]
    page = client.get("/segments").get_data(as_text=True)
    assert f"Entrenamiento #{run.id} iniciado" in page
    assert 'id="training"' in page and 'id="train"' not in page
    # One training at a time; the service's refusal is shown, nothing else is queued.
    again = client.post(
        "/segments/train",
        data={"csrf_token": token, "k_min": "2", "k_max": "3"},
        follow_redirects=True,
    )
    assert "solo se ejecuta un entrenamiento a la vez" in again.get_data(as_text=True)
    assert dispatcher.take() == []


def test_training_range_refusals_name_the_field(client, sign_in, active_run, dispatcher):
    sign_in("operator")
    token = csrf_token(client, "/segments")
    refused = client.post(
        "/segments/train",
        data={"csrf_token": token, "k_min": "5", "k_max": "3"},
        follow_redirects=True,
    )
    assert "<code>k_max</code>" in refused.get_data(as_text=True)
    assert count_rows(SegmentationRun) == 1  # only the fixture's active run
