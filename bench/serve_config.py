"""Which gunicorn settings ``adflux serve`` should default to: several configurations side by side.

One private PostgreSQL database (``adflux seed``, as bench/api_throughput.py seeds it), one
``adflux serve`` per configuration (worker processes x threads, gthread), all started at once and
loaded in turn by wrk (``GET /api/v1/jobs?limit=50`` with a token, 32 connections), round after
round, so that every configuration sees the same machine load; the median of the rounds is kept.
An idle server costs nothing while another is loaded.

    .venv/bin/python bench/serve_config.py                      # 1x8 2x4 2x8 4x2 4x4, 3 rounds
    .venv/bin/python bench/serve_config.py --configs 2x8 4x4 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository's tests/ package
sys.path.insert(0, str(BENCH))

from api_throughput import Result, seed_campaigns, wait_up, wrk  # noqa: E402
from tests.e2e.campaigns.stack import PostgresDatabase  # noqa: E402
from tests.e2e.processes import ADFLUX, ServerProcess, clean_env, free_port  # noqa: E402

PATH = "/api/v1/jobs?limit=50"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["1x8", "2x4", "2x8", "4x2", "4x4"])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with 'apt-get install -y wrk'")
    configs = [tuple(int(n) for n in config.split("x")) for config in args.configs]

    print(f"CPUs: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="adflux-bench-serve-"))
    db = PostgresDatabase(f"adflux_bench_serve_{os.getpid()}").create()
    servers: dict[tuple[int, ...], ServerProcess] = {}
    runs: dict[tuple[int, ...], list[Result]] = {config: [] for config in configs}
    try:
        env = clean_env(DATABASE_URL=db.url, ADFLUX_DATA_DIR=str(work), ADFLUX_LOG_LEVEL="WARNING")
        for step in (["db", "upgrade"], ["seed", "--jobs", "300", "--candidates", "1000"]):
            subprocess.run([str(ADFLUX), *step], env=env, check=True, capture_output=True)
        seed_campaigns(db.url, work, 60)
        token = subprocess.run(
            [str(ADFLUX), "token", "create", "--name", "bench", "--role", "viewer"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}
        for workers, threads in configs:
            port = free_port()
            servers[(workers, threads)] = ServerProcess.start(
                [
                    *(str(ADFLUX), "serve", "--port", str(port)),
                    *("--workers", str(workers), "--threads", str(threads)),
                ],
                env=env,
                base_url=f"http://127.0.0.1:{port}",
                log_path=work / f"serve-{workers}x{threads}.log",
                cwd=work,
            )
        for server in servers.values():
            wait_up(server, PATH, auth)
        for _round in range(args.rounds):
            for config, server in servers.items():
                url = server.base_url + PATH
                wrk(url, connections=args.connections, seconds=2, headers=auth)  # warm-up
                result = wrk(url, connections=args.connections, seconds=args.duration, headers=auth)
                runs[config].append(result)
                print(
                    f"  {config[0]} x {config[1]}: {result.requests_per_second:,.0f} req/s, "
                    f"p99 {result.p99_ms:.1f} ms"
                )
    finally:
        for server in servers.values():
            server.stop()
        db.drop()

    print()
    print(
        f"GET {PATH}, wrk -t2 -c{args.connections} -d{args.duration}s, gthread, "
        f"median of {args.rounds} rounds"
    )
    print(f"{'workers x threads':<20}{'req/s':>10}{'p99 ms':>10}")
    for config, results in runs.items():
        rps = statistics.median(r.requests_per_second for r in results)
        p99 = statistics.median(r.p99_ms for r in results)
        print(f"{f'{config[0]} x {config[1]}':<20}{rps:>10,.0f}{p99:>10.1f}")


if __name__ == "__main__":
    main()
