"""Claims that carry a heartbeat: a live worker's claim is renewed however long its attempt
takes, so only a dead worker's is taken over, after `claim_stale_after_s` (a minute), not the
ten minutes an attempt used to be granted. On a committed SQLite file: the heartbeat writes
from its own connection, as it does in a worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import make_job
from tests.fakes import FakeDirectory, RecordingDispatcher

from adflux.campaigns import service
from adflux.campaigns.adapters import claim_heartbeat
from adflux.campaigns.claims import ClaimHeartbeat
from adflux.campaigns.models import PlatformPublication
from adflux.db import utcnow
from adflux.extensions import db


@pytest.fixture
def sqlite_app(sqlite_app: Flask) -> Iterator[Flask]:
    """The committed SQLite app with fake platforms and a dispatcher that records the tasks."""
    sqlite_app.extensions["adflux_platforms"] = FakeDirectory()
    sqlite_app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield sqlite_app


def _stuck_publishing(app, *, seconds_ago: float) -> list[int]:
    """Two publications claimed `seconds_ago` and still publishing."""
    job = make_job(city="Cali")
    db.session.commit()
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta", "google"]
    )
    ids = [p.id for p in campaign.publications]
    db.session.execute(
        sa.update(PlatformPublication)
        .where(PlatformPublication.id.in_(ids))
        .values(status="publishing", claimed_at=utcnow() - timedelta(seconds=seconds_ago))
    )
    db.session.commit()
    return ids


def _claimed_at(ids: list[int]) -> dict[int, object]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(PlatformPublication.id, PlatformPublication.claimed_at).where(
            PlatformPublication.id.in_(ids)
        )
    )
    return {row[0]: row[1] for row in rows}


def test_a_held_claim_is_renewed_and_not_taken_over(sqlite_app):
    app = sqlite_app
    stale_after = app.config["ADFLUX_SETTINGS"].claim_stale_after_s
    held, let_go = _stuck_publishing(app, seconds_ago=stale_after - 5)
    heartbeat = claim_heartbeat()
    assert heartbeat.interval_s == stale_after / 4

    with heartbeat.holding(held):
        assert heartbeat.held() == [held]
        assert heartbeat.beat() == 1
    assert heartbeat.held() == []

    claimed = _claimed_at([held, let_go])
    assert utcnow() - claimed[held] < timedelta(seconds=5)  # renewed just now
    assert utcnow() - claimed[let_go] > timedelta(seconds=stale_after - 6)
    # Once the other one's worker has been silent past the bound, the relay takes it over.
    db.session.execute(
        sa.update(PlatformPublication)
        .where(PlatformPublication.id == let_go)
        .values(claimed_at=utcnow() - timedelta(seconds=stale_after + 1))
    )
    db.session.commit()
    app.extensions["adflux_dispatcher"].sent.clear()
    assert service.relay_due_publications(db_session=db.session, grace_s=-1) == 1
    (sent,) = app.extensions["adflux_dispatcher"].take()
    assert sent[1][0] == let_go


def test_the_heartbeat_thread_renews_while_the_block_runs(sqlite_app):
    held = _stuck_publishing(sqlite_app, seconds_ago=50)[0]
    engine = db.engine
    heartbeat = ClaimHeartbeat(lambda: engine, interval_s=0.05)
    try:
        with heartbeat.holding(held):
            deadline = utcnow() + timedelta(seconds=5)
            while utcnow() - _claimed_at([held])[held] > timedelta(seconds=5):
                assert utcnow() < deadline, "the claim was never renewed"
    finally:
        heartbeat.stop()


def test_a_finished_publication_is_not_renewed(sqlite_app):
    held = _stuck_publishing(sqlite_app, seconds_ago=50)[0]
    db.session.execute(
        sa.update(PlatformPublication)
        .where(PlatformPublication.id == held)
        .values(status="published", claimed_at=None)
    )
    db.session.commit()
    with claim_heartbeat().holding(held):
        assert claim_heartbeat().beat() == 0
    assert _claimed_at([held])[held] is None


def test_a_publish_task_the_database_refused_runs_again(sqlite_app, monkeypatch):
    """ "too many clients": the task is retried (with backoff) rather than left for the relay's
    ten-minute sweep of publications lost in the queue."""
    from adflux.campaigns import publishing, tasks
    from adflux.campaigns.publishing import Outcome

    calls: list[int] = []

    def attempt(**kwargs: object) -> Outcome:
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("too many clients already"))
        return Outcome("published")

    monkeypatch.setattr(publishing, "attempt_publication", attempt)

    result = tasks.publish_publication.apply(args=(1,))

    assert result.successful(), result.traceback
    assert (result.get(), len(calls)) == ("published", 2)


@pytest.mark.parametrize(("waiting", "resent"), [(0, True), (5, False)])
def test_a_queued_publication_is_resent_after_a_minute_when_the_broker_holds_nothing(
    sqlite_app, monkeypatch, waiting, resent
):
    """A worker killed with messages in its prefetch: Redis gives them back only after its
    visibility timeout. With nothing waiting in the broker, a publication queued more than a
    claim's stale period ago and never started is sent again; with a queue, it waits its turn."""
    from adflux.campaigns import service as campaigns_service

    settings = sqlite_app.config["ADFLUX_SETTINGS"]
    monkeypatch.setitem(
        sqlite_app.config,
        "ADFLUX_SETTINGS",
        settings.model_copy(update={"celery_broker_url": "redis://127.0.0.1:1/0"}),
    )
    monkeypatch.setattr(campaigns_service, "queue_depth", lambda _celery: waiting)
    job = make_job(city="Cali")
    db.session.commit()
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    (publication,) = campaign.publications
    sqlite_app.extensions["adflux_dispatcher"].take()  # its task went to the broker
    db.session.execute(
        sa.update(PlatformPublication)
        .where(PlatformPublication.id == publication.id)
        .values(
            next_attempt_at=None,
            updated_at=utcnow() - timedelta(seconds=settings.claim_stale_after_s + 1),
        )
    )
    db.session.commit()

    relayed = service.relay_due_publications(db_session=db.session, grace_s=-1)

    assert relayed == (1 if resent else 0)
