"""The results sync on PostgreSQL and SQLite: upserts, restatements, failures, selection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from tests.integration.results.conftest import add_metric, make_campaign, publication

from adflux.audit.models import AuditLog
from adflux.campaigns.adapters import adapter_for
from adflux.campaigns.models import PlatformPublication
from adflux.extensions import db
from adflux.platforms.base import RateLimited, ReportRow, TransientError
from adflux.results import sync
from adflux.results.models import CampaignMetric, ReportSync

pytestmark = pytest.mark.postgres


def _metrics() -> dict[tuple[int, str], tuple[int, int, int]]:
    rows = db.session.execute(
        sa.select(
            CampaignMetric.publication_id,
            CampaignMetric.day,
            CampaignMetric.impressions,
            CampaignMetric.clicks,
            CampaignMetric.spend_cop,
        )
    ).all()
    return {(r[0], r[1].isoformat()): (r[2], r[3], r[4]) for r in rows}


def _sync(**kwargs):
    kwargs.setdefault("adapter_for", adapter_for)
    return sync.sync_results(db_session=db.session, **kwargs)


def _key(pub) -> str:
    return f"adflux-pub-{pub.id}"


def test_rows_upserted_restated_days_overwrite_and_a_rerun_changes_nothing(any_app, platforms):
    today = sync.report_today()
    campaign = make_campaign(platforms=("meta", "x"), start=today - timedelta(days=3))
    meta, x = publication(campaign, "meta"), publication(campaign, "x")
    platforms.platforms["meta"].report_rows = [
        ReportRow(_key(meta), today - timedelta(days=2), 1000, 30, 12_000),
        ReportRow(_key(meta), today - timedelta(days=1), 900, 20, 11_000),
    ]
    platforms.platforms["x"].report_rows = [ReportRow(_key(x), today, 50, 2, 700)]

    asked: list[dict] = []

    def recording(name: str):
        adapter = adapter_for(name)
        answer = adapter.daily_report
        adapter.daily_report = lambda trees, since, until: (  # type: ignore[method-assign]
            asked.append(dict(trees)) or answer(trees, since, until)
        )
        return adapter

    first = _sync(adapter_for=recording)

    assert {p.platform: (p.ok, p.calls, p.rows) for p in first.platforms} == {
        "meta": (True, 1, 2),
        "x": (True, 1, 1),
    }
    # The first sync asks from the campaign's start, whatever the restated window.
    (call,) = platforms.platforms["meta"].report_calls
    assert call[0] == {_key(meta)}
    # Each tree is asked for by its key, with every platform id the publication recorded.
    assert {_key(meta): meta.external_ids} in asked
    assert (call[1], call[2]) == (campaign.start_date, today)
    d1, d2 = (today - timedelta(days=2)).isoformat(), (today - timedelta(days=1)).isoformat()
    assert _metrics() == {
        (meta.id, d1): (1000, 30, 12_000),
        (meta.id, d2): (900, 20, 11_000),
        (x.id, today.isoformat()): (50, 2, 700),
    }

    # Meta restates yesterday (an invalid-click refund) and drops the day before (no delivery
    # after all): the latest statement wins, and a dropped day is zero.
    platforms.platforms["meta"].report_rows = [
        ReportRow(_key(meta), today - timedelta(days=1), 900, 18, 10_400)
    ]
    _sync()
    after = _metrics()
    assert after[(meta.id, d2)] == (900, 18, 10_400)
    assert after[(meta.id, d1)] == (0, 0, 0)
    assert len(after) == 3

    again = _sync()
    assert _metrics() == after
    assert sum(p.rows for p in again.platforms) == 2
    audit = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "results.sync").order_by(AuditLog.id)
    ).all()
    # One entry per run per platform, with its counts.
    assert [(a.entity_id, a.details["calls"], a.details["rows"]) for a in audit] == [
        ("meta", 1, 2),
        ("x", 1, 1),
        ("meta", 1, 1),
        ("x", 1, 1),
        ("meta", 1, 1),
        ("x", 1, 1),
    ]


def test_a_failing_platform_keeps_its_rows_and_the_next_sync_completes_them(any_app, platforms):
    today = sync.report_today()
    campaign = make_campaign(platforms=("meta", "google"), start=today - timedelta(days=1))
    meta, google = publication(campaign, "meta"), publication(campaign, "google")
    add_metric(meta, today - timedelta(days=1), 500, 5, 4_000)
    platforms.platforms["meta"].report_failures = [
        RateLimited("meta", "User request limit reached", retry_after_s=120)
    ]
    platforms.platforms["meta"].report_rows = [
        ReportRow(_key(meta), today - timedelta(days=1), 800, 9, 6_000),
        ReportRow(_key(meta), today, 100, 1, 900),
    ]
    platforms.platforms["google"].report_rows = [ReportRow(_key(google), today, 70, 3, 2_100)]

    outcome = _sync()

    by_platform = {p.platform: p for p in outcome.platforms}
    assert by_platform["google"].ok and by_platform["google"].rows == 1
    failed = by_platform["meta"]
    assert not failed.ok and failed.retry_in_s == 120 and "rate limited" in failed.error
    assert _metrics()[(meta.id, (today - timedelta(days=1)).isoformat())] == (500, 5, 4_000)
    state = db.session.get(ReportSync, "meta")
    assert "User request limit reached" in state.last_error
    assert state.last_success_at is None
    assert state.next_attempt_at - state.last_attempt_at == timedelta(seconds=120)

    # Not due yet: a scheduled sync leaves meta alone (and says so); google syncs again.
    waiting = {p.platform: p for p in _sync().platforms}
    assert waiting["meta"].skipped and waiting["google"].ok
    assert len(platforms.platforms["meta"].report_calls) == 1

    # Its retry (forced, as the task sends it) completes meta's figures.
    done = _sync(platforms=["meta"], force=True)
    assert [(p.platform, p.ok, p.rows) for p in done.platforms] == [("meta", True, 2)]
    assert _metrics()[(meta.id, (today - timedelta(days=1)).isoformat())] == (800, 9, 6_000)
    state = db.session.get(ReportSync, "meta")
    assert state.last_error is None and state.next_attempt_at is None
    assert state.last_success_at is not None


def test_a_transient_failure_backs_off_doubling(any_app, platforms):
    today = sync.report_today()
    make_campaign(platforms=("tiktok",), start=today)
    tiktok = platforms.platforms["tiktok"]
    tiktok.report_failures = [TransientError("tiktok", "50002 internal error")] * 3

    waits = [_sync(force=True).platforms[0].retry_in_s for _ in range(3)]

    assert waits == [sync.BACKOFF_FIRST_S, 2 * sync.BACKOFF_FIRST_S, 4 * sync.BACKOFF_FIRST_S]
    assert "TransientError: 50002 internal error" in db.session.get(ReportSync, "tiktok").last_error


def test_one_call_per_chunk_of_trees_and_the_window_after_a_success(any_app, platforms):
    today = sync.report_today()
    start = today - timedelta(days=30)
    campaigns = [make_campaign(platforms=("x",), start=start) for _ in range(5)]

    first = _sync(chunk_size=2)
    assert first.platforms[0].calls == 3
    calls = platforms.platforms["x"].report_calls
    assert [len(trees) for trees, _, _ in calls] == [2, 2, 1]
    assert {(since, until) for _, since, until in calls} == {(start, today)}

    # Once a sync succeeded, the next asks only for the restated days.
    calls.clear()
    _sync(restate_days=7)
    ((trees, since, until),) = calls
    assert len(trees) == 5 and (since, until) == (today - timedelta(days=6), today)

    # A publication published since the last success is asked for from its campaign's start.
    calls.clear()
    newer = make_campaign(platforms=("x",), start=start, published_at=datetime.now(UTC))
    db.session.commit()
    _sync(restate_days=7)
    ((trees, since, _),) = calls
    assert f"adflux-pub-{publication(newer, 'x').id}" in trees and since == start
    assert len(campaigns) == 5


def test_only_live_and_recently_ended_publications_with_ids_are_synced(any_app, platforms):
    today = sync.report_today()
    live = make_campaign(platforms=("meta",), start=today - timedelta(days=20))
    ended_lately = make_campaign(
        platforms=("meta",), start=today - timedelta(days=20), end=today - timedelta(days=7)
    )
    make_campaign(
        platforms=("meta",), start=today - timedelta(days=20), end=today - timedelta(days=8)
    )
    make_campaign(platforms=("meta",), start=today + timedelta(days=1))  # not started
    make_campaign(platforms=("meta",), start=today, status="failed")
    no_ids = make_campaign(platforms=("meta",), start=today)
    publication(no_ids, "meta").external_ids = {}
    paused_now = make_campaign(platforms=("meta",), start=today, status="paused")
    paused_long_ago = make_campaign(platforms=("meta",), start=today, status="paused")
    # Arms taken off their campaign (or archived): their last days are still reported.
    arm_ended_now = make_campaign(platforms=("meta",), start=today, status="ended")
    arm_ended_long_ago = make_campaign(platforms=("meta",), start=today, status="ended")
    db.session.flush()
    db.session.execute(
        sa.update(PlatformPublication)
        .where(PlatformPublication.campaign_id == paused_long_ago.id)
        .values(updated_at=datetime.now(UTC) - timedelta(days=8))
    )
    for campaign, days in ((arm_ended_now, 0), (arm_ended_long_ago, 8)):
        db.session.execute(
            sa.update(PlatformPublication)
            .where(PlatformPublication.campaign_id == campaign.id)
            .values(ended_at=datetime.now(UTC) - timedelta(days=days))
        )

    _sync()

    ((trees, _, _),) = platforms.platforms["meta"].report_calls
    expected = {
        f"adflux-pub-{publication(c, 'meta').id}"
        for c in (live, ended_lately, paused_now, arm_ended_now)
    }
    assert set(trees) == expected
