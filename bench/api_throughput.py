"""API throughput: ``GET /api/v1/jobs?limit=50`` under gunicorn, next to two references.

All three are served by gunicorn with the same settings (2 workers, gthread, 8 threads each) on a
private PostgreSQL database seeded by ``adflux seed``, and loaded by wrk with the same connections
and duration, one after the other in the same run:

- ceiling: a trivial Flask JSON endpoint (bench/reference_apps.py);
- floor: a minimal Flask + SQLAlchemy endpoint returning the same 50 rows, no auth, no schemas;
- AdFlux: ``adflux serve --workers 2`` with a bearer token (auth, query validation, marshmallow
  serialisation, pagination total).

    .venv/bin/python bench/api_throughput.py                   # 32 connections, 10 s each
    .venv/bin/python bench/api_throughput.py --duration 5 --rounds 3

wrk is the Debian package ``wrk`` (``apt-get install -y wrk``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository's tests/ package

from tests.e2e.campaigns.stack import PostgresDatabase  # noqa: E402
from tests.e2e.processes import ADFLUX, ServerProcess, clean_env, free_port  # noqa: E402

GUNICORN = ADFLUX.parent / "gunicorn"
WORKERS = 2
TARGET_P99_MS = 50.0


@dataclass(frozen=True)
class Result:
    label: str
    requests_per_second: float
    p99_ms: float


def wrk(url: str, *, connections: int, seconds: int, headers: dict[str, str]) -> Result:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return Result(url, rps, p99)


def gunicorn(spec: str, port: int, env: dict[str, str], log: Path, threads: int) -> ServerProcess:
    command = [
        str(GUNICORN),
        "--chdir",
        str(BENCH),
        "--workers",
        str(WORKERS),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        spec,
    ]
    url = f"http://127.0.0.1:{port}"
    return ServerProcess.start(command, env=env, base_url=url, log_path=log, cwd=BENCH)


def wait_up(server: ServerProcess, path: str, headers: dict[str, str]) -> None:
    """The server answers ``path`` with 200 (the references have no /readyz)."""
    for _ in range(300):
        if server.process.poll() is not None:
            raise SystemExit(f"server exited:\n{server.log()[-3000:]}")
        try:
            response = httpx.get(server.base_url + path, headers=headers, timeout=2)
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{server.base_url}{path} never answered 200:\n{server.log()[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=1, help="runs per target (median kept)")
    parser.add_argument("--jobs", type=int, default=300, help="job openings seeded")
    parser.add_argument(
        "--threads", type=int, default=8, help="threads per worker (adflux serve's default: 8)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with 'apt-get install -y wrk'")

    print(f"CPUs: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="adflux-bench-api-"))
    db = PostgresDatabase(f"adflux_bench_api_{os.getpid()}").create()
    servers: list[ServerProcess] = []
    try:
        env = clean_env(DATABASE_URL=db.url, ADFLUX_DATA_DIR=str(work), ADFLUX_LOG_LEVEL="WARNING")
        for step in (
            ["db", "upgrade"],
            ["seed", "--jobs", str(args.jobs), "--candidates", "1000"],
        ):
            subprocess.run([str(ADFLUX), *step], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [str(ADFLUX), "token", "create", "--name", "bench", "--role", "viewer"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}

        ports = {name: free_port() for name in ("ceiling", "floor", "adflux")}
        servers = [
            gunicorn(
                "reference_apps:ceiling()", ports["ceiling"], env, work / "c.log", args.threads
            ),
            gunicorn("reference_apps:floor()", ports["floor"], env, work / "f.log", args.threads),
            ServerProcess.start(
                [
                    *(str(ADFLUX), "serve", "--port", str(ports["adflux"])),
                    *("--workers", str(WORKERS), "--threads", str(args.threads)),
                ],
                env=env,
                base_url=f"http://127.0.0.1:{ports['adflux']}",
                log_path=work / "adflux.log",
                cwd=work,
            ),
        ]
        targets = [
            ("ceiling: trivial JSON", servers[0], "/ping", {}),
            ("floor: Flask + SQLAlchemy, 50 rows", servers[1], "/jobs?limit=50", {}),
            ("AdFlux GET /api/v1/jobs?limit=50", servers[2], "/api/v1/jobs?limit=50", auth),
        ]
        for _label, server, path, headers in targets:
            wait_up(server, path, headers)
        floor_rows = httpx.get(servers[1].base_url + "/jobs?limit=50").json()
        adflux_rows = httpx.get(servers[2].base_url + targets[2][2], headers=auth).json()
        assert len(floor_rows) == len(adflux_rows["items"]) == 50
        assert [r["id"] for r in floor_rows] == [r["id"] for r in adflux_rows["items"]]

        results = {label: [] for label, *_ in targets}
        for _round in range(args.rounds):
            for label, server, path, headers in targets:
                url = server.base_url + path
                wrk(url, connections=args.connections, seconds=2, headers=headers)  # warm-up
                result = wrk(
                    url, connections=args.connections, seconds=args.duration, headers=headers
                )
                results[label].append(result)
                rps, p99 = result.requests_per_second, result.p99_ms
                print(f"  {label}: {rps:,.0f} req/s, p99 {p99:.1f} ms")
    finally:
        for server in servers:
            server.stop()
        db.drop()

    summary = {
        label: (
            statistics.median(r.requests_per_second for r in runs),
            statistics.median(r.p99_ms for r in runs),
        )
        for label, runs in results.items()
    }
    print()
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s --latency, gunicorn {WORKERS} workers "
        f"x {args.threads} threads (gthread), median of {args.rounds} round(s)"
    )
    print(f"{'target':<40}{'req/s':>10}{'p99 ms':>10}")
    for label, (rps, p99) in summary.items():
        print(f"{label:<40}{rps:>10,.0f}{p99:>10.1f}")
    (c_rps, _), (f_rps, _), (a_rps, a_p99) = summary.values()
    print()
    print(f"AdFlux / floor:   {a_rps / f_rps:.2f}")
    print(f"AdFlux / ceiling: {a_rps / c_rps:.2f}")
    print(f"floor / ceiling:  {f_rps / c_rps:.2f}")
    verdict = "met" if a_rps >= f_rps and a_p99 < TARGET_P99_MS else "NOT met"
    print(f"target (AdFlux >= floor and p99 < {TARGET_P99_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
