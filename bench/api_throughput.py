"""API throughput: AdFlux's list endpoints under gunicorn, each next to a reference doing its work.

Every target is served by gunicorn with the same settings (those of ``adflux serve``: gthread, a
listening socket per worker, unless ``--workers``/``--threads`` say otherwise) on a private
PostgreSQL database (``adflux seed``, 60 campaigns of four publications, 30 days of their
figures), and loaded by wrk with the same connections and duration, the reference and AdFlux
in turn for each endpoint, in each round (reference, AdFlux, AdFlux, reference, for half the
duration each, so that a drift of the machine's speed weighs on both alike):

- ceiling: a trivial Flask JSON endpoint (bench/reference_apps.py ``ceiling``);
- reference: ``reference_apps:floor()``, a plain Flask + SQLAlchemy app answering the same JSON
  document (checked equal before the load) with no token, no validation and no schemas;
- AdFlux: ``adflux serve`` with a bearer token (auth, query validation, schemas, the total).

Endpoints: ``jobs``, ``candidates`` (personal data masked), ``campaigns`` (with publications, arms
and warnings) and ``results`` (by campaign and platform), 50 rows a page. The ratio AdFlux /
reference is taken per round (the sum of AdFlux's two runs over the reference's two) and its
median printed; the req/s and p99 printed are the medians of all runs; then each AdFlux
endpoint is loaded once at ``--burst`` connections (128) and must answer without an error.

    .venv/bin/python bench/api_throughput.py                   # 32 connections, 10 s a side a round
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
from datetime import date
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository's tests/ package

from tests.e2e.campaigns.stack import PostgresDatabase  # noqa: E402
from tests.e2e.processes import ADFLUX, ServerProcess, clean_env, free_port  # noqa: E402

GUNICORN = ADFLUX.parent / "gunicorn"
# adflux serve's defaults on this 2-core machine (cli/serve.py: a worker per CPU, 4 threads).
WORKERS = 2
THREADS = 4
TARGET_RATIO = 1.3
TARGET_P99_MS = 50.0
DAY1 = date(2026, 11, 1)


@dataclass(frozen=True)
class Result:
    label: str
    requests_per_second: float
    p99_ms: float
    errors: int = 0  # non-2xx answers, and requests that failed or took over TIMEOUT


# wrk's own default (2 s) counts a slow answer as a socket error; the heavy pages (campaigns,
# results) take longer than that at 32 connections on a loaded machine, on both sides.
TIMEOUT = "10s"


def wrk(
    url: str, *, connections: int, seconds: int, headers: dict[str, str], strict: bool = True
) -> Result:
    """One wrk run; ``strict``: any error ends the benchmark (else it is counted)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", TIMEOUT]
    command += ["--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = (int(failed.group(1)) if failed else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    if errors and strict:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return Result(url, rps, p99, errors)


def gunicorn(
    spec: str, port: int, env: dict[str, str], log: Path, workers: int, threads: int
) -> ServerProcess:
    command = [
        str(GUNICORN),
        "--chdir",
        str(BENCH),
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--reuse-port",  # as adflux serve (server.py): connections spread evenly over workers
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        spec,
    ]
    url = f"http://127.0.0.1:{port}"
    return ServerProcess.start(command, env=env, base_url=url, log_path=log, cwd=BENCH)


def first_difference(ours: object, theirs: object, where: str = "") -> str:
    """Where two JSON documents first differ, as a path and the two values."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            if ours.get(key, "<missing>") != theirs.get(key, "<missing>"):
                return first_difference(
                    ours.get(key, "<missing>"), theirs.get(key, "<missing>"), f"{where}.{key}"
                )
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if a != b:
                return first_difference(a, b, f"{where}[{i}]")
    return f"{where or 'the document'}: AdFlux {ours!r:.200}, reference {theirs!r:.200}"


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


ENDPOINTS = {
    "jobs": ("/api/v1/jobs?limit=50", "/jobs?limit=50"),
    "candidates": ("/api/v1/candidates?limit=50", "/candidates?limit=50"),
    "campaigns": ("/api/v1/campaigns?limit=50", "/campaigns?limit=50"),
    "results": (
        "/api/v1/results?by=campaign,platform&limit=50",
        "/results?by=campaign,platform&limit=50",
    ),
}


def seed_campaigns(database_url: str, work: Path, campaigns: int) -> None:
    """``campaigns`` campaigns on the first jobs, four publications each, 30 days of figures."""
    import sqlalchemy as sa

    from adflux.app import create_app
    from adflux.campaigns.models import AdCampaign, PlatformPublication
    from adflux.config import Settings
    from adflux.extensions import db
    from adflux.jobs.models import JobOpening

    app = create_app(Settings(database_url=database_url, data_dir=work, log_level="WARNING"))
    with app.app_context():
        jobs = db.session.scalars(sa.select(JobOpening).order_by(JobOpening.id).limit(campaigns))
        for job in jobs:
            campaign = AdCampaign(
                job_id=job.id, name=f"bench {job.id}", daily_budget_cop=200_000, start_date=DAY1
            )
            db.session.add(campaign)
            db.session.flush()
            db.session.add_all(
                PlatformPublication(
                    campaign_id=campaign.id, platform=p, status="published", daily_budget_cop=50_000
                )
                for p in ("meta", "google", "x", "tiktok")
            )
        db.session.execute(
            sa.text(
                "INSERT INTO campaign_metrics (publication_id, day, impressions, clicks,"
                " spend_cop, synced_at) SELECT p.id, d::date,"
                " (p.id * 7 + extract(day from d)::int * 13) % 5000,"
                " (p.id + extract(day from d)::int) % 90,"
                " (p.id * 31 + extract(day from d)::int * 101) % 60000, now()"
                " FROM platform_publications p,"
                " generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') d"
            )
        )
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--burst", type=int, default=128, help="connections of the error check")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=1, help="runs per target (median kept)")
    parser.add_argument("--jobs", type=int, default=300, help="job openings seeded")
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help="gunicorn workers, all servers"
    )
    parser.add_argument(
        "--threads", type=int, default=THREADS, help="threads per worker, all servers"
    )
    parser.add_argument("--only", nargs="*", choices=sorted(ENDPOINTS), help="these endpoints only")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with 'apt-get install -y wrk'")
    endpoints = {name: ENDPOINTS[name] for name in args.only or ENDPOINTS}

    print(f"CPUs: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="adflux-bench-api-"))
    db = PostgresDatabase(f"adflux_bench_api_{os.getpid()}").create()
    servers: list[ServerProcess] = []
    runs: dict[tuple[str, str], list[Result]] = {}
    ratios: dict[str, list[float]] = {name: [] for name in endpoints}
    burst: dict[str, Result] = {}
    try:
        env = clean_env(DATABASE_URL=db.url, ADFLUX_DATA_DIR=str(work), ADFLUX_LOG_LEVEL="WARNING")
        for step in (
            ["db", "upgrade"],
            ["seed", "--jobs", str(args.jobs), "--candidates", "1000"],
        ):
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

        ports = {name: free_port() for name in ("ceiling", "floor", "adflux")}
        settings = (args.workers, args.threads)
        ceiling, floor, adflux = servers = [
            gunicorn("reference_apps:ceiling()", ports["ceiling"], env, work / "c.log", *settings),
            gunicorn("reference_apps:floor()", ports["floor"], env, work / "f.log", *settings),
            ServerProcess.start(
                [
                    *(str(ADFLUX), "serve", "--port", str(ports["adflux"])),
                    *("--workers", str(args.workers), "--threads", str(args.threads)),
                ],
                env=env,
                base_url=f"http://127.0.0.1:{ports['adflux']}",
                log_path=work / "adflux.log",
                cwd=work,
            ),
        ]
        wait_up(ceiling, "/ping", {})
        for name, (ours, theirs) in endpoints.items():
            wait_up(floor, theirs, {})
            wait_up(adflux, ours, auth)
            answer = httpx.get(adflux.base_url + ours, headers=auth).json()
            reference = httpx.get(floor.base_url + theirs).json()
            assert len(answer["items"]) == 50, (name, answer["total"])
            if answer != reference:
                raise SystemExit(
                    f"{name}: the reference answers another document than AdFlux: "
                    + first_difference(answer, reference)
                )

        def load(key: tuple[str, str], url: str, headers: dict[str, str], seconds: int) -> Result:
            conns = args.connections
            wrk(url, connections=conns, seconds=1, headers=headers, strict=False)  # warm-up
            result = wrk(url, connections=conns, seconds=seconds, headers=headers, strict=False)
            runs.setdefault(key, []).append(result)
            rps, p99 = result.requests_per_second, result.p99_ms
            errors = f", {result.errors} errors" if result.errors else ""
            print(f"  {key[0]:<11}{key[1]:<10}{rps:>8,.0f} req/s, p99 {p99:6.1f} ms{errors}")
            return result

        # Each round loads the reference, AdFlux, AdFlux again and the reference again, for half
        # the duration each (A B B A): a machine whose speed drifts during the round (a shared
        # host's, a CPU's clock) slows both sides alike, where one run each after the other
        # put the drift into the ratio.
        half = max(1, args.duration // 2)
        for _round in range(args.rounds):
            load(("ceiling", "trivial"), ceiling.base_url + "/ping", {}, args.duration)
            for name, (ours, theirs) in endpoints.items():
                done: dict[str, float] = {"reference": 0.0, "adflux": 0.0}
                for side in ("reference", "adflux", "adflux", "reference"):
                    url, headers = (
                        (floor.base_url + theirs, {})
                        if side == "reference"
                        else (adflux.base_url + ours, auth)
                    )
                    done[side] += load((name, side), url, headers, half).requests_per_second
                ratios[name].append(done["adflux"] / done["reference"])
        for name, (ours, _theirs) in endpoints.items():
            burst[name] = wrk(
                adflux.base_url + ours,
                connections=args.burst,
                seconds=5,
                headers=auth,
                strict=False,
            )
    finally:
        for server in servers:
            server.stop()
        db.drop()

    print()
    print(
        f"wrk -t2 -c{args.connections} -d{max(1, args.duration // 2)}s --latency, reference "
        f"AdFlux AdFlux reference in each of {args.rounds} round(s), gunicorn {args.workers} "
        f"workers x {args.threads} threads (gthread); medians"
    )
    print(
        f"{'endpoint':<12}{'reference req/s':>16}{'AdFlux req/s':>14}{'ratio':>7}"
        f"{'AdFlux p99 ms':>15}{f'  {args.burst} conns':>12}"
    )
    met = True
    for name in endpoints:
        theirs = statistics.median(r.requests_per_second for r in runs[(name, "reference")])
        ours = statistics.median(r.requests_per_second for r in runs[(name, "adflux")])
        p99 = statistics.median(r.p99_ms for r in runs[(name, "adflux")])
        ratio = statistics.median(ratios[name])
        met = met and ratio >= TARGET_RATIO and p99 < TARGET_P99_MS
        print(
            f"{name:<12}{theirs:>16,.0f}{ours:>14,.0f}{ratio:>7.2f}{p99:>15.1f}{'  no errors':>12}"
        )
    ceiling_rps = statistics.median(r.requests_per_second for r in runs[("ceiling", "trivial")])
    print(f"ceiling (trivial JSON): {ceiling_rps:,.0f} req/s")
    verdict = "met" if met else "NOT met"
    print(
        f"target (every endpoint >= {TARGET_RATIO}x its reference, p99 < "
        f"{TARGET_P99_MS:.0f} ms, no errors at {args.burst} connections): {verdict}"
    )


if __name__ == "__main__":
    main()
