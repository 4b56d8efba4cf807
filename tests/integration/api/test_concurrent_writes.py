"""Concurrent requests answer as sequential ones do, on PostgreSQL and on SQLite.

Every unique constraint a request can hit is raced here by real threads through the API, each
request in its own app context (its own session and connection), all released at once. No answer
may be a 5xx: the loser of a race gets the sequential path's 409, or the winner's result when it
repeated an idempotency key; and exactly one row exists afterwards.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url
from tests.factories import job_payload, make_candidate, make_job
from tests.fakes import FakeDirectory, RecordingDispatcher
from tests.services import service_missing

from adflux.app import create_app
from adflux.audit.models import AuditLog
from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken
from adflux.campaigns import publishing
from adflux.campaigns import service as campaigns
from adflux.campaigns.models import AdCampaign, PlatformCredential
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.platforms.base import AuthExpired
from adflux.results.models import Application
from adflux.segmentation.models import SegmentationRun

THREADS = 16


def _admin_dsn(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def committed_app(request, tmp_path: Path) -> Iterator[Flask]:
    """An app on its own empty database whose writes really commit (no test transaction)."""
    database_url = None
    if request.param == "postgresql":
        base = make_url(request.getfixturevalue("postgres_url"))
        database_url = base.set(database=f"{base.database}_race").render_as_string(
            hide_password=False
        )
        try:
            with psycopg.connect(_admin_dsn(database_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{base.database}_race" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{base.database}_race"')
        except psycopg.OperationalError as exc:
            service_missing("PostgreSQL", str(exc))
    settings = Settings(
        **({"database_url": database_url} if database_url else {}),
        data_dir=tmp_path / "data",
        log_level="WARNING",
    )
    app = create_app(settings, TESTING=True)
    app.extensions["adflux_platforms"] = FakeDirectory()
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    with app.app_context():
        upgrade_schema()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if database_url:
            with psycopg.connect(_admin_dsn(database_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}"')


def _token(app: Flask, role: str = "admin") -> dict[str, str]:
    with app.app_context():
        _row, plain = auth_service.create_token(
            db_session=db.session, name=f"race-{role}", role=role
        )
        db.session.remove()
    return {"Authorization": f"Bearer {plain}"}


def _count(app: Flask, statement: sa.Select[Any]) -> int:
    with app.app_context():
        try:
            return int(db.session.scalar(statement) or 0)
        finally:
            db.session.remove()


def _race(app: Flask, send: Callable[[Any], Any], n: int = THREADS) -> list[Any]:
    """Run `send(client)` in n threads released together; the responses, in no order."""
    barrier = threading.Barrier(n)

    def one(_: int) -> Any:
        client = app.test_client()
        barrier.wait()
        return send(client)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def _statuses(responses: list[Any]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def test_same_job_external_ref_at_once_gives_one_201_and_409s(committed_app):
    headers = _token(committed_app, "operator")
    body = job_payload(external_ref="race-job-1")

    responses = _race(committed_app, lambda c: c.post("/api/v1/jobs", json=body, headers=headers))

    assert _statuses(responses) == {201: 1, 409: THREADS - 1}, [r.json for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json["error"]["fields"] == {"external_ref": ["ya existe"]}
    assert (
        _count(
            committed_app,
            sa.select(sa.func.count())
            .select_from(JobOpening)
            .where(JobOpening.external_ref == "race-job-1"),
        )
        == 1
    )


def test_same_token_name_at_once_gives_one_201_and_409s(committed_app):
    headers = _token(committed_app, "admin")
    body = {"name": "race-ci", "role": "viewer"}

    responses = _race(committed_app, lambda c: c.post("/api/v1/tokens", json=body, headers=headers))

    assert _statuses(responses) == {201: 1, 409: THREADS - 1}, [r.json for r in responses]
    assert (
        _count(
            committed_app,
            sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.name == "race-ci"),
        )
        == 1
    )


def test_same_idempotency_key_at_once_creates_one_campaign_and_repeats_it(committed_app):
    headers = {**_token(committed_app, "operator"), "Idempotency-Key": "race-key-1"}
    job = committed_app.test_client().post("/api/v1/jobs", json=job_payload(), headers=headers).json
    body = {"job_id": job["id"], "platforms": ["meta", "google"]}

    responses = _race(
        committed_app, lambda c: c.post("/api/v1/campaigns", json=body, headers=headers)
    )

    assert _statuses(responses) == {202: 1, 200: THREADS - 1}, [r.json for r in responses]
    assert len({r.json["id"] for r in responses}) == 1
    assert (
        _count(
            committed_app,
            sa.select(sa.func.count())
            .select_from(AdCampaign)
            .where(AdCampaign.idempotency_key == "race-key-1"),
        )
        == 1
    )


def test_same_idempotency_key_with_other_bodies_at_once_is_refused(committed_app):
    """The losers of the race sent another body: 422, not the winner's campaign."""
    headers = {**_token(committed_app, "operator"), "Idempotency-Key": "race-key-2"}
    job = committed_app.test_client().post("/api/v1/jobs", json=job_payload(), headers=headers).json
    budgets = iter(range(100_000, 100_000 + THREADS * 1_000, 1_000))
    lock = threading.Lock()

    def send(client: Any) -> Any:
        with lock:
            budget = next(budgets)
        body = {"job_id": job["id"], "platforms": ["meta"], "daily_budget_cop": budget}
        return client.post("/api/v1/campaigns", json=body, headers=headers)

    responses = _race(committed_app, send)

    assert _statuses(responses) == {202: 1, 422: THREADS - 1}, [r.json for r in responses]
    for response in responses:
        if response.status_code == 422:
            assert "Idempotency-Key" in response.json["error"]["fields"]
    assert (
        _count(
            committed_app,
            sa.select(sa.func.count())
            .select_from(AdCampaign)
            .where(AdCampaign.idempotency_key == "race-key-2"),
        )
        == 1
    )


