"""The pieces every publishing benchmark shares: posting campaigns to the API, waiting for them
to settle, and what it prints about the run (the pace bound and how near it came, the attempts,
duplicates, each platform's busiest window against its documented limit). Used by
publish_throughput.py and scale_workers.py."""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.campaigns.stack import (
    Call,
    Deployment,
    PostgresDatabase,
    platform_objects,
    recorded_ids,
    wait_for,
)

# research/platforms.md §4: X allows 450 writes per minute per endpoint category.
X_WRITES_PER_MINUTE = 450
# research/platforms.md §4.2: Google Ads basic access, 15,000 operations per day.
GOOGLE_OPS_PER_DAY = 15_000
# research/platforms.md §4.1: Meta ads_management, Full (standard) tier, before 40 x active ads.
META_CALLS_PER_HOUR = 100_000


# Cities the sandbox's X location search knows; a job elsewhere cannot be targeted on X there.
X_CITIES = ("Bogotá", "Medellín", "Cali", "Barranquilla", "Bucaramanga")


def open_jobs_in_x_cities(db: PostgresDatabase) -> list[int]:
    """The seeded open jobs every platform can target (X's location search knows their city)."""
    return [
        row[0]
        for row in db.rows(
            "SELECT id FROM job_openings WHERE status = 'open' AND city = ANY(%s) ORDER BY id",
            list(X_CITIES),
        )
    ]


