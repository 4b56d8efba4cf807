"""Job status transitions (open, paused, closed) and what they do to the job's campaigns."""

from __future__ import annotations

from typing import Any

import pytest
from tests.factories import make_job
from tests.fakes import FakeAdapter

from adflux.audit.models import AuditLog
from adflux.campaigns import publishing
from adflux.extensions import db
from adflux.platforms.base import TransientError

pytestmark = pytest.mark.postgres


def _work(dispatcher) -> None:
    for _name, args, _countdown in dispatcher.take():
        publishing.attempt_publication(db_session=db.session, publication_id=args[0])


def _live(platforms, name: str) -> dict[str, bool]:
    """kind -> active, for every object the fake platform holds."""
    return {o["kind"]: o["active"] for o in platforms.platforms[name].objects.values()}


def _publish(client, headers, dispatcher, job_id: int, names: list[str]) -> dict[str, Any]:
    created = client.post(
        "/api/v1/campaigns", json={"job_id": job_id, "platforms": names}, headers=headers
    )
    assert created.status_code == 202, created.json
    _work(dispatcher)
    shown = client.get(f"/api/v1/campaigns/{created.json['id']}", headers=headers).json
    assert shown["status"] == "published", shown
    return shown


@pytest.mark.parametrize("verb", ["close", "pause"])
def test_closing_or_pausing_a_job_pauses_its_live_campaigns_on_every_platform(
    client, token_for, platforms, dispatcher, job, verb
):
    headers = token_for("operator")
    every = ["meta", "google", "x"]
    campaign = _publish(client, headers, dispatcher, job.id, every)
    other_job = make_job()
    untouched = _publish(client, headers, dispatcher, other_job.id, ["meta"])
    assert all(
        _live(platforms, name) == dict.fromkeys(("campaign", "ad_set", "ad"), True)
        for name in every
    )

    response = client.post(f"/api/v1/jobs/{job.id}/{verb}", headers=headers)

    assert response.status_code == 200, response.json
    assert response.json["status"] == {"close": "closed", "pause": "paused"}[verb]
    assert response.json["campaigns_paused"] == [campaign["id"]]
    assert response.json["campaigns_not_paused"] == {}
    # What each platform holds: this campaign's objects inactive, the other job's still live.
    for name in every:
        for object_id, held in platforms.platforms[name].objects.items():
            ours = object_id in {
                v for p in campaign["publications"] for v in p["external_ids"].values()
            }
            assert held["active"] is not ours, (name, object_id)
    shown = client.get(f"/api/v1/campaigns/{campaign['id']}", headers=headers).json
    assert shown["status"] == "paused"
    assert {p["status"] for p in shown["publications"]} == {"paused"}
    other = client.get(f"/api/v1/campaigns/{untouched['id']}", headers=headers).json
    assert other["status"] == "published"
    entry = db.session.query(AuditLog).filter_by(action=f"job.{verb}").one()
    assert entry.entity_id == str(job.id)
    assert entry.details == {"from": "open", "to": response.json["status"]}
    assert db.session.query(AuditLog).filter_by(action="campaign.pause").count() == 1


def test_transitions_open_paused_closed_and_back(client, token_for, platforms, dispatcher, job):
    headers = token_for("operator")

    def status_after(verb: str) -> tuple[int, Any]:
        response = client.post(f"/api/v1/jobs/{job.id}/{verb}", headers=headers)
        return response.status_code, response.json

    assert status_after("pause")[1]["status"] == "paused"
    assert status_after("pause")[1]["status"] == "paused"  # repeating is harmless
    assert status_after("reopen")[1]["status"] == "open"
    assert status_after("close")[1]["status"] == "closed"
    code, body = status_after("pause")
    assert code == 409
    assert body["error"]["fields"] == {"status": ["no puede pasar de cerrada a en pausa"]}
    assert "primero reábrala" in body["error"]["message"]
    assert status_after("reopen")[1]["status"] == "open"
    assert status_after("pause")[1]["status"] == "paused"
    assert status_after("close")[1]["status"] == "closed"
    actions = [
        (e.action, e.details["to"])
        for e in db.session.query(AuditLog).order_by(AuditLog.id)
        if e.action.startswith("job.")
    ]
    assert actions == [
        ("job.pause", "paused"),
        ("job.reopen", "open"),
        ("job.close", "closed"),
        ("job.reopen", "open"),
        ("job.pause", "paused"),
        ("job.close", "closed"),
    ]
    listed = client.get("/api/v1/jobs?status=closed", headers=headers).json
    assert [j["id"] for j in listed["items"]] == [job.id]
    assert client.get("/api/v1/jobs?status=paused", headers=headers).json["total"] == 0


