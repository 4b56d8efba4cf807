"""Results sync: 10,000 live publications on five platforms, against one call per object per day.

Everything in one process, against the sandbox started in-process (as the tests do) and a private
PostgreSQL database. In one run:

1. one real tree per platform is published through the real adapter, then cloned in the
   sandbox's store (new ids, the publication's key in every name) for the other publications of
   that platform, and the publications are inserted into AdFlux's database with their ids:
   publishing 10,000 ads through the API would take most of an hour and measure publishing;
2. the sandbox's clock (and AdFlux's) moves `--days` days ahead, so every ad has delivered;
3. the sync (results/sync.py, the real adapters' `daily_report`): a first sync from the
   campaigns' start, then a periodic one over the last `--days` restated days; report calls
   as the sandbox logged them, wall time, rows written;
4. the baseline, one call per object per day (`daily_report` of one tree for one day): its
   calls counted (every tree, every day), its wall time extrapolated from the mean latency of
   the calls made on a sample of `--sample` publications (a quarter per platform, at most a
   minute per platform), with the report rate limits lifted so that it can run at all.

Then, for each design, how long each platform's documented report rate limit alone would make
it take (X: 250 stats calls per 15 minutes; TikTok 600 per minute; Meta 600 + 400 per active ad
an hour; Google 15,000 a day; Snapchat 10 requests a second per access token, 600 a minute).

    .venv/bin/python bench/results_sync.py
    .venv/bin/python bench/results_sync.py --publications 2000 --sample 100
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

import sqlalchemy as sa
from bench.market_stack import in_process_stack
from flask import current_app
from tests.e2e.campaigns.stack import platform_objects
from tests.factories import job_payload

from adflux import clock
from adflux.campaigns.adapters import EXTENSION_KEY, RegistryDirectory
from adflux.campaigns.arm_spec import build_ad_spec
from adflux.campaigns.creatives import JobAd
from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.config import Settings
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.results import sync
from adflux.results.models import CampaignMetric
from adflux.sandbox.quotas import Limit
from adflux.sandbox.server import RunningSandbox
from adflux.targeting.aim import campaign_targeting

PLATFORMS = ("meta", "google", "x", "tiktok", "snapchat")
DAY_S = 86_400
# The call that serves reports, as the sandbox logs it (tests/integration/platforms).
REPORT_CALL = {
    "meta": "/insights",
    "google": "GoogleAdsService/SearchStream",
    "x": "/stats/accounts/",
    "tiktok": "/report/integrated/get/",
    "snapchat": "/stats",
}
# The sandbox's report rate-limit buckets and their documented limits (sandbox/*reports*,
# x_stats, google_ads/search): what each design's calls cost in time there.
BUCKETS = {
    "meta": ("meta:ads_insights", None),  # 600 + 400 per active ad an hour: computed below
    "google": ("google:reports", Limit(15_000, 24 * 3600)),
    "x": ("x:stats", Limit(250, 15 * 60)),
    "tiktok": ("tiktok:report", Limit(600, 60)),
    # Snap counts every call of an access token (10 a second on average), reports among them.
    "snapchat": ("snapchat:app", Limit(600, 60)),
}
# The baseline's calls are counted exactly (trees x days); their wall time is the mean latency
# of the calls made on the sample, stopping a platform's sample after this long.
BASELINE_BUDGET_S = 60.0
# Clones of a tree get ids this far apart: a published tree spans fewer ids than this.
STRIDE = 1_000
_TOKEN = re.compile(r"[A-Za-z0-9]+")
# Snap's ids are UUIDs: a clone's ids differ in their last group (12 hex digits).
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-([0-9a-f]{12})$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publications", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()
    per_platform = args.publications // len(PLATFORMS)
    total = per_platform * len(PLATFORMS)
    print(f"load average: {os.getloadavg()}; {total:,} publications, {args.days} days")

    with in_process_stack("results", grpc=True) as sandbox:
        directory = current_app.extensions[EXTENSION_KEY]
        _run(sandbox, directory, per_platform, args.days, args.sample)


def _run(
    sandbox: RunningSandbox, directory: RegistryDirectory, per_platform: int, days: int, sample: int
) -> None:
    started = time.perf_counter()
    trees = _publications(sandbox, directory, per_platform)
    print(
        f"set up {sum(map(len, trees.values())):,} trees in {time.perf_counter() - started:.1f} s"
    )

    # Every ad delivers for `days` whole days and some hours of today.
    _advance(sandbox, days * DAY_S + 3 * 3600)
    today = sync.report_today()

    first = _sync(sandbox, directory, restate_days=days)
    # The next scheduled sync comes an interval later (and a report rate limit's window with it).
    _advance(sandbox, sync_interval_s())
    periodic = _sync(sandbox, directory, restate_days=days, force=True)
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(CampaignMetric))
    print(f"rows stored: {stored:,} (publication x day)")

    baseline = _baseline(sandbox, directory, trees, sample, today, days)

    print()
    print("| design | report calls | wall time | calls per platform |")
    print("|---|---:|---:|---|")
    for name, (calls, wall) in {
        "sync, first (from the campaigns' start)": first,
        f"sync, periodic (last {days} days)": periodic,
        f"one call per object per day, last {days} days (extrapolated)": baseline,
    }.items():
        per = ", ".join(f"{p} {calls[p]:,}" for p in PLATFORMS)
        print(f"| {name} | {sum(calls.values()):,} | {wall:,.1f} s | {per} |")
    print(
        "\n(Google's times are the sandbox's: it computes the figures of the ads a query names,"
        " so a call costs about what it returns.)"
    )
    ratio_calls = sum(baseline[0].values()) / max(1, sum(periodic[0].values()))
    ratio_time = baseline[1] / max(periodic[1], 1e-9)
    print(
        f"\nperiodic sync vs one call per object per day: {ratio_calls:,.0f}x fewer calls, "
        f"{ratio_time:,.0f}x less wall time"
    )
    print("\ntime the documented report rate limits alone impose (calls / limit x window):")
    for name, (calls, _) in {"sync, periodic": periodic, "per object per day": baseline}.items():
        parts = []
        for platform in PLATFORMS:
            limit = BUCKETS[platform][1] or Limit(600 + 400 * per_platform, 3600)
            windows = math.ceil(calls[platform] / limit.calls) - 1
            parts.append(f"{platform} {windows * limit.window_s / 60:,.0f} min")
        print(f"  {name}: " + ", ".join(parts))


def _advance(sandbox: RunningSandbox, seconds: float) -> None:
    """Move the sandbox's clock, and AdFlux's with it (they live on the same days)."""
    sandbox.state.clock.advance(seconds)
    clock.set_offset(timedelta(seconds=sandbox.state.clock.now() - time.time()))


def sync_interval_s() -> float:
    return float(Settings().results_sync_interval_s)


def _sync(
    sandbox: RunningSandbox, directory: RegistryDirectory, *, restate_days: int, force: bool = False
) -> tuple[Counter[str], float]:
    seq = _last_seq(sandbox)
    spent: Counter[str] = Counter()

    def timed(name: str) -> Any:
        adapter = directory.adapter(name)

        class Timed:
            def daily_report(self, *args: Any) -> Any:
                started = time.perf_counter()
                try:
                    return adapter.daily_report(*args)
                finally:
                    spent[name] += time.perf_counter() - started

        return Timed()

    started = time.perf_counter()
    outcome = sync.sync_results(
        db_session=db.session, adapter_for=timed, restate_days=restate_days, force=force
    )
    wall = time.perf_counter() - started
    print("  time in report calls: " + ", ".join(f"{p} {spent[p]:.1f} s" for p in PLATFORMS))
    for result in outcome.platforms:
        state = "ok" if result.ok else f"FAILED: {result.error}"
        print(
            f"  {result.platform}: {result.publications:,} publications, {result.rows:,} rows, "
            f"{result.since} .. {result.until}: {state}"
        )
    return _report_calls(sandbox, seq), wall


def _baseline(
    sandbox: RunningSandbox,
    directory: RegistryDirectory,
    trees: dict[str, dict[str, dict[str, str]]],
    sample: int,
    today: date,
    days: int,
) -> tuple[Counter[str], float]:
    """One daily_report per tree per day over the last `days` days: the calls are counted
    exactly (every tree, every day); their wall time is the mean latency measured on a sample
    (at most BASELINE_BUDGET_S per platform) times that count."""
    for bucket, _limit in BUCKETS.values():
        sandbox.state.quotas.override(bucket, Limit(10**9, 1))
    calls: Counter[str] = Counter()
    wall = 0.0
    for platform in PLATFORMS:
        adapter = directory.adapter(platform)
        made, started = 0, time.perf_counter()
        for key, ids in list(trees[platform].items())[: sample // len(PLATFORMS)]:
            for offset in range(days):
                day = today - timedelta(days=offset)
                adapter.daily_report({key: ids}, day, day)
                made += 1
                if time.perf_counter() - started > BASELINE_BUDGET_S:
                    break
            else:
                continue
            break
        elapsed = time.perf_counter() - started
        calls[platform] = len(trees[platform]) * days
        wall += elapsed / made * calls[platform]
        print(
            f"baseline {platform}: {made} calls measured in {elapsed:.1f} s "
            f"({elapsed / made * 1000:,.0f} ms each), extrapolated to {calls[platform]:,}"
        )
    for bucket, _limit in BUCKETS.values():
        sandbox.state.quotas.override(bucket, None)
    return calls, wall


def _publications(
    sandbox: RunningSandbox, directory: RegistryDirectory, per_platform: int
) -> dict[str, dict[str, dict[str, str]]]:
    """Campaigns and publications in the database, one real tree per platform and its clones in
    the sandbox; platform -> publication key -> external ids."""
    today, published_at = sync.report_today(), clock.now()
    job = JobOpening(**job_payload(city="Bogotá"))
    db.session.add(job)
    db.session.flush()
    db.session.execute(
        sa.insert(AdCampaign),
        [
            {
                "id": n,
                "job_id": job.id,
                "name": f"bench {n}",
                "status": "published",
                "daily_budget_cop": 100_000,
                "start_date": today,
            }
            for n in range(1, per_platform + 1)
        ],
    )
    apply_url = f"https://www.magneto365.com/co/empleos/{job.external_ref}"
    ad = JobAd.from_opening(job, apply_url=apply_url)
    trees: dict[str, dict[str, dict[str, str]]] = {}
    rows = []
    for index, platform in enumerate(PLATFORMS):
        first_id = index * per_platform + 1
        prototype_key = f"adflux-pub-{first_id}"
        spec = build_ad_spec(
            job=ad,
            platform=platform,
            publication_key=prototype_key,
            campaign_id=1,
            segment_ids=[],
            campaign_name="bench",
            daily_budget_cop=100_000,
            start_date=today,
            end_date=None,
            objective="traffic",
            targeting=campaign_targeting(job=ad, segments=()),
        )
        published = directory.adapter(platform).publish(
            spec, known_ids={}, on_created=lambda kind, object_id: None
        )
        owned = platform_objects(sandbox)[platform][prototype_key]
        trees[platform] = {prototype_key: dict(published.external_ids)}
        for n in range(1, per_platform):
            key = f"adflux-pub-{first_id + n}"
            trees[platform][key] = _clone_tree(
                sandbox, platform, owned, published.external_ids, prototype_key, key, n
            )
        for n, ids in enumerate(trees[platform].values()):
            rows.append(
                {
                    "id": first_id + n,
                    "campaign_id": n + 1,
                    "platform": platform,
                    "status": "published",
                    "daily_budget_cop": 100_000,  # the arm's budget: the campaign's, one arm
                    "external_ids": ids,
                    "published_at": published_at,
                }
            )
    db.session.execute(sa.insert(PlatformPublication), rows)
    db.session.commit()
    return trees


def _clone_tree(
    sandbox: RunningSandbox,
    platform: str,
    owned: set[str],
    external_ids: dict[str, str],
    prototype_key: str,
    key: str,
    n: int,
) -> dict[str, str]:
    """Copy the prototype's objects with ids shifted by n x STRIDE and `key` in their names;
    objects without an id of their own (a shared image) are not copied. Returns the clone's
    external ids."""
    store = sandbox.state.store
    mapping: dict[str, str] = {}
    for object_id in owned:
        for token in _id_tokens(object_id):
            mapping[token] = _shift_hex(token, n) if _UUID.match(object_id) else _shift(token, n)

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(f"[{prototype_key}]", f"[{key}]")
            return _TOKEN.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    for object_id in owned:
        if rewrite(object_id) == object_id:
            continue  # shared: nothing of its own to shift
        original = store.get(platform, object_id)
        assert original is not None
        store.insert(platform, rewrite(original))
    return {kind: rewrite(value) for kind, value in external_ids.items()}


def _id_tokens(object_id: str) -> list[str]:
    """The parts of an id that are the object's own: the id itself, or the numbers after the
    last "/" of a Google resource name ("adGroupAds/100000005~100000008"). Short numbers (a
    language constant's 1003) and ids with other characters (X media keys) are left alone."""
    uuid = _UUID.match(object_id)
    if uuid:
        return [uuid.group(1)]
    if "/" not in object_id:
        return [object_id] if _TOKEN.fullmatch(object_id) else []
    tokens = object_id.rsplit("/", 1)[-1].split("~")
    return [t for t in tokens if t.isdigit() and len(t) >= 6]


def _shift(token: str, n: int) -> str:
    if token.isdigit():
        return str(int(token) + n * STRIDE)
    value = int(token, 36) + n * STRIDE  # X's ids are base 36
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out


def _shift_hex(token: str, n: int) -> str:
    return format((int(token, 16) + n * STRIDE) % 16 ** len(token), f"0{len(token)}x")


def _last_seq(sandbox: RunningSandbox) -> int:
    return max((e["seq"] for e in sandbox.state.requests.entries()), default=0)


def _report_calls(sandbox: RunningSandbox, after: int) -> Counter[str]:
    calls: Counter[str] = Counter({p: 0 for p in PLATFORMS})
    for entry in sandbox.state.requests.entries(after=after):
        for platform, path in REPORT_CALL.items():
            if entry.get("platform") == platform and path in entry["path"]:
                calls[platform] += 1
    return calls


if __name__ == "__main__":
    main()
