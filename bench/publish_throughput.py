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
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from publish_reports import (
    open_jobs_in_x_cities,
    post_campaigns,
    report_duplicates,
    report_outcomes,
    report_pace_bound,
    report_rate_limits,
    wait_settled,
)
from tests.e2e.campaigns.stack import (
    Deployment,
    PostgresDatabase,
    RedisServer,
    base_env,
    publication_rows,
    start_sandbox,
)

PLATFORMS = ("meta", "google", "x", "tiktok")  # every platform AdFlux offers


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
        jobs = open_jobs_in_x_cities(db)
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
        report_pace_bound(args.pace, rows, whole / serial_rate, total_s)
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
        report_outcomes(rows)
        report_duplicates(sandbox, rows)
        report_rate_limits(calls.snapshot(), sandbox)
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
    ids = post_campaigns(deployment, jobs, count, PLATFORMS)
    created_s = time.perf_counter() - started
    wait_settled(db, ids)
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


if __name__ == "__main__":
    main()
