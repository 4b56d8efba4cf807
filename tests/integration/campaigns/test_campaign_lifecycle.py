"""Creating and publishing campaigns against fake platforms, on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.factories import job_payload
from tests.fakes import FakeAdapter

from adflux import clock
from adflux.audiences.models import AudienceSync
from adflux.audit.models import AuditLog
from adflux.campaigns import publishing, service
from adflux.campaigns.models import AdCampaign, PlatformCredential, PlatformPublication
from adflux.db import utcnow
from adflux.errors import NotFound, ValidationFailed
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.platforms.base import AuthExpired, InvalidRequest, RateLimited, TransientError

pytestmark = pytest.mark.postgres


def _run_sent(dispatcher) -> list[str]:
    """Run every queued publishing task in this thread, as a worker would."""
    outcomes = []
    for name, args, _countdown in dispatcher.take():
        assert name == "adflux.publish_publication"
        outcomes.append(
            publishing.attempt_publication(db_session=db.session, publication_id=args[0]).state
        )
    return outcomes


def test_create_stores_everything_then_queues_one_task_per_platform(
    platforms, dispatcher, job, active_segment
):
    campaign, created = service.create_campaign(
        db_session=db.session,
        job_id=job.id,
        platforms=["meta", "google", "x"],
        segment_ids=[active_segment.id],
    )
    assert created
    assert campaign.status == "queued"
    pubs = db.session.query(PlatformPublication).filter_by(campaign_id=campaign.id).all()
    assert sorted(p.platform for p in pubs) == ["google", "meta", "x"]
    assert all(p.status == "pending" for p in pubs)
    assert db.session.query(AuditLog).filter_by(action="campaign.create").count() == 1
    assert sorted(args[0] for _, args, _ in dispatcher.sent) == sorted(p.id for p in pubs)


def test_publishing_creates_one_tree_per_platform_and_marks_published(
    platforms, dispatcher, job, active_segment
):
    campaign, _ = service.create_campaign(
        db_session=db.session,
        job_id=job.id,
        platforms=["meta", "google"],
        segment_ids=[active_segment.id],
    )
    assert _run_sent(dispatcher) == ["published", "published"]
    db.session.refresh(campaign)
    assert campaign.status == "published"
    for name in ("meta", "google"):
        fake = platforms.platforms[name]
        assert [len(fake.created_of_kind(k)) for k in ("campaign", "ad_set", "ad")] == [1, 1, 1]
        spec = fake.specs[0]
        assert spec.targeting.age_min == 18 and spec.targeting.genders == ()
        assert len(spec.targeting.custom_audience_ids) == 1
    # Only the two consenting members reach each platform's audience, hashed.
    for name in ("meta", "google"):
        (audience,) = platforms.platforms[name].audiences.values()
        assert len(audience.members) == 2
        assert all(len(m.email_sha256) == 64 for m in audience.members)
    assert db.session.query(AudienceSync).count() == 2


def test_a_second_delivery_of_the_same_task_creates_nothing(platforms, dispatcher, job):
    service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    ((_, (publication_id,), _),) = dispatcher.take()
    first = publishing.attempt_publication(db_session=db.session, publication_id=publication_id)
    again = publishing.attempt_publication(db_session=db.session, publication_id=publication_id)
    assert (first.state, again.state) == ("published", "skipped")
    assert len(platforms.platforms["meta"].objects) == 3


def test_unknown_outcome_is_reconciled_without_duplicates(platforms, dispatcher, job):
    platforms.platforms["meta"].lose_answer_after = "ad_set"  # created, but the answer is lost
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    assert _run_sent(dispatcher) == ["retry"]
    assert _run_sent(dispatcher) == ["published"]
    fake = platforms.platforms["meta"]
    assert [len(fake.created_of_kind(k)) for k in ("campaign", "ad_set", "ad")] == [1, 1, 1]
    publication = db.session.query(PlatformPublication).filter_by(campaign_id=campaign.id).one()
    assert set(publication.external_ids) == {"campaign", "ad_set", "ad"}
    assert publication.attempts == 2


def test_rate_limit_waits_as_long_as_the_platform_says(platforms, dispatcher, job):
    platforms.platforms["google"].failures.append(
        ("campaign", RateLimited("google", "quota", retry_after_s=42.0))
    )
    service.create_campaign(db_session=db.session, job_id=job.id, platforms=["google"])
    assert _run_sent(dispatcher) == ["retry"]
    ((_, _, countdown),) = dispatcher.sent
    assert countdown == 42.0
    publication = db.session.query(PlatformPublication).one()
    assert publication.status == "pending"
    assert "quota" in publication.last_error


def test_transient_errors_back_off_then_give_up(app, platforms, dispatcher, job):
    app.config["ADFLUX_SETTINGS"].__dict__["publish_max_attempts"] = 3
    try:
        for _ in range(3):
            platforms.platforms["x"].failures.append(("campaign", TransientError("x", "503")))
        campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["x"])
        countdowns = []
        states = []
        for _ in range(3):
            pending = list(dispatcher.sent)
            states += _run_sent(dispatcher)
            countdowns += [c for _, _, c in dispatcher.sent]
            assert pending
        assert states == ["retry", "retry", "failed"]
        assert 1.0 <= countdowns[0] <= 2.0 and 2.0 <= countdowns[1] <= 4.0
        db.session.refresh(campaign)
        assert campaign.status == "failed"
        publication = campaign.publications[0]
        assert "gave up after 3 attempts" in publication.last_error
    finally:
        app.config["ADFLUX_SETTINGS"].__dict__["publish_max_attempts"] = 6


def test_permanent_error_fails_one_platform_only(platforms, dispatcher, job):
    platforms.platforms["meta"].failures.append(
        ("ad", InvalidRequest("meta", "Texto demasiado largo", field="object_story_spec"))
    )
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta", "google"]
    )
    assert sorted(_run_sent(dispatcher)) == ["failed", "published"]
    db.session.refresh(campaign)
    assert campaign.status == "partially_published"
    meta = next(p for p in campaign.publications if p.platform == "meta")
    assert meta.last_error == "Texto demasiado largo"
    assert meta.last_error_field == "object_story_spec"
    # The objects created before the refusal are recorded, so a retry will not recreate them.
    assert set(meta.external_ids) == {"campaign", "ad_set"}


def test_retry_after_failure_reuses_created_objects(platforms, dispatcher, job):
    platforms.platforms["meta"].failures.append(("ad", InvalidRequest("meta", "imagen inválida")))
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    assert _run_sent(dispatcher) == ["failed"]
    service.retry_failed(db_session=db.session, campaign_id=campaign.id)
    assert _run_sent(dispatcher) == ["published"]
    fake = platforms.platforms["meta"]
    assert [len(fake.created_of_kind(k)) for k in ("campaign", "ad_set", "ad")] == [1, 1, 1]


def test_auth_expired_marks_the_credential_and_says_reconnect(platforms, dispatcher, job):
    platforms.platforms["x"].failures.append(("campaign", AuthExpired("x", "token revoked")))
    service.create_campaign(db_session=db.session, job_id=job.id, platforms=["x"])
    assert _run_sent(dispatcher) == ["failed"]
    credential = db.session.get(PlatformCredential, "x")
    assert credential is not None and not credential.healthy
    publication = db.session.query(PlatformPublication).one()
    assert "reconnect" in publication.last_error


def test_pause_and_resume_go_through_the_adapters(platforms, dispatcher, job):
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    _run_sent(dispatcher)
    objects = platforms.platforms["meta"].objects.values()
    assert all(o["active"] for o in objects)  # published live
    service.set_campaign_active(db_session=db.session, campaign_id=campaign.id, active=False)
    db.session.refresh(campaign)
    assert campaign.status == "paused"
    assert not any(o["active"] for o in objects)
    service.set_campaign_active(db_session=db.session, campaign_id=campaign.id, active=True)
    db.session.refresh(campaign)
    assert campaign.status == "published"
    assert all(o["active"] for o in objects)


def test_broker_down_keeps_the_campaign_and_the_relay_sends_it_later(platforms, dispatcher, job):
    dispatcher.broker_down = True
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    assert db.session.get(AdCampaign, campaign.id).status == "queued"
    dispatcher.broker_down = False
    assert service.relay_due_publications(db_session=db.session, grace_s=-1) == 1
    assert _run_sent(dispatcher) == ["published"]


def test_the_relay_leaves_a_queued_publication_to_its_task_until_it_looks_lost(
    app, platforms, dispatcher, job
):
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    assert len(dispatcher.take()) == 1  # its task is in the broker, behind a long queue
    (publication,) = db.session.get(AdCampaign, campaign.id).publications
    assert publication.next_attempt_at is None
    assert service.relay_due_publications(db_session=db.session, grace_s=-1) == 0
    assert dispatcher.sent == []
    # No start for longer than a task may take to come out of the queue: its message was lost.
    stale_after = app.config["ADFLUX_SETTINGS"].publish_stale_after_s
    db.session.execute(
        sa.update(PlatformPublication)
        .where(PlatformPublication.id == publication.id)
        .values(updated_at=utcnow() - timedelta(seconds=stale_after + 1))
    )
    db.session.commit()
    assert service.relay_due_publications(db_session=db.session, grace_s=-1) == 1
    assert _run_sent(dispatcher) == ["published"]


def test_a_publication_the_broker_refused_is_due_and_queued_once_relayed(
    platforms, dispatcher, job
):
    dispatcher.broker_down = True
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    (publication,) = db.session.get(AdCampaign, campaign.id).publications
    assert publication.next_attempt_at is not None  # nobody holds its task: due now
    assert service.relay_due_publications(db_session=db.session, grace_s=-1) == 0  # still down
    dispatcher.broker_down = False
    assert service.relay_due_publications(db_session=db.session, grace_s=-1) == 1
    db.session.refresh(publication)
    assert publication.next_attempt_at is None  # in the broker now
    assert service.relay_due_publications(db_session=db.session, grace_s=-1) == 0
    assert _run_sent(dispatcher) == ["published"]


def test_idempotency_key_returns_the_first_campaign(platforms, dispatcher, job):
    first, created = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta"], idempotency_key="k-1"
    )
    again, created_again = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta"], idempotency_key="k-1"
    )
    assert created and not created_again
    assert again.id == first.id
    # The same key with another request (another platform) is refused, not answered with the first.
    with pytest.raises(ValidationFailed) as refused:
        service.create_campaign(
            db_session=db.session, job_id=job.id, platforms=["google"], idempotency_key="k-1"
        )
    assert "Idempotency-Key" in refused.value.fields
    assert db.session.query(AdCampaign).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"platforms": ["myspace"]}, "platforms"),
        ({"platforms": []}, "platforms"),
        ({"platforms": ["meta"], "daily_budget_cop": 100}, "daily_budget_cop"),
        ({"platforms": ["meta"], "segment_ids": [999_999]}, "segment_ids"),
        (
            {
                "platforms": ["meta"],
                "start_date": date.today(),
                "end_date": date.today() - timedelta(days=3),
            },
            "end_date",
        ),
    ],
)
def test_invalid_campaigns_name_the_field_and_store_nothing(
    platforms, dispatcher, job, kwargs, field
):
    with pytest.raises(ValidationFailed) as error:
        service.create_campaign(db_session=db.session, job_id=job.id, **kwargs)
    assert field in error.value.fields
    assert db.session.query(AdCampaign).count() == 0
    assert dispatcher.sent == []


def test_unknown_platform_message_lists_the_valid_ones(platforms, dispatcher, job):
    with pytest.raises(ValidationFailed) as error:
        service.create_campaign(db_session=db.session, job_id=job.id, platforms=["tiktokk"])
    assert "meta, google, x" in error.value.fields["platforms"][0]


def test_unknown_job_is_not_found(platforms, dispatcher):
    with pytest.raises(NotFound):
        service.create_campaign(db_session=db.session, job_id=999_999, platforms=["meta"])


def test_pacing_defers_without_spending_an_attempt(app, platforms, dispatcher, job):
    from adflux.campaigns.throttle import LocalThrottle

    previous = app.extensions["adflux_throttle"]
    app.extensions["adflux_throttle"] = LocalThrottle({"meta": 1})
    try:
        first, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
        second, _ = service.create_campaign(
            db_session=db.session, job_id=job.id, platforms=["meta"]
        )
        assert sorted(_run_sent(dispatcher)) == ["paced", "published"]
        ((_, _, countdown),) = dispatcher.sent
        assert 0 < countdown <= 60.1
        paced = next(
            p
            for c in (first, second)
            for p in db.session.get(AdCampaign, c.id).publications
            if p.status == "pending"
        )
        assert paced.attempts == 0
        assert paced.next_attempt_at is not None
        assert len(platforms.platforms["meta"].created_of_kind("campaign")) == 1
    finally:
        app.extensions["adflux_throttle"] = previous


def test_a_paced_publication_goes_in_its_booked_slot_without_booking_again(
    app, platforms, dispatcher, job, monkeypatch
):
    from adflux.campaigns.throttle import LocalThrottle

    previous = app.extensions["adflux_throttle"]
    app.extensions["adflux_throttle"] = LocalThrottle({"meta": 1})  # one slot a minute
    try:
        for _ in range(2):
            service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
        assert sorted(_run_sent(dispatcher)) == ["paced", "published"]
        ((_, (publication_id, reconcile, in_a_row, slot_at), countdown),) = dispatcher.take()
        assert slot_at == pytest.approx(utcnow().timestamp() + countdown, abs=2)
        later = utcnow() + timedelta(seconds=countdown + 1)
        monkeypatch.setattr(publishing, "utcnow", lambda: later)
        outcome = publishing.attempt_publication(
            db_session=db.session,
            publication_id=publication_id,
            reconcile=reconcile,
            failed_in_a_row=in_a_row,
            slot_at=slot_at,
        )
        # Asking the pace again would have meant another minute: the booked slot was used.
        assert outcome.state == "published"
        assert len(platforms.platforms["meta"].created_of_kind("campaign")) == 2
    finally:
        app.extensions["adflux_throttle"] = previous


def test_a_slot_less_than_a_second_away_is_waited_for_in_the_worker(
    app, platforms, dispatcher, job
):
    from adflux.campaigns.throttle import LocalThrottle

    previous = app.extensions["adflux_throttle"]
    pace = LocalThrottle({"meta": 120})  # burst 6, then one slot every ~0.53 s
    app.extensions["adflux_throttle"] = pace
    try:
        for _ in range(6):
            assert pace.reserve("meta") == 0.0  # somebody else took the burst
        service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
        started = time.monotonic()
        assert _run_sent(dispatcher) == ["published"]
        assert time.monotonic() - started >= 0.45
        assert dispatcher.sent == []  # nothing went back to the queue
    finally:
        app.extensions["adflux_throttle"] = previous


def test_each_id_is_stored_before_the_next_create_and_the_session_is_left_as_found(
    platforms, dispatcher, job, monkeypatch
):
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    ((_, (publication_id,), _),) = dispatcher.take()
    stored_at_each_create: list[list[str]] = []
    publish = FakeAdapter.publish

    def publish_watching_the_row(adapter, spec, *, known_ids, on_created):
        def recorded(kind: str, object_id: str) -> None:
            on_created(kind, object_id)
            stored = db.session.scalar(
                sa.select(PlatformPublication.external_ids).where(
                    PlatformPublication.id == publication_id
                )
            )
            stored_at_each_create.append(sorted(stored))

        return publish(adapter, spec, known_ids=known_ids, on_created=recorded)

    monkeypatch.setattr(FakeAdapter, "publish", publish_watching_the_row)
    session = db.session()
    expire_on_commit = session.expire_on_commit

    outcome = publishing.attempt_publication(db_session=db.session, publication_id=publication_id)

    assert outcome.state == "published"
    assert stored_at_each_create == [
        ["campaign"],
        ["ad_set", "campaign"],
        ["ad", "ad_set", "campaign"],
    ]
    assert session.expire_on_commit == expire_on_commit
    publication = db.session.get(PlatformPublication, publication_id)
    db.session.refresh(publication)
    assert set(publication.external_ids) == {"campaign", "ad_set", "ad"}
    assert db.session.get(AdCampaign, campaign.id).status == "published"


def test_the_campaign_status_is_derived_over_the_locked_row_not_a_stale_copy(
    platforms, dispatcher, job
):
    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])
    assert campaign.status == "queued"  # loaded in the session
    # Another process writes the row; this session's copy still says "queued".
    db.session.execute(
        sa.update(AdCampaign)
        .where(AdCampaign.id == campaign.id)
        .values(status="failed")
        .execution_options(synchronize_session=False)
    )

    assert service.refresh_campaign_status(db_session=db.session, campaign_id=campaign.id) == (
        "queued"
    )
    stored = db.session.scalar(sa.select(AdCampaign.status).where(AdCampaign.id == campaign.id))
    assert stored == "queued"


def test_two_workers_finishing_one_campaign_at_once_leave_the_status_derived_from_both(
    migrated_app,
):
    """The second refresh waits for the first's row lock, then reads its committed outcome."""
    with migrated_app.app_context():
        make_session = orm.sessionmaker(bind=db.engine, expire_on_commit=False)
        setup = make_session()
        job = JobOpening(**job_payload())
        setup.add(job)
        setup.flush()
        campaign = AdCampaign(
            job_id=job.id,
            name="race",
            status="publishing",
            daily_budget_cop=50_000,
            start_date=date.today(),
        )
        setup.add(campaign)
        setup.flush()
        first, second = (
            PlatformPublication(
                campaign_id=campaign.id, platform=p, status="publishing", daily_budget_cop=50_000
            )
            for p in ("meta", "x")
        )
        setup.add_all([first, second])
        setup.commit()
        worker_a, worker_b = make_session(), make_session()
        try:
            # Worker A has published its publication and holds the campaign row.
            worker_a.execute(
                sa.update(PlatformPublication)
                .where(PlatformPublication.id == first.id)
                .values(status="published")
            )
            worker_a.execute(
                sa.select(AdCampaign.id).where(AdCampaign.id == campaign.id).with_for_update()
            )
            # Worker B publishes the other one and refreshes: it must wait for A's lock.
            worker_b.execute(
                sa.update(PlatformPublication)
                .where(PlatformPublication.id == second.id)
                .values(status="published")
            )
            refreshed_b: list[str] = []
            waiting_b = threading.Thread(
                target=lambda: refreshed_b.append(
                    service.refresh_campaign_status(db_session=worker_b, campaign_id=campaign.id)
                )
            )
            waiting_b.start()
            deadline = time.monotonic() + 10
            while not setup.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ):
                assert time.monotonic() < deadline, "worker B never waited for the row lock"
                time.sleep(0.02)
            # A does not see B's uncommitted outcome: for A, the campaign is still publishing.
            assert (
                service.refresh_campaign_status(db_session=worker_a, campaign_id=campaign.id)
                == "publishing"
            )
            waiting_b.join(10)
            assert refreshed_b == ["published"]
            stored = setup.scalar(sa.select(AdCampaign.status).where(AdCampaign.id == campaign.id))
            assert stored == "published"
        finally:
            worker_a.close()
            worker_b.close()
            setup.rollback()
            setup.execute(sa.delete(AdCampaign).where(AdCampaign.id == campaign.id))
            setup.execute(sa.delete(JobOpening).where(JobOpening.id == job.id))
            setup.commit()
            setup.close()


def test_a_campaign_without_start_date_starts_on_todays_date_in_bogota(
    platforms, dispatcher, job, monkeypatch
):
    # 02:00 UTC on 2 June is still 1 June (21:00) in Bogotá, where the ads run.
    monkeypatch.setattr(clock, "now", lambda: datetime(2030, 6, 2, 2, 0, tzinfo=UTC))

    campaign, _ = service.create_campaign(db_session=db.session, job_id=job.id, platforms=["meta"])

    assert campaign.start_date == date(2030, 6, 1)