def test_admins_revoking_every_admin_token_at_once_leave_exactly_one(committed_app):
    """Every admin revokes its own token at once: without serialising, all of them could go."""
    n = 8
    tokens = []
    with committed_app.app_context():
        for i in range(n):
            _row, plain = auth_service.create_token(
                db_session=db.session, name=f"admin-{i}", role="admin"
            )
            tokens.append((f"admin-{i}", {"Authorization": f"Bearer {plain}"}))
        db.session.remove()
    queue = iter(tokens)
    lock = threading.Lock()

    def send(client: Any) -> Any:
        with lock:
            name, headers = next(queue)
        return client.post(f"/api/v1/tokens/{name}/revoke", headers=headers)

    responses = _race(committed_app, send, n=n)

    assert _statuses(responses) == {200: n - 1, 409: 1}, [r.json for r in responses]
    active_admins = _count(
        committed_app,
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.role == "admin", ApiToken.revoked_at.is_(None)),
    )
    assert active_admins == 1


def test_trainings_started_at_once_give_one_202_and_409s(committed_app):
    """One in-flight segmentation run at a time (a partial unique index)."""
    with committed_app.app_context():
        for _ in range(6):
            make_candidate()
        db.session.commit()
        db.session.remove()
    headers = _token(committed_app, "operator")

    responses = _race(
        committed_app,
        lambda c: c.post("/api/v1/segmentations", json={"k": 2}, headers=headers),
    )

    assert _statuses(responses) == {202: 1, 409: THREADS - 1}, [r.json for r in responses]
    in_flight = _count(
        committed_app,
        sa.select(sa.func.count())
        .select_from(SegmentationRun)
        .where(SegmentationRun.in_flight.is_(True)),
    )
    assert in_flight == 1


