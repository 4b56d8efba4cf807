"""Publishing throughput: Celery workers on Redis against the seed's one-at-a-time loop.

The sandbox adds the same latency to every platform call for both designs. In one run:

1. serial (the seed's ``publish_ad``): one process publishes a sample of publications one after
   another through the same adapters and the same publishing code; its rate is extrapolated to
   the whole workload (running 3,000 publications serially would take most of an hour);
2. parallel: campaigns posted to the API of an ``adflux serve`` process, published by
   ``adflux worker`` processes (threads pool) on a private Redis, everything on a private
   PostgreSQL database.

Then every platform object in the sandbox is matched with what AdFlux recorded (zero duplicates)
and the calls the sandbox saw are counted against the platforms' documented rate limits.

AdFlux paces each platform to its documented limits (ADFLUX_PUBLISH_RATE_PER_MINUTE), which
bounds how fast any design may publish there: the bench prints that bound next to the measured
rate. ``--pace off`` lifts the pacing to measure what the machinery alone can do (as with more ad
accounts or higher access tiers); X's limit is then exceeded and the bench says so.

    .venv/bin/python bench/publish_throughput.py            # 1,000 campaigns x meta,google,x,tiktok
    .venv/bin/python bench/publish_throughput.py --pace off
    .venv/bin/python bench/publish_throughput.py --campaigns 200 --concurrency 16
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from tests.e2e.campaigns.stack import (
    Call,
    Deployment,
    PostgresDatabase,
    RedisServer,
    base_env,
    platform_objects,
    publication_rows,
    recorded_ids,
    start_sandbox,
    wait_for,
)

PLATFORMS = ("meta", "google", "x", "tiktok")  # every platform AdFlux offers
# Cities the sandbox's X location search knows; a job elsewhere cannot be targeted on X there.
X_CITIES = ("Bogotá", "Medellín", "Cali", "Barranquilla", "Bucaramanga")
# research/platforms.md §4: X allows 450 writes per minute per endpoint category.
X_WRITES_PER_MINUTE = 450
# research/platforms.md §4.2: Google Ads basic access, 15,000 operations per day.
GOOGLE_OPS_PER_DAY = 15_000
# research/platforms.md §4.1: Meta ads_management, Full (standard) tier, before 40 x active ads.
META_CALLS_PER_HOUR = 100_000


def main() -> None:
    args = _parse_args()
    work = Path(tempfile.mkdtemp(prefix="adflux-bench-publish-"))
    db = PostgresDatabase(f"adflux_bench_publish_{os.getpid()}").create()
    redis = RedisServer(log_dir=work).start()
    latency = {p: {"latency_ms": args.latency_ms} for p in PLATFORMS}
    sandbox, calls = start_sandbox(work / "sandbox", faults=latency)
    env = base_env(
        database_url=db.url,
        broker_url=redis.url,
        data_dir=work / "data",
        sandbox=sandbox,
        extra={
            "XDG_CONFIG_HOME": str(work / "xdg"),
            **({"ADFLUX_PUBLISH_RATE_PER_MINUTE": "{}"} if args.pace == "off" else {}),
        },
    )
    deployment = Deployment(env=env, work_dir=work)
    try:
        deployment.prepare(jobs=args.jobs, candidates=300)
        jobs = [
            row[0]
            for row in db.rows(
                "SELECT id FROM job_openings WHERE status = 'open' AND city = ANY(%s) ORDER BY id",
                list(X_CITIES),
            )
        ]
        print(f"sandbox latency {args.latency_ms} ms per call; {len(jobs)} jobs in X's cities")

        serial_pubs, serial_s = _serial(db, sandbox, jobs, args.serial_sample, work / "serial")
        serial_rate = serial_pubs / serial_s
        print(
            f"serial loop: {serial_pubs} publications in {serial_s:.1f} s "
            f"= {serial_rate:.2f} publications/s (one process, one after another)"
        )

        calls.forget()
        deployment.start_server(threads=8)
        for _ in range(args.workers):
            deployment.start_worker("--concurrency", str(args.concurrency))
        cpu_before = _cpu_seconds(deployment)
        load_before = os.getloadavg()[0]
        ids, created_s, total_s = _parallel(deployment, db, jobs, args.campaigns)
        cpu = {k: v - cpu_before.get(k, 0.0) for k, v in _cpu_seconds(deployment).items()}
        rows = publication_rows(db, ids)
        published = sum(r["status"] == "published" for r in rows)
        rate = published / total_s
        whole = len(rows)
        print(
            f"{args.workers} workers x {args.concurrency} threads: {len(ids)} campaigns posted in "
            f"{created_s:.1f} s; {published}/{whole} publications published in {total_s:.1f} s "
            f"= {rate:.1f} publications/s"
        )
        print(
            f"serial, extrapolated from its {serial_pubs}-publication sample: {whole} "
            f"publications would take {whole / serial_rate:.0f} s"
        )
        print(f"ratio: {rate / serial_rate:.1f}x the serial loop (target >= 30x)")
        _report_pace_bound(args.pace, rows, whole / serial_rate, total_s)
        window = max(r["published_at"] for r in rows if r["published_at"]) - min(
            r["claimed_at"] for r in rows if r["claimed_at"]
        )
        print(
            f"publishing window (first claim to last publication): "
            f"{window.total_seconds():.1f} s = {published / window.total_seconds():.1f} /s"
        )
        per_pub = {k: 1000 * v / max(1, published) for k, v in cpu.items()}
        print(
            "CPU per publication: "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in per_pub.items())
            + f" (2 cores; load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after)"
        )
        own_ms = sum(per_pub.get(k, 0.0) for k in ("api", "workers", "postgres", "redis-server"))
        cores = os.cpu_count() or 1
        print(
            f"projection, not measured: with the platforms off this machine, AdFlux's own "
            f"{own_ms:.1f} ms of CPU per publication (API, workers, PostgreSQL and Redis) "
            f"would allow about {cores * 1000 / own_ms:.0f} publications/s on {cores} cores "
            f"= {cores * 1000 / own_ms / serial_rate:.0f}x"
        )
        _report_outcomes(rows)
        _report_duplicates(sandbox, rows)
        _report_rate_limits(calls.snapshot(), sandbox)
    finally:
        deployment.stop()
        redis.stop()
        sandbox.stop()
        db.drop()
        print(f"logs: {work}")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32, help="threads per worker")
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--serial-sample", type=int, default=30, help="publications, serially")
    parser.add_argument("--jobs", type=int, default=60, help="seeded job openings")
    parser.add_argument(
        "--pace",
        choices=("platforms", "off"),
        default="platforms",
        help="publish at the platforms' documented pace (default) or as fast as possible",
    )
    return parser.parse_args()


def _serial(
    db: PostgresDatabase, sandbox: Any, jobs: list[int], sample: int, data_dir: Path
) -> tuple[int, float]:
    """The seed's design: this process publishes one publication after the other."""
    os.environ.update(sandbox.client_env())  # this process's adapters talk to the sandbox
    from adflux.app import create_app
    from adflux.campaigns import publishing
    from adflux.campaigns import service as campaigns
    from adflux.config import Settings
    from adflux.extensions import db as flask_db

    app = create_app(Settings(database_url=db.url, data_dir=data_dir, log_level="WARNING"))
    app.extensions["adflux_dispatcher"] = _Held()  # nothing runs in the background here
    with app.app_context():
        publication_ids = []
        for number in range(-(-sample // len(PLATFORMS))):
            campaign, _ = campaigns.create_campaign(
                db_session=flask_db.session,
                job_id=jobs[number % len(jobs)],
                platforms=PLATFORMS,
            )
            publication_ids += [p.id for p in campaign.publications]
        publication_ids = publication_ids[:sample]
        started = time.perf_counter()
        states = [
            publishing.attempt_publication(db_session=flask_db.session, publication_id=pid).state
            for pid in publication_ids
        ]
        elapsed = time.perf_counter() - started
        flask_db.session.remove()
        flask_db.engine.dispose()
    if set(states) != {"published"}:
        raise SystemExit(f"the serial loop did not publish everything: {Counter(states)}")
    return len(publication_ids), elapsed


class _Held:
    """A dispatcher that keeps the tasks to itself: the serial loop runs them in line."""

    def send(self, task_name: str, *args: Any, countdown: float = 0.0) -> bool:
        return True

    def shutdown(self) -> None:
        pass


def _parallel(
    deployment: Deployment, db: PostgresDatabase, jobs: list[int], count: int
) -> tuple[list[int], float, float]:
    """Post ``count`` campaigns to the API (8 clients) and wait for every publication."""
    started = time.perf_counter()
    # One connection per client thread: a client per request would spend this process's CPU
    # (the sandbox's too) on TLS set-up that the publishing work does not involve.
    clients = threading.local()

    def post(number: int) -> int:
        if not hasattr(clients, "api"):
            clients.api = deployment.api()
        response = clients.api.post(
            "/api/v1/campaigns",
            json={"job_id": jobs[number % len(jobs)], "platforms": list(PLATFORMS)},
        )
        if response.status_code != 202:
            raise SystemExit(f"POST /api/v1/campaigns answered {response.status_code}")
        return int(response.json()["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(post, range(count)))
    created_s = time.perf_counter() - started

    def settled() -> bool:
        (left,) = db.rows(
            "SELECT count(*) FROM platform_publications WHERE campaign_id = ANY(%s)"
            " AND status NOT IN ('published', 'failed')",
            ids,
        )[0]
        return left == 0

    wait_for(settled, timeout=1800, interval=1.0, what="every publication to settle")
    return ids, created_s, time.perf_counter() - started


def _cpu_seconds(deployment: Deployment) -> dict[str, float]:
    """CPU time (user + system) of this process (sandbox, clients), of each AdFlux process and
    of the PostgreSQL server (all of it: other databases' work counts too) and Redis."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    def tree(pid: int) -> float:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return of(pid) + sum(tree(int(child)) for child in children)

    usage = {"sandbox+clients": of(os.getpid())}
    if deployment.server is not None:
        usage["api"] = tree(deployment.server.process.pid)
    usage["workers"] = sum(tree(w.process.pid) for w in deployment.workers)
    for name in ("postgres", "redis-server"):
        usage[name] = 0.0
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and (proc / "comm").read_text().strip() == name:
                    usage[name] += of(int(proc.name))
            except OSError:  # the process ended meanwhile
                continue
    return usage


def _report_pace_bound(pace: str, rows: list[dict], serial_s: float, total_s: float) -> None:
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
    from adflux.campaigns.throttle import paces
    from adflux.config import Settings

    settings = Settings()
    budgets = paces(settings.publish_rate_per_minute, settings.publish_rate_per_hour)
    bound_s = 0.0
    for platform, count in sorted(per_platform.items()):
        for budget in budgets.get(platform, ()):
            budget_s = max(0, count - budget.burst) * budget.interval_s
            print(
                f"  {platform}: {count} publications at {budget.burst} at once, then one every "
                f"{budget.interval_s:.2f} s (the pace per {budget.window_s:.0f} s) take at least "
                f"{budget_s:.0f} s"
            )
            bound_s = max(bound_s, budget_s)
    if bound_s:
        print(
            f"pace bound: at AdFlux's pace settings this workload takes at least {bound_s:.0f} s "
            f"= at most {serial_s / bound_s:.1f}x the serial loop; measured {total_s:.0f} s = "
            f"{bound_s / total_s:.0%} of that bound"
        )


def _report_outcomes(rows: list[dict]) -> None:
    attempts = Counter(r["attempts"] for r in rows)
    print(f"attempts per publication: {dict(sorted(attempts.items()))}")
    failed = Counter((r["platform"], r["last_error"]) for r in rows if r["status"] != "published")
    for (platform, error), n in failed.most_common(5):
        print(f"  failed: {n} x {platform}: {error}")


def _report_duplicates(sandbox: Any, rows: list[dict]) -> None:
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


def _report_rate_limits(calls: list[Call], sandbox: Any) -> None:
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
        peak = _peak_per_window(times, 60.0)
        verdict = "over" if peak > X_WRITES_PER_MINUTE else "within"
        print(
            f"  X writes {category}: peak {peak} in a 60 s window ({verdict} X's documented "
            f"{X_WRITES_PER_MINUTE}/min)"
        )
    meta_times = [c.at for c in calls if c.platform == "meta"]
    if meta_times:
        in_an_hour = _peak_per_window(meta_times, 3600.0)
        sustained = _peak_per_window(meta_times, 60.0) * 60
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


def _peak_per_window(times: list[float], window_s: float) -> int:
    times = sorted(times)
    peak = start = 0
    for end, at in enumerate(times):
        while at - times[start] > window_s:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


if __name__ == "__main__":
    main()
