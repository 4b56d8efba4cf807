"""AdFlux at scale on one machine: 2 API processes and 4 workers, on Redis and on RabbitMQ.

For each broker, on a private PostgreSQL database, a private Redis (the shared publishing pace;
the broker too in the Redis run) or a private RabbitMQ virtual host, and the sandbox adding the
same latency to every platform call:

1. ``adflux serve --workers 2`` and four ``adflux worker`` processes (each serving its metrics);
2. 1,000 campaigns x meta, google, x posted to the API from 8 clients;
3. once a third of the publications are published, one worker is killed with SIGKILL while it
   holds claims; `adflux status` is printed while its work waits to be taken over;
4. every publication settled, the run prints: wall time, publications/s, the share of the bound
   that AdFlux's pace settings put on this workload, duplicates (the sandbox's objects against
   the ids AdFlux recorded: must be 0), each platform's busiest 60 s against its documented
   limit, the takeovers the workers' metrics counted, and the recovery time: from the kill until
   the last publication that was in flight when it happened is published.

    .venv/bin/python bench/scale_workers.py
    .venv/bin/python bench/scale_workers.py --campaigns 300 --brokers rabbitmq
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from prometheus_client.parser import text_string_to_metric_families
from publish_reports import (
    open_jobs_in_x_cities,
    pace_bound_s,
    post_campaigns,
    report_duplicates,
    report_outcomes,
    report_rate_limits,
    unsettled,
)
from tests.e2e.campaigns.stack import (
    Deployment,
    PostgresDatabase,
    Proc,
    RabbitVhost,
    RedisServer,
    base_env,
    free_port,
    publication_rows,
    start_sandbox,
    wait_for,
)

PLATFORMS = ("meta", "google", "x")


def main() -> None:
    args = _parse_args()
    # Stopped from outside (SIGTERM): the processes, databases and vhost are still cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(
        f"load average {os.getloadavg()[0]:.1f}; {args.campaigns} campaigns x "
        f"{','.join(PLATFORMS)}; {args.api_workers} API processes, {args.workers} workers x "
        f"{args.concurrency} threads; sandbox latency {args.latency_ms} ms per call"
    )
    results = [_run(broker, args) for broker in args.brokers]
    print()
    print("| broker | publications | wall time | publications/s | of the pace bound | "
          "duplicates | recovery after SIGKILL | takeovers |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in results:
        print(
            f"| {row['broker']} | {row['published']:,}/{row['publications']:,} | "
            f"{row['wall_s']:.0f} s | {row['rate']:.1f} | {row['bound_share']:.0%} | "
            f"{row['duplicates']} | {row['recovery_s']:.0f} s | {row['takeovers']:.0f} |"
        )


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument(
        "--brokers", nargs="+", choices=("redis", "rabbitmq"), default=["redis", "rabbitmq"]
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16, help="threads per worker")
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--kill-at", type=float, default=1 / 3, help="share published at the kill")
    parser.add_argument("--jobs", type=int, default=60, help="seeded job openings")
    return parser.parse_args()


def _run(broker: str, args: argparse.Namespace) -> dict[str, object]:
    print(f"\n== {broker}")
    work = Path(tempfile.mkdtemp(prefix=f"adflux-bench-scale-{broker}-"))
    db = PostgresDatabase(f"adflux_bench_scale_{broker}_{os.getpid()}").create()
    redis = RedisServer(log_dir=work).start()
    vhost = RabbitVhost(f"adflux_bench_{os.getpid()}").create() if broker == "rabbitmq" else None
    latency = {p: {"latency_ms": args.latency_ms} for p in PLATFORMS}
    sandbox, calls = start_sandbox(work / "sandbox", faults=latency)
    env = base_env(
        database_url=db.url,
        broker_url=vhost.url if vhost else redis.url,
        data_dir=work / "data",
        sandbox=sandbox,
        extra={
            "XDG_CONFIG_HOME": str(work / "xdg"),
            "ADFLUX_PACE_REDIS_URL": redis.url,
            # 6 processes x (8 + 4) = 72 connections, under PostgreSQL's default 100 with room
            # for the bench's own and anyone else's on the server.
            "ADFLUX_DB_POOL_SIZE": "8",
            "ADFLUX_DB_MAX_OVERFLOW": "4",
        },
    )
    deployment = Deployment(env=env, work_dir=work)
    try:
        deployment.prepare(jobs=args.jobs, candidates=300)
        jobs = open_jobs_in_x_cities(db)
        deployment.server = deployment.spawn(
            "serve",
            *("serve", "--port", str(deployment.api_port)),
            *("--workers", str(args.api_workers), "--threads", "8"),
        )
        ports = [free_port() for _ in range(args.workers)]
        workers = [
            deployment.start_worker(
                "--concurrency", str(args.concurrency), "--metrics-port", str(p)
            )
            for p in ports
        ]
        deployment.wait_serving()
        calls.forget()

        started = time.monotonic()
        ids = post_campaigns(deployment, jobs, args.campaigns, PLATFORMS)
        posted_s = time.monotonic() - started
        total = len(ids) * len(PLATFORMS)
        print(f"{len(ids)} campaigns posted in {posted_s:.1f} s ({total:,} publications)")

        wait_for(
            lambda: _count(db, ids, "published") >= args.kill_at * total,
            timeout=1800,
            interval=0.5,
            what=f"{args.kill_at:.0%} of the publications published",
        )
        victim, in_flight = _kill_one_holding_claims(db, ids, workers)
        killed_at = time.monotonic()
        print(
            f"killed {victim.name} (SIGKILL) at {killed_at - started:.0f} s with "
            f"{len(in_flight)} publication(s) in flight across the workers"
        )
        time.sleep(5)
        print(deployment.cli("status", check=False).stdout.rstrip())

        recovery_s = _wait_recovered(db, in_flight) - killed_at
        wait_for(lambda: unsettled(db, ids) == 0, timeout=1800, interval=1.0, what="the rest")
        wall_s = time.monotonic() - started
        rows = publication_rows(db, ids)
        published = sum(r["status"] == "published" for r in rows)
        bound_s = pace_bound_s(Counter(r["platform"] for r in rows))
        rate = published / wall_s
        print(
            f"{published:,}/{len(rows):,} published in {wall_s:.0f} s = {rate:.1f}/s; the pace "
            f"settings allow no less than {bound_s:.0f} s: {bound_s / wall_s:.0%} of that bound"
        )
        print(
            f"recovery: the last publication in flight at the kill was published "
            f"{recovery_s:.0f} s after it (claims go stale after ADFLUX_CLAIM_STALE_AFTER_S, "
            "60 s; the relay sweeps every 30 s)"
        )
        takeovers = sum(_metric(port, "adflux_relay_takeovers_total") for port in ports)
        print(f"takeovers counted by the surviving workers' metrics: {takeovers:.0f}")
        report_outcomes(rows)
        duplicates = report_duplicates(sandbox, rows)
        report_rate_limits(calls.snapshot(), sandbox)
        return {
            "broker": broker,
            "published": published,
            "publications": len(rows),
            "wall_s": wall_s,
            "rate": rate,
            "bound_share": bound_s / wall_s,
            "duplicates": duplicates,
            "recovery_s": recovery_s,
            "takeovers": takeovers,
        }
    finally:
        deployment.stop()
        redis.stop()
        sandbox.stop()
        if vhost is not None:
            vhost.delete()
        db.drop()
        print(f"logs: {work}")


def _count(db: PostgresDatabase, ids: list[int], status: str) -> int:
    (count,) = db.rows(
        "SELECT count(*) FROM platform_publications WHERE campaign_id = ANY(%s) AND status = %s",
        ids,
        status,
    )[0]
    return int(count)


def _kill_one_holding_claims(
    db: PostgresDatabase, ids: list[int], workers: list[Proc]
) -> tuple[Proc, set[int]]:
    """SIGKILL the first worker (the broker spreads the work, so with its 16 threads busy it
    holds claims); the publications in flight at that moment, the killed worker's among them."""
    victim = workers[0]
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait(timeout=10)
    in_flight = {
        row[0]
        for row in db.rows(
            "SELECT id FROM platform_publications WHERE campaign_id = ANY(%s)"
            " AND status = 'publishing'",
            ids,
        )
    }
    return victim, in_flight


def _wait_recovered(db: PostgresDatabase, in_flight: set[int]) -> float:
    """When the last of ``in_flight`` left 'publishing' (monotonic time)."""
    ids = list(in_flight)

    def done() -> bool:
        (left,) = db.rows(
            "SELECT count(*) FROM platform_publications WHERE id = ANY(%s)"
            " AND status = 'publishing'",
            ids,
        )[0]
        return left == 0

    wait_for(done, timeout=600, interval=0.5, what="the killed worker's work to be taken over")
    return time.monotonic()


def _metric(port: int, name: str) -> float:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return 0.0  # the killed worker serves nothing
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    )


if __name__ == "__main__":
    main()
