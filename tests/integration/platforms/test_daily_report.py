"""`daily_report` of every adapter against the sandbox's account-level report endpoints.

The figures must be exactly what the sandbox computes for each ad and day (its per-ad function,
read in-process), and the adapter must fetch them in the fewest report calls the platform's
documented limits allow: id batches x date windows x pages, never one call per ad or per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.ctx import AppContext
from tests.integration.platforms.test_adapter_contract import CASES, make_spec

from adflux.platforms import meta, snapchat_reports, tiktok, x_ads
from adflux.platforms.base import PlatformAdapter, RateLimited, ReportRow, TransientError
from adflux.platforms.registry import get_adapter
from adflux.sandbox import meta_objects, tiktok_objects, x_stats
from adflux.sandbox.common import EXTENSION_KEY
from adflux.sandbox.delivery import local_day
from adflux.sandbox.faults import FaultPlan
from adflux.sandbox.google_ads import search as google_search
from adflux.sandbox.quotas import Limit
from adflux.sandbox.server import RunningSandbox

ADS = 3
DAY_S = 86_400

Figures = dict[tuple[str, date], tuple[int, int, int]]  # (ad id, day) -> (imp, clicks, COP)


@dataclass(frozen=True)
class Limits:
    """A report endpoint's documented limits (None: the platform sets none)."""

    ids_per_call: int | None
    days_per_call: int | None
    rows_per_page: int | None


# What each platform documents (see the sandbox modules serving them): X 20 entity ids and 7
# days per stats request; TikTok 100 ids, 30 days, 1,000 rows a page; Snapchat an ad account's
# stats broken down by ad, 31 days a request, unpaged; Meta no id or span limit,
# pages of the size asked for (the adapter asks 500); Google's SearchStream answers in one call.
DOCUMENTED = {
    "meta": Limits(None, None, 500),
    "google": Limits(None, None, None),
    "x": Limits(20, 7, None),
    "tiktok": Limits(100, 30, 1000),
    "snapchat": Limits(None, 31, None),
}
# The call that serves reports, as the sandbox logs it.
REPORT_CALL = {
    "meta": "/insights",
    "google": "GoogleAdsService/SearchStream",
    "x": "/stats/accounts/",
    "tiktok": "/report/integrated/get/",
    "snapchat": "/stats",
}
AD_KIND = {"meta": "ad", "google": "ad", "x": "promoted_tweet", "tiktok": "ad", "snapchat": "ad"}


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request):
    return request.param


@pytest.fixture
def adapter(case, settings) -> PlatformAdapter:
    return get_adapter(case.name, settings)


def _publish_delivered(case, adapter, sandbox: RunningSandbox, days: int) -> dict[str, dict]:
    """ADS complete ads, active for `days` days and a few hours, then paused (so their figures
    stop changing while the test compares them)."""
    trees = {}
    for i in range(ADS):
        spec = make_spec(case, key=f"adflux-pub-{i + 1}", active=True)
        result = adapter.publish(spec, known_ids={}, on_created=lambda kind, object_id: None)
        trees[spec.publication_key] = result.external_ids
    sandbox.state.clock.advance(days * DAY_S + 5 * 3600)
    for ids in trees.values():
        adapter.set_active(ids, False)
    return trees


def _in_sandbox(sandbox: RunningSandbox) -> AppContext:
    """A Flask context whose `get_state()` is this sandbox's, for its per-ad functions."""
    app = Flask("expected")
    app.extensions[EXTENSION_KEY] = sandbox.state
    return app.app_context()


def _expected(platform: str, sandbox: RunningSandbox, ad_ids: list[str], since, until) -> Figures:
    """Each ad's daily figures as the sandbox's own per-ad function computes them."""
    state = sandbox.state
    store, now = state.store, state.clock.now()
    found: Figures = {}
    with _in_sandbox(sandbox):
        for ad_id in ad_ids:
            if platform == "meta":
                days = meta_objects.ad_days(store, store.get("meta", ad_id), now, since, until)
            elif platform == "tiktok":
                days = tiktok_objects.ad_days(store, store.get("tiktok", ad_id), now, since, until)
            elif platform == "snapchat":  # its stats are the market's figures as they are
                days = state.market.ad_days("snapchat", ad_id, since=since, until=until, now=now)
            elif platform == "google":
                customer = state.credential("google", "customer_id")
                records = {r["id"]: r for r in store.iter_platform("google")}
                records = {k: r for k, r in records.items() if r["customer_id"] == customer}
                every = google_search.delivery_days(
                    "ad_group_ad", records[ad_id], records, now, market=state.market
                )
                days = [f for f in every or [] if since <= f.day <= until]
            else:
                length = (until - since).days + 1
                series = x_stats._series(store.get("x", ad_id), since, until, length)
                for i, impressions in enumerate(series["impressions"]):
                    if impressions:
                        found[(ad_id, since + timedelta(days=i))] = (
                            impressions,
                            series["clicks"][i],
                            series["billed_charge_local_micro"][i] // 1_000_000,
                        )
                continue
            for f in days:
                found[(ad_id, f.day)] = (f.impressions, f.clicks, f.spend)
    return found


