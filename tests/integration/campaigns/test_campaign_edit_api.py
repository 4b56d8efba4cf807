"""PATCH /api/v1/campaigns/{id} and POST .../archive over HTTP, on PostgreSQL and SQLite, with
fake platforms and the tasks run in this thread as a worker would."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from tests.factories import make_job, make_segmented_run
from tests.integration.campaigns.conftest import run_sent_tasks

from adflux.auth import service as auth_service
from adflux.extensions import db

_tokens = itertools.count()


@pytest.fixture
def client(backend: Flask) -> FlaskClient:
    return backend.test_client()


@pytest.fixture
def headers(backend: Flask) -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"test-operator-{next(_tokens)}", role="operator"
    )
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def segments(backend):
    people = [{"city": "Cali", "area": "Contabilidad"}] * 2
    return make_segmented_run({"Contadores": people, "Auxiliares": people, "Analistas": people})


def run_tasks(app: Flask) -> list[str]:
    return [state for _, state in run_sent_tasks(app.extensions["adflux_dispatcher"])]


@pytest.fixture
def campaign(backend, client, headers, segments) -> dict:
    job = make_job(title="Auxiliar contable", city="Cali")
    db.session.commit()
    body = {
        "job_id": job.id,
        "platforms": ["meta", "google"],
        "segment_ids": [segments[0].id],
        "daily_budget_cop": 100_000,
        "total_budget_cop": 2_000_000,
        "pacing": "fast",
        "end_date": (date.today() + timedelta(days=40)).isoformat(),
    }
    response = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert response.status_code == 202, response.get_json()
    assert set(run_tasks(backend)) == {"published"}
    return client.get(response.headers["Location"], headers=headers).get_json()


def test_the_campaign_shows_its_arms_budgets_and_change_state(campaign, segments):
    assert (campaign["total_budget_cop"], campaign["pacing"]) == (2_000_000, "fast")
    assert campaign["auto_allocate"] is True and campaign["archived_at"] is None
    arms = campaign["arms"]
    assert sorted((a["platform"], a["arm_key"]) for a in arms) == [
        ("google", f"segment-{segments[0].id}"),
        ("meta", f"segment-{segments[0].id}"),
    ]
    assert sum(a["daily_budget_cop"] for a in arms) == 100_000
    for arm in arms:
        assert arm["segment"] == {"id": segments[0].id, "name": "Contadores"}
        assert arm["held_daily_budget_cop"] == arm["daily_budget_cop"]
        assert (arm["change_state"], arm["change_error"]) == ("applied", None)


def test_a_patch_changes_the_campaign_and_every_platform_follows(
    backend, client, headers, campaign, segments
):
    url = f"/api/v1/campaigns/{campaign['id']}"
    response = client.patch(
        url,
        json={
            "daily_budget_cop": 150_000,
            "total_budget_cop": None,
            "pacing": "even",
            "end_date": None,
            "segment_ids": [segments[0].id, segments[1].id],
            "ad_copy": {"headline": "Únete a nuestro equipo contable"},
            "auto_allocate": False,
        },
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert (changed["daily_budget_cop"], changed["total_budget_cop"], changed["end_date"]) == (
        150_000,
        None,
        None,
    )
    assert (changed["pacing"], changed["auto_allocate"]) == ("even", False)
    assert changed["ad_copy"] == {"headline": "Únete a nuestro equipo contable"}
    states = {a["arm_key"]: a["change_state"] for a in changed["arms"]}
    assert states[f"segment-{segments[0].id}"] == "pending"
    assert sum(a["daily_budget_cop"] for a in changed["arms"]) == 150_000
    assert len(changed["arms"]) == 4
    run_tasks(backend)
    after = client.get(url, headers=headers).get_json()
    platforms = backend.extensions["adflux_platforms"].platforms
    for arm in after["arms"]:
        assert arm["change_state"] == "applied"
        assert arm["status"] == "published"
        assert arm["held_daily_budget_cop"] == arm["daily_budget_cop"]
        external = next(p for p in after["publications"] if p["id"] == arm["id"])
        root = platforms[arm["platform"]].objects[external["external_ids"]["campaign"]]
        if "daily_budget_cop" in root:  # updated; a new arm was published with its budget
            assert root["daily_budget_cop"] == arm["daily_budget_cop"]
            assert root["schedule"].end_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"daily_budget_cop": "150000"}, "daily_budget_cop"),
        ({"daily_budget_cop": 1_000}, "daily_budget_cop"),
        ({"total_budget_cop": 10}, "total_budget_cop"),
        ({"pacing": "slow"}, "pacing"),
        ({"end_date": "2001-01-01"}, "end_date"),
        ({"end_date": "mañana"}, "end_date"),
        ({"start_date": "2001-01-01"}, "start_date"),
        ({"segment_ids": ["uno"]}, "segment_ids"),
        ({"segment_ids": [987_654]}, "segment_ids"),
        ({"segment_ids": []}, "segment_ids"),
        ({"auto_allocate": "yes"}, "auto_allocate"),
        ({"ad_copy": {"title": "x"}}, "ad_copy"),
        ({"ad_copy": {"headline": 5}}, "ad_copy"),
        ({"job_audience_size": 3}, "job_audience_size"),
        ({"colour": "red"}, "colour"),
        ({"age_min": 25}, "age_min"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    client, headers, campaign, body, field
):
    url = f"/api/v1/campaigns/{campaign['id']}"
    response = client.patch(url, json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert any(name.split(".")[0] == field for name in error["fields"]), error
    assert client.get(url, headers=headers).get_json()["arms"] == campaign["arms"]


def test_an_empty_patch_changes_nothing(backend, client, headers, campaign):
    response = client.patch(f"/api/v1/campaigns/{campaign['id']}", json={}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["arms"] == campaign["arms"]
    assert backend.extensions["adflux_dispatcher"].sent == []


def test_viewers_cannot_change_or_archive(client, campaign):
    _row, plain = auth_service.create_token(db_session=db.session, name="viewer", role="viewer")
    viewer = {"Authorization": f"Bearer {plain}"}
    url = f"/api/v1/campaigns/{campaign['id']}"
    assert client.patch(url, json={"name": "x"}, headers=viewer).status_code == 403
    assert client.post(f"{url}/archive", headers=viewer).status_code == 403


def test_archive_ends_every_arm_and_refuses_later_edits(backend, client, headers, campaign):
    url = f"/api/v1/campaigns/{campaign['id']}"
    archived = client.post(f"{url}/archive", headers=headers)
    assert archived.status_code == 200
    assert archived.get_json()["status"] == "archived"
    assert set(run_tasks(backend)) == {"applied"}
    after = client.get(url, headers=headers).get_json()
    assert after["archived_at"] is not None
    assert {(a["status"], a["change_state"]) for a in after["arms"]} == {("ended", "applied")}
    refused = client.patch(url, json={"name": "otra"}, headers=headers)
    assert refused.status_code == 409
    assert "archivada" in refused.get_json()["error"]["message"]
    listed = client.get("/api/v1/campaigns", headers=headers).get_json()["items"]
    assert campaign["id"] not in [c["id"] for c in listed]
    with_archived = client.get(
        "/api/v1/campaigns?include_archived=true", headers=headers
    ).get_json()["items"]
    assert campaign["id"] in [c["id"] for c in with_archived]
    assert client.post(f"{url}/archive", headers=headers).status_code == 200  # again: same


def test_the_openapi_document_declares_the_patch_and_archive(client):
    document = client.get("/api/v1/openapi.json").get_json()
    path = document["paths"]["/api/v1/campaigns/{campaign_id}"]
    assert "patch" in path and "422" in path["patch"]["responses"]
    assert "post" in document["paths"]["/api/v1/campaigns/{campaign_id}/archive"]