@pytest.mark.parametrize("verb, status", [("pause", "paused"), ("close", "closed")])
def test_no_campaign_for_a_job_that_is_not_open_and_the_message_says_how(
    client, token_for, platforms, dispatcher, job, verb, status
):
    headers = token_for("operator")
    client.post(f"/api/v1/jobs/{job.id}/{verb}", headers=headers)

    refused = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["meta"]}, headers=headers
    )

    assert refused.status_code == 422
    error = refused.json["error"]
    shown = {"paused": "en pausa", "closed": "cerrada"}[status]
    assert error["fields"] == {"job_id": [f"la vacante está {shown}; primero reábrala"]}
    # The way to reopen it that the message names exists.
    assert f"/api/v1/jobs/{job.id}/reopen" in error["message"]
    assert f"adflux reopen-job {job.id}" in error["message"]
    assert client.post(f"/api/v1/jobs/{job.id}/reopen", headers=headers).status_code == 200
    again = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["meta"]}, headers=headers
    )
    assert again.status_code == 202, again.json


def test_a_pause_a_platform_refuses_is_reported_and_retried_by_repeating(
    client, token_for, platforms, dispatcher, job, monkeypatch
):
    headers = token_for("operator")
    campaign = _publish(client, headers, dispatcher, job.id, ["meta", "google"])
    real_set_active = FakeAdapter.set_active
    refusals = iter([TransientError("google", "Service unavailable.")])

    def flaky(self, external_ids, active):
        if self.name == "google" and (error := next(refusals, None)) is not None:
            raise error
        return real_set_active(self, external_ids, active)

    monkeypatch.setattr(FakeAdapter, "set_active", flaky)

    first = client.post(f"/api/v1/jobs/{job.id}/close", headers=headers)

    assert first.status_code == 200
    assert first.json["status"] == "closed"
    assert first.json["campaigns_paused"] == []
    assert first.json["campaigns_not_paused"] == {
        str(campaign["id"]): {"google": ["Service unavailable."]}
    }
    assert set(_live(platforms, "meta").values()) == {False}
    assert set(_live(platforms, "google").values()) == {True}

    again = client.post(f"/api/v1/jobs/{job.id}/close", headers=headers)

    assert again.json["campaigns_paused"] == [campaign["id"]]
    assert again.json["campaigns_not_paused"] == {}
    assert set(_live(platforms, "google").values()) == {False}


def test_a_publication_still_queued_when_the_job_closes_ends_paused(
    client, token_for, platforms, dispatcher, job
):
    headers = token_for("operator")
    created = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["meta", "x"]}, headers=headers
    ).json
    closed = client.post(f"/api/v1/jobs/{job.id}/close", headers=headers).json
    assert closed["campaigns_paused"] == []  # nothing was live yet

    _work(dispatcher)  # the queued tasks run after the close

    shown = client.get(f"/api/v1/campaigns/{created['id']}", headers=headers).json
    assert {p["status"] for p in shown["publications"]} == {"paused"}
    assert shown["status"] == "paused"
    for name in ("meta", "x"):
        assert _live(platforms, name) == dict.fromkeys(("campaign", "ad_set", "ad"), False)


def test_cli_pause_close_and_reopen_job(adflux_cli, platforms, dispatcher, job):
    """`adflux pause-job|close-job|reopen-job ID` speak to the API (here in-process)."""
    run = adflux_cli
    paused = run("pause-job", str(job.id))
    assert paused.exit_code == 0, paused.output
    assert paused.output.strip() == f"vacante {job.id}: en pausa"
    closed = run("close-job", str(job.id), "--json")
    assert closed.exit_code == 0, closed.output
    assert '"status": "closed"' in closed.output
    refused = run("pause-job", str(job.id))
    assert refused.exit_code == 1
    assert "primero reábrala" in refused.output and "[HTTP 409]" in refused.output
    reopened = run("reopen-job", str(job.id))
    assert reopened.exit_code == 0, reopened.output
    assert reopened.output.strip() == f"vacante {job.id}: abierta"
    missing = run("close-job", "999999")
    assert missing.exit_code == 1 and "[HTTP 404]" in missing.output