def _report_calls(sandbox: RunningSandbox, platform: str, after: int) -> int:
    entries = sandbox.state.requests.entries(platform=platform, after=after)
    return sum(1 for e in entries if REPORT_CALL[platform] in e["path"])


def _last_seq(sandbox: RunningSandbox) -> int:
    return max((e["seq"] for e in sandbox.state.requests.entries()), default=0)


def _minimal_calls(limits: Limits, ad_ids: list[str], figures: Figures, since, until) -> int:
    """Id batches x date windows x pages: what the platform's limits force, and no more."""
    per_batch = limits.ids_per_call or len(ad_ids)
    span = (until - since).days + 1
    per_window = limits.days_per_call or span
    calls = 0
    for start in range(0, len(ad_ids), per_batch):
        batch = set(ad_ids[start : start + per_batch])
        for offset in range(0, span, per_window):
            first = since + timedelta(days=offset)
            last = min(until, first + timedelta(days=per_window - 1))
            rows = sum(1 for ad, day in figures if ad in batch and first <= day <= last)
            pages = math.ceil(rows / limits.rows_per_page) if limits.rows_per_page else 1
            calls += max(1, pages)
    return calls


def _by_ad(rows: list[ReportRow], trees) -> Figures:
    kind = None
    found: Figures = {}
    for row in rows:
        ids = trees[row.publication_key]
        kind = kind or next(k for k in ("promoted_tweet", "ad") if k in ids)
        key = (ids[kind], row.day)
        assert key not in found, f"two rows for {key}"
        found[key] = (row.impressions, row.clicks, row.spend_cop)
    return found


def _ad_ids(platform: str, trees) -> list[str]:
    return [ids[AD_KIND[platform]] for ids in trees.values()]


def test_daily_report_is_every_ads_figures_in_the_fewest_calls(case, adapter, sandbox):
    trees = _publish_delivered(case, adapter, sandbox, days=3)
    first_day = local_day(sandbox.state.clock.now()) - timedelta(days=3)
    # Ten days around the delivery: X needs two 7-day windows for them.
    since, until = first_day - timedelta(days=2), first_day + timedelta(days=7)
    ad_ids = _ad_ids(case.name, trees)
    before = _last_seq(sandbox)

    rows = adapter.daily_report(trees, since, until)

    expected = _expected(case.name, sandbox, ad_ids, since, until)
    assert _by_ad(rows, trees) == {k: v for k, v in expected.items() if v != (0, 0, 0)}
    assert {ad for ad, _ in expected} == set(ad_ids)  # every ad delivered ...
    assert len({day for _, day in expected}) >= 4  # ... on every day it was live
    assert _report_calls(sandbox, case.name, before) == _minimal_calls(
        DOCUMENTED[case.name], ad_ids, expected, since, until
    )


# Smaller limits, patched into the adapters, make batching, windows and pages visible with three
# ads: (module, {constant: value}) and the same limits for the expected count.
SMALL = {
    "meta": (meta, {"REPORT_IDS_PER_CALL": 2, "REPORT_PAGE_SIZE": 3}, Limits(2, None, 3)),
    "x": (x_ads, {"STATS_IDS_PER_CALL": 2, "STATS_DAYS_PER_CALL": 3}, Limits(2, 3, None)),
    "tiktok": (
        tiktok,
        {"REPORT_IDS_PER_CALL": 2, "REPORT_DAYS_PER_CALL": 4, "REPORT_PAGE_SIZE": 2},
        Limits(2, 4, 2),
    ),
    "snapchat": (snapchat_reports, {"REPORT_DAYS_PER_CALL": 3}, Limits(None, 3, None)),
}