def test_publications_failing_on_one_platform_at_once_mark_its_credential_once(committed_app):
    """Every worker whose token expired records the platform's credential row; none crashes."""
    directory = committed_app.extensions["adflux_platforms"]
    meta = directory.platforms["meta"]
    meta.failures.extend(
        ("campaign", AuthExpired("meta", "Error validating access token.")) for _ in range(THREADS)
    )
    with committed_app.app_context():
        job = make_job()
        publication_ids = []
        for _ in range(THREADS):
            campaign, _created = campaigns.create_campaign(
                db_session=db.session, job_id=job.id, platforms=["meta"]
            )
            publication_ids.extend(p.id for p in campaign.publications)
        db.session.remove()
    ids = iter(publication_ids)
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def attempt(_: int) -> str:
        with lock:
            publication_id = next(ids)
        with committed_app.app_context():
            barrier.wait()
            try:
                return publishing.attempt_publication(
                    db_session=db.session, publication_id=publication_id
                ).state
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        states = list(pool.map(attempt, range(THREADS)))

    assert Counter(states) == {"failed": THREADS}
    assert _count(committed_app, sa.select(sa.func.count()).select_from(PlatformCredential)) == 1
    with committed_app.app_context():
        row = db.session.get(PlatformCredential, "meta")
        assert row is not None and row.healthy is False
        db.session.remove()


def test_pauses_and_closes_of_one_job_at_once_never_move_a_closed_job(committed_app):
    """A closed job is only reopened: a pause racing a close must not overwrite "closed"."""
    headers = _token(committed_app, "operator")
    job = committed_app.test_client().post("/api/v1/jobs", json=job_payload(), headers=headers).json
    verbs = iter(["close", "pause"] * (THREADS // 2))
    lock = threading.Lock()

    def send(client: Any) -> Any:
        with lock:
            verb = next(verbs)
        return client.post(f"/api/v1/jobs/{job['id']}/{verb}", headers=headers)

    responses = _race(committed_app, send)

    assert set(_statuses(responses)) <= {200, 409}, [r.json for r in responses]
    with committed_app.app_context():
        moves = [
            (entry.details["from"], entry.details["to"])
            for entry in db.session.scalars(
                sa.select(AuditLog).where(AuditLog.action.like("job.%")).order_by(AuditLog.id)
            )
            if entry.action != "job.create"
        ]
        db.session.remove()
    assert ("closed", "paused") not in moves, moves
    # Every recorded move starts where the previous one ended.
    assert all(after[0] == before[1] for before, after in itertools.pairwise(moves)), moves


def test_the_same_application_delivered_at_once_is_stored_once(committed_app):
    headers = _token(committed_app, "applications")
    with committed_app.app_context():
        job_ref = make_job().external_ref
        db.session.commit()
        db.session.remove()
    body = {
        "application_id": "site-app-1",
        "job_ref": job_ref,
        "candidate_ref": None,
        "applied_at": "2026-12-03T15:00:00-05:00",
        "utm_source": "meta",
    }

    responses = _race(
        committed_app, lambda c: c.post("/api/v1/applications", json=body, headers=headers)
    )

    assert _statuses(responses) == {202: THREADS}, [r.json for r in responses]
    assert Counter(r.json["status"] for r in responses) == {
        "accepted": 1,
        "duplicate": THREADS - 1,
    }
    assert (
        _count(
            committed_app,
            sa.select(sa.func.count())
            .select_from(Application)
            .where(Application.source_id == "site-app-1"),
        )
        == 1
    )


def test_overlapping_batches_at_once_store_each_application_once(committed_app):
    headers = _token(committed_app, "applications")
    with committed_app.app_context():
        job_ref = make_job().external_ref
        db.session.commit()
        db.session.remove()
    items = [
        {
            "application_id": f"site-batch-{n}",
            "job_ref": job_ref,
            "candidate_ref": None,
            "applied_at": "2026-12-03T15:00:00-05:00",
        }
        for n in range(20)
    ]
    starts = itertools.count()

    def send(client: Any) -> Any:
        start = next(starts) % 4 * 5  # each batch shares most of its items with the others
        batch = {"applications": (items * 2)[start : start + 15]}
        return client.post("/api/v1/applications/batch", json=batch, headers=headers)

    responses = _race(committed_app, send, n=8)

    assert _statuses(responses) == {200: 8}, [r.json for r in responses]
    accepted = Counter(
        item["application_id"]
        for r in responses
        for item in r.json["items"]
        if item["status"] == "accepted"
    )
    assert sorted(accepted) == sorted(i["application_id"] for i in items)
    assert set(accepted.values()) == {1}
    assert _count(committed_app, sa.select(sa.func.count()).select_from(Application)) == 20
