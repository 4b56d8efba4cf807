"""Campaigns a recruiter changes: arms at creation, edits pushed to every platform (fakes), the
change task's idempotence and failures, archiving; on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from tests.factories import make_segmented_run
from tests.integration.campaigns.conftest import run_sent_tasks

from adflux.audit.models import AuditLog
from adflux.campaigns import editing, pushing, service
from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.changes import CHANGE_TASK
from adflux.campaigns.models import PlatformPublication
from adflux.db import utcnow
from adflux.errors import Conflict, ValidationFailed
from adflux.extensions import db
from adflux.platforms.base import InvalidRequest, TransientError

pytestmark = pytest.mark.postgres


@pytest.fixture
def segments(app):
    return make_segmented_run(
        {
            "Contadores · Cali": [{"city": "Cali", "area": "Contabilidad"}] * 2,
            "Auxiliares · Cali": [{"city": "Cali", "area": "Contabilidad"}] * 2,
            "Analistas · Cali": [{"city": "Cali", "area": "Contabilidad"}] * 2,
        }
    )


def arms_of(campaign_id: int) -> dict[tuple[str, str], PlatformPublication]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(PlatformPublication).where(PlatformPublication.campaign_id == campaign_id)
    )
    return {(p.platform, p.arm_key): p for p in rows}


def held_budget(platforms, arm: PlatformPublication) -> int:
    """The daily budget the fake platform holds for the arm's tree (its last update, or as
    published)."""
    fake = platforms.platforms[arm.platform]
    root = fake.objects[arm.external_ids["campaign"]]
    if "daily_budget_cop" in root:
        return int(root["daily_budget_cop"])
    (spec,) = [s for s in fake.specs if s.publication_key == f"adflux-pub-{arm.id}"]
    return spec.daily_budget_cop


def published_campaign(platforms, dispatcher, job, segment_ids, **kwargs):
    campaign, _ = service.create_campaign(
        db_session=db.session,
        job_id=job.id,
        platforms=["meta", "google"],
        segment_ids=segment_ids,
        **kwargs,
    )
    assert {state for _, state in run_sent_tasks(dispatcher)} == {"published"}
    return campaign


def test_creation_makes_one_arm_per_platform_and_segment_with_the_budget_split(
    platforms, dispatcher, job, segments
):
    campaign, _ = service.create_campaign(
        db_session=db.session,
        job_id=job.id,
        platforms=["meta", "google"],
        segment_ids=[s.id for s in segments[:2]],
        daily_budget_cop=100_000,
        total_budget_cop=1_000_000,
        pacing="fast",
    )
    arms = arms_of(campaign.id)
    assert set(arms) == {(p, f"segment-{s.id}") for p in ("meta", "google") for s in segments[:2]}
    assert sum(a.daily_budget_cop for a in arms.values()) == 100_000
    # Evenly, 25.000 each: every share is over its platform's minimum (Google's 10.000).
    for (platform, _), arm in arms.items():
        assert arm.daily_budget_cop == 25_000 > MIN_DAILY_BUDGET_COP[platform]
    assert (campaign.total_budget_cop, campaign.pacing) == (1_000_000, "fast")
    run_sent_tasks(dispatcher)
    for arm in arms_of(campaign.id).values():
        spec = platforms.platforms[arm.platform].specs[-1 if arm.platform else 0]
        (spec,) = [
            s
            for s in platforms.platforms[arm.platform].specs
            if s.publication_key == f"adflux-pub-{arm.id}"
        ]
        # Each arm aims at its own segment alone, with its own budget and tracking code.
        assert len(spec.targeting.custom_audience_ids) == 1
        assert spec.daily_budget_cop == arm.daily_budget_cop == arm.held_daily_budget_cop
        assert f"seg-{arm.segment_id}" in spec.creative.link_url
        assert (arm.status, arm.applied_revision, arm.change_state) == ("published", 0, "applied")


def test_a_daily_budget_under_the_arms_minimums_names_the_figure_needed(
    platforms, dispatcher, job, segments
):
    with pytest.raises(ValidationFailed) as refused:
        service.create_campaign(
            db_session=db.session,
            job_id=job.id,
            platforms=["meta", "tiktok"],
            segment_ids=[s.id for s in segments[:2]],
            daily_budget_cop=100_000,
            total_budget_cop=1_000,
        )
    (english,) = refused.value.localised_fields("en")["daily_budget_cop"]
    (spanish,) = refused.value.localised_fields("es")["daily_budget_cop"]
    assert "the 4 arms need at least COP 164,000 per day" in english
    assert "los 4 brazos necesitan al menos $164.000 por día" in spanish
    assert "total_budget_cop" in refused.value.fields
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(PlatformPublication))


def test_an_edit_reaches_every_platform_and_is_audited(platforms, dispatcher, job, segments):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id, segments[1].id])
    before = {key: arm.daily_budget_cop for key, arm in arms_of(campaign.id).items()}
    daily = campaign.daily_budget_cop
    editing.edit_campaign(
        db_session=db.session,
        campaign_id=campaign.id,
        changes={
            "daily_budget_cop": 2 * daily,
            "ad_copy": {"headline": "Contador en Cali, ¡te esperamos!"},
        },
    )
    assert {state for _, state in run_sent_tasks(dispatcher)} == {"applied"}
    arms = arms_of(campaign.id)
    assert sum(a.daily_budget_cop for a in arms.values()) == 2 * daily
    for key, arm in arms.items():
        assert arm.daily_budget_cop == 2 * before[key]  # in proportion
        assert held_budget(platforms, arm) == arm.daily_budget_cop == arm.held_daily_budget_cop
        assert (arm.change_state, arm.pending_parts) == ("applied", None)
        ((_, change),) = [
            u
            for u in platforms.platforms[arm.platform].updates
            if u[0]["campaign"] == arm.external_ids["campaign"]
        ]
        assert change.creative is not None and change.targeting is None
        assert change.creative.headlines[0].startswith("Contador en Cali")
    edit = db.session.scalars(sa.select(AuditLog).filter_by(action="campaign.edit")).one()
    assert (
        edit.details["before"]["daily_budget_cop"],
        edit.details["after"]["daily_budget_cop"],
    ) == (daily, 2 * daily)
    assert edit.details["after"]["ad_copy"] == {"headline": "Contador en Cali, ¡te esperamos!"}
    pushes = db.session.scalars(sa.select(AuditLog).filter_by(action="publication.change")).all()
    assert len(pushes) == 4
    assert all(p.details["outcome"] == "applied" for p in pushes)


def test_a_worker_killed_after_the_platform_answered_pushes_the_same_change_again(
    app, platforms, dispatcher, job, segments
):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id])
    editing.edit_campaign(
        db_session=db.session, campaign_id=campaign.id, changes={"daily_budget_cop": 90_000}
    )
    sent = dispatcher.take()
    assert {name for name, _, _ in sent} == {CHANGE_TASK}
    meta = arms_of(campaign.id)[("meta", f"segment-{segments[0].id}")]
    # The worker pushes, the platform applies, and the worker dies before writing it down: its
    # claim stays, and the change stays pending.
    real_record = pushing.record_held

    def die(*_args, **_kwargs):
        raise SystemExit("worker killed")

    pushing.record_held = die
    try:
        with pytest.raises(SystemExit):
            pushing.apply_publication_change(db_session=db.session, publication_id=meta.id)
    finally:
        pushing.record_held = real_record
    db.session.rollback()
    assert arms_of(campaign.id)[("meta", f"segment-{segments[0].id}")].change_pending
    # The relay leaves a fresh claim alone; once stale, it sends the change again.
    for _name, args, _ in sent:
        if args[0] != meta.id:
            pushing.apply_publication_change(db_session=db.session, publication_id=args[0])
    assert pushing.relay_due_changes(db_session=db.session) == 0
    stale = utcnow() - timedelta(seconds=app.config["ADFLUX_SETTINGS"].publish_stale_after_s + 1)
    db.session.execute(
        sa.update(PlatformPublication)
        .where(PlatformPublication.id == meta.id)
        .values(claimed_at=stale)
    )
    db.session.commit()
    assert pushing.relay_due_changes(db_session=db.session) == 1
    assert run_sent_tasks(dispatcher) == [(CHANGE_TASK, "applied")]
    assert run_sent_tasks(dispatcher) == []
    for platform in ("meta", "google"):
        updates = platforms.platforms[platform].updates
        # meta got the one change twice (identical), google once; never a different one.
        assert len(updates) == (2 if platform == "meta" else 1)
        assert len({u[1] for u in updates}) == 1
    arms = arms_of(campaign.id)
    assert all(not a.change_pending for a in arms.values())
    assert all(held_budget(platforms, a) == a.daily_budget_cop for a in arms.values())


def test_a_refused_budget_leaves_that_arm_as_it_was_and_the_others_moved(
    platforms, dispatcher, job, segments
):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id])
    before = {k: a.daily_budget_cop for k, a in arms_of(campaign.id).items()}
    platforms.platforms["google"].update_failures.append(
        InvalidRequest("google", "El presupuesto no es válido para esta cuenta", field="budget")
    )
    editing.edit_campaign(
        db_session=db.session, campaign_id=campaign.id, changes={"daily_budget_cop": 200_000}
    )
    states = sorted(state for _, state in run_sent_tasks(dispatcher))
    assert states == ["applied", "refused"]
    arms = arms_of(campaign.id)
    google = arms[("google", f"segment-{segments[0].id}")]
    meta = arms[("meta", f"segment-{segments[0].id}")]
    assert google.daily_budget_cop == google.held_daily_budget_cop == before[google_key(google)]
    assert (google.change_state, google.change_error, google.change_error_field) == (
        "refused",
        "El presupuesto no es válido para esta cuenta",
        "budget",
    )
    assert meta.daily_budget_cop != before[google_key(meta)]
    assert held_budget(platforms, meta) == meta.daily_budget_cop
    assert meta.change_state == "applied"


def google_key(arm: PlatformPublication) -> tuple[str, str]:
    return (arm.platform, arm.arm_key)


def test_transient_failures_retry_with_backoff_through_the_relay(
    platforms, dispatcher, job, segments
):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id])
    platforms.platforms["meta"].update_failures.append(TransientError("meta", "503"))
    editing.edit_campaign(
        db_session=db.session, campaign_id=campaign.id, changes={"daily_budget_cop": 120_000}
    )
    first = dispatcher.take()
    outcomes = {}
    for _name, args, _ in first:
        outcomes[args[0]] = pushing.apply_publication_change(
            db_session=db.session, publication_id=args[0]
        )
    assert sorted(o.state for o in outcomes.values()) == ["applied", "retry"]
    ((_, (retried,), countdown),) = dispatcher.take()
    assert 0 < countdown <= 2
    meta = db.session.get(PlatformPublication, retried)
    assert meta.change_pending and "503" in meta.change_error
    assert (
        pushing.apply_publication_change(db_session=db.session, publication_id=retried).state
        == "applied"
    )
    assert not arms_of(campaign.id)[google_key(meta)].change_pending


def test_edits_to_a_paused_campaign_hold_on_resume(platforms, dispatcher, job, segments):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id])
    service.set_campaign_active(db_session=db.session, campaign_id=campaign.id, active=False)
    editing.edit_campaign(
        db_session=db.session,
        campaign_id=campaign.id,
        changes={"daily_budget_cop": 150_000, "end_date": campaign.start_date + timedelta(30)},
    )
    assert {state for _, state in run_sent_tasks(dispatcher)} == {"applied"}
    service.set_campaign_active(db_session=db.session, campaign_id=campaign.id, active=True)
    for arm in arms_of(campaign.id).values():
        fake = platforms.platforms[arm.platform]
        root = fake.objects[arm.external_ids["campaign"]]
        assert root["active"] is True
        assert root["daily_budget_cop"] == arm.daily_budget_cop
        assert root["schedule"].end_at.date() == campaign.start_date + timedelta(30)
        assert arm.status == "published"


def test_adding_and_removing_segments_publishes_and_ends_arms_keeping_history(
    platforms, dispatcher, job, segments
):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id, segments[1].id])
    editing.edit_campaign(
        db_session=db.session,
        campaign_id=campaign.id,
        changes={"segment_ids": [segments[1].id, segments[2].id]},
    )
    done = run_sent_tasks(dispatcher)
    # Two arms published, two ended; the kept arms keep their budget (the new ones take what
    # the ended ones had, their split being even).
    assert sorted(done) == sorted(
        [("adflux.publish_publication", "published")] * 2 + [(CHANGE_TASK, "applied")] * 2
    )
    arms = arms_of(campaign.id)
    gone = [a for a in arms.values() if a.segment_id == segments[0].id]
    assert {a.status for a in gone} == {"ended"}
    for arm in gone:
        root = platforms.platforms[arm.platform].objects[arm.external_ids["campaign"]]
        assert root["active"] is False and root["schedule"].end_at is not None
    live = [a for a in arms.values() if a.status != "ended"]
    assert {a.segment_id for a in live} == {segments[1].id, segments[2].id}
    assert sum(a.daily_budget_cop for a in live) == campaign.daily_budget_cop
    assert all(a.status == "published" for a in live)
    db.session.refresh(campaign)
    assert campaign.status == "published"
    assert campaign.segment_ids == [segments[1].id, segments[2].id]


def test_bad_edits_name_every_field_and_change_nothing(platforms, dispatcher, job, segments):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id])
    with pytest.raises(ValidationFailed) as refused:
        editing.edit_campaign(
            db_session=db.session,
            campaign_id=campaign.id,
            changes={
                "name": "Otro nombre",
                "daily_budget_cop": 1_000,
                "start_date": campaign.start_date + timedelta(3),
                "end_date": campaign.start_date - timedelta(3),
                "pacing": "slow",
                "segment_ids": [999_999],
            },
        )
    assert set(refused.value.fields) == {
        "daily_budget_cop",
        "start_date",
        "end_date",
        "pacing",
        "segment_ids",
    }
    db.session.rollback()
    db.session.refresh(campaign)
    assert campaign.name != "Otro nombre"
    assert dispatcher.sent == []
    assert all(not p.updates for p in platforms.platforms.values())


def test_archive_ends_every_arm_keeps_history_and_refuses_edits(
    platforms, dispatcher, job, segments
):
    campaign = published_campaign(platforms, dispatcher, job, [segments[0].id])
    editing.archive_campaign(db_session=db.session, campaign_id=campaign.id)
    assert {state for _, state in run_sent_tasks(dispatcher)} == {"applied"}
    db.session.refresh(campaign)
    assert campaign.status == "archived" and campaign.archived_at is not None
    for arm in arms_of(campaign.id).values():
        assert arm.status == "ended" and not arm.change_pending
        objects = platforms.platforms[arm.platform].objects
        assert all(not objects[i]["active"] for i in arm.external_ids.values())
    with pytest.raises(Conflict):
        editing.edit_campaign(
            db_session=db.session, campaign_id=campaign.id, changes={"name": "otra"}
        )
    page = service.list_campaigns(db_session=db.session, limit=10)
    assert campaign.id not in [c["id"] for c in page.items]
    archived = service.list_campaigns(db_session=db.session, limit=10, status="archived")
    assert [c["id"] for c in archived.items] == [campaign.id]
    assert db.session.scalars(sa.select(AuditLog).filter_by(action="campaign.archive")).one()