def post_campaigns(
    deployment: Deployment, jobs: list[int], count: int, platforms: Sequence[str]
) -> list[int]:
    """Post ``count`` campaigns to the API from 8 clients; their ids."""
    # One connection per client thread: a client per request would spend this process's CPU
    # (the sandbox's too) on connection set-up that the publishing work does not involve.
    clients = threading.local()

    def post(number: int) -> int:
        if not hasattr(clients, "api"):
            clients.api = deployment.api()
        response = clients.api.post(
            "/api/v1/campaigns",
            json={"job_id": jobs[number % len(jobs)], "platforms": list(platforms)},
        )
        if response.status_code != 202:
            raise SystemExit(f"POST /api/v1/campaigns answered {response.status_code}")
        return int(response.json()["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(post, range(count)))


def unsettled(db: PostgresDatabase, ids: list[int]) -> int:
    (left,) = db.rows(
        "SELECT count(*) FROM platform_publications WHERE campaign_id = ANY(%s)"
        " AND status NOT IN ('published', 'failed')",
        ids,
    )[0]
    return int(left)


def wait_settled(db: PostgresDatabase, ids: list[int], timeout: float = 1800) -> None:
    wait_for(
        lambda: unsettled(db, ids) == 0,
        timeout=timeout,
        interval=1.0,
        what="every publication to settle",
    )


def pace_bound_s(per_platform: Counter[str], *, say: bool = False) -> float:
    """The shortest time AdFlux's default pace settings allow for these publications: each
    platform's burst at once, then one every interval, for its strictest budget."""
    from adflux.campaigns.throttle import paces
    from adflux.config import Settings

    settings = Settings()
    budgets = paces(settings.publish_rate_per_minute, settings.publish_rate_per_hour)
    bound_s = 0.0
    for platform, count in sorted(per_platform.items()):
        for budget in budgets.get(platform, ()):
            budget_s = max(0, count - budget.burst) * budget.interval_s
            if say:
                print(
                    f"  {platform}: {count} publications at {budget.burst} at once, then one "
                    f"every {budget.interval_s:.2f} s (the pace per {budget.window_s:.0f} s) "
                    f"take at least {budget_s:.0f} s"
                )
            bound_s = max(bound_s, budget_s)
    return bound_s


def report_pace_bound(pace: str, rows: list[dict], serial_s: float, total_s: float) -> None:
    """The fastest this workload may go at AdFlux's pace, and at X's documented limit."""
    per_platform = Counter(r["platform"] for r in rows)
    # Every X publication writes each endpoint once, and X allows X_WRITES_PER_MINUTE per endpoint.
    x_floor_s = 60.0 * per_platform.get("x", 0) / X_WRITES_PER_MINUTE
    if x_floor_s:
        print(
            f"X's documented limit alone: {per_platform['x']} X publications need at least "
            f"{x_floor_s:.0f} s = at most {serial_s / x_floor_s:.1f}x the serial loop, "
            "whatever the design"
        )
    if pace == "off":
        print("pacing off: the platforms' limits were not respected on purpose (see below)")
        return
    bound_s = pace_bound_s(per_platform, say=True)
    if bound_s:
        print(
            f"pace bound: at AdFlux's pace settings this workload takes at least {bound_s:.0f} s "
            f"= at most {serial_s / bound_s:.1f}x the serial loop; measured {total_s:.0f} s = "
            f"{bound_s / total_s:.0%} of that bound"
        )


def report_outcomes(rows: list[dict]) -> None:
    attempts = Counter(r["attempts"] for r in rows)
    print(f"attempts per publication: {dict(sorted(attempts.items()))}")
    failed = Counter((r["platform"], r["last_error"]) for r in rows if r["status"] != "published")
    for (platform, error), n in failed.most_common(5):
        print(f"  failed: {n} x {platform}: {error}")


def report_duplicates(sandbox: Any, rows: list[dict]) -> int:
    owned = platform_objects(sandbox)
    mismatched = [
        r
        for r in rows
        if r["status"] == "published"
        and owned[r["platform"]].get(f"adflux-pub-{r['id']}", set())
        # An uploaded image is one file per job, shared by its publications: not counted here.
        != recorded_ids({k: v for k, v in r["external_ids"].items() if k != "image"})
    ]
    objects = sum(len(ids) for by_key in owned.values() for ids in by_key.values())
    print(
        f"duplicates: {len(mismatched)} publications whose sandbox objects differ from the ids "
        f"AdFlux recorded ({objects:,} platform objects checked)"
    )
    return len(mismatched)


def report_rate_limits(calls: list[Call], sandbox: Any) -> None:
    throttled = Counter(c.platform for c in calls if c.fault == "rate_limit")
    print(
        f"rate-limit answers from the sandbox: {sum(throttled.values())} "
        f"(it injects them only on request; it enforces no quota of its own)"
    )
    per_platform = Counter(c.platform for c in calls)
    print(f"platform calls: {dict(per_platform)}")
    writes: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        if c.platform == "x" and c.call.startswith(("POST", "PUT", "DELETE")):
            category = re.sub(r"/\d+/accounts/[^/]+", "", c.call.split(" ", 1)[1])
            writes[category].append(c.at)
    for category, times in sorted(writes.items()):
        peak = peak_per_window(times, 60.0)
        verdict = "over" if peak > X_WRITES_PER_MINUTE else "within"
        print(
            f"  X writes {category}: peak {peak} in a 60 s window ({verdict} X's documented "
            f"{X_WRITES_PER_MINUTE}/min)"
        )
    meta_times = [c.at for c in calls if c.platform == "meta"]
    if meta_times:
        in_an_hour = peak_per_window(meta_times, 3600.0)
        sustained = peak_per_window(meta_times, 60.0) * 60
        verdict = "over" if in_an_hour > META_CALLS_PER_HOUR else "within"
        print(
            f"  Meta calls: {in_an_hour:,} in the busiest hour ({verdict} the Full tier's "
            f"{META_CALLS_PER_HOUR:,}/h); the busiest minute, kept up for an hour, would be "
            f"{sustained:,}/h"
        )
    google_ops = sum(len(ids) for ids in platform_objects(sandbox).get("google", {}).values())
    print(
        f"  Google Ads operations (objects created): {google_ops:,} of the basic-access "
        f"{GOOGLE_OPS_PER_DAY:,} per day"
    )


def peak_per_window(times: list[float], window_s: float) -> int:
    times = sorted(times)
    peak = start = 0
    for end, at in enumerate(times):
        while at - times[start] > window_s:
            start += 1
        peak = max(peak, end - start + 1)
    return peak