# Google is not here: SearchStream answers any report in one call.
@pytest.mark.parametrize("platform", sorted(SMALL))
def test_batches_windows_and_pages_are_followed_to_the_end(
    platform, sandbox, settings, monkeypatch
):
    case = next(c for c in CASES if c.name == platform)
    adapter = get_adapter(platform, settings)
    module, constants, limits = SMALL[platform]
    for name, value in constants.items():
        monkeypatch.setattr(module, name, value)
    trees = _publish_delivered(case, adapter, sandbox, days=3)
    first_day = local_day(sandbox.state.clock.now()) - timedelta(days=3)
    since, until = first_day - timedelta(days=1), first_day + timedelta(days=6)
    ad_ids = sorted(_ad_ids(case.name, trees))
    before = _last_seq(sandbox)

    rows = adapter.daily_report(trees, since, until)

    expected = _expected(case.name, sandbox, ad_ids, since, until)
    assert _by_ad(rows, trees) == {k: v for k, v in expected.items() if v != (0, 0, 0)}
    calls = _report_calls(sandbox, case.name, before)
    assert calls == _minimal_calls(limits, ad_ids, expected, since, until)
    assert calls > 2


def test_a_throttled_report_call_is_rate_limited(case, adapter, sandbox):
    trees = _publish_delivered(case, adapter, sandbox, days=1)
    today = local_day(sandbox.state.clock.now())
    plan = {"rate_limit": 1.0, "times": 1, "retry_after_s": 120, "match": REPORT_CALL[case.name]}
    sandbox.state.faults.set(case.name, FaultPlan.from_dict(plan))

    with pytest.raises(RateLimited) as caught:
        adapter.daily_report(trees, today - timedelta(days=1), today)

    assert caught.value.retry_after_s > 0
    assert adapter.daily_report(trees, today - timedelta(days=1), today)  # then it answers


def test_a_failing_report_call_is_transient(case, adapter, sandbox):
    trees = _publish_delivered(case, adapter, sandbox, days=1)
    today = local_day(sandbox.state.clock.now())
    plan = {"server_error": 1.0, "times": 1, "match": REPORT_CALL[case.name]}
    sandbox.state.faults.set(case.name, FaultPlan.from_dict(plan))

    with pytest.raises(TransientError):
        adapter.daily_report(trees, today - timedelta(days=1), today)


QUOTA_BUCKETS = {
    "meta": "meta:ads_insights",
    "google": "google:reports",
    "x": x_stats.BUCKET,
    "tiktok": "tiktok:report",
    "snapchat": "snapchat:app",  # Snap's limits count every call, reports among them
}


def test_the_platforms_report_rate_limit_is_enforced(case, adapter, sandbox):
    trees = _publish_delivered(case, adapter, sandbox, days=1)
    today = local_day(sandbox.state.clock.now())
    # A fresh window (Snap's limits count every call, the publishing calls before this too).
    sandbox.state.quotas.clear(case.name)
    sandbox.state.quotas.override(QUOTA_BUCKETS[case.name], Limit(calls=1, window_s=600))

    assert adapter.daily_report(trees, today - timedelta(days=1), today)
    with pytest.raises(RateLimited) as caught:
        adapter.daily_report(trees, today - timedelta(days=1), today)
    assert caught.value.retry_after_s > 0

    sandbox.state.clock.advance(601)  # the window passes: the platform answers again
    assert adapter.daily_report(trees, today - timedelta(days=1), today)


def test_x_reports_21_posts_over_8_days_in_2_batches_of_2_windows(sandbox, settings):
    # At X's own limits, unpatched: 20 entity ids and 7 days a request.
    case = next(c for c in CASES if c.name == "x")
    adapter = get_adapter("x", settings)
    trees = {}
    for i in range(21):
        spec = make_spec(case, key=f"adflux-pub-{i + 1}", active=True)
        trees[spec.publication_key] = adapter.publish(
            spec, known_ids={}, on_created=lambda kind, object_id: None
        ).external_ids
    sandbox.state.clock.advance(DAY_S)
    for ids in trees.values():
        adapter.set_active(ids, False)
    until = local_day(sandbox.state.clock.now())
    since = until - timedelta(days=7)
    before = _last_seq(sandbox)

    rows = adapter.daily_report(trees, since, until)

    ad_ids = _ad_ids("x", trees)
    expected = _expected("x", sandbox, ad_ids, since, until)
    assert _by_ad(rows, trees) == expected
    assert {ad for ad, _ in expected} == set(ad_ids)
    assert _report_calls(sandbox, "x", before) == 4
