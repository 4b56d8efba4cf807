"""Applications ingested per second: ``POST /api/v1/applications`` under ``adflux serve``, ~10 %
of them resent (the job site delivers at least once), next to a baseline in the same run.

Both are served with the same gunicorn settings (2 workers, gthread, 8 threads each) on a private
PostgreSQL database (``adflux seed`` plus one campaign published on the four platforms, so that
AdFlux attributes every application to an ad), and loaded by wrk with the same connections and
duration, one after the other:

- baseline: a plain Flask + SQLAlchemy endpoint doing the same work the plain way
  (bench/reference_apps.py ``applications_floor``): the job, the applicant, the campaign, its ad
  (arm) and the segment each read with its own query, then an INSERT ... ON CONFLICT DO NOTHING,
  in one transaction; no token, no schema. Both must attribute the same share of rows to an ad;
- AdFlux: ``POST /api/v1/applications`` with an ``applications`` token (auth, strict schema,
  job/candidate lookup, attribution to campaign x platform x segment, race-safe dedupe).

Every tenth request resends the application sent five requests earlier on the same wrk thread
(often still in flight on another connection: a real race). Afterwards each target's stored rows
are counted: one per distinct application, whatever the resends. Then the batch endpoint that
``adflux import-applications`` uses is timed from one client (batches of 1,000, 10 % resent).

    .venv/bin/python bench/applications_ingest.py                  # 32 connections, 10 s each
    .venv/bin/python bench/applications_ingest.py --duration 5 --rounds 3

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
from datetime import date
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository's tests/ package
sys.path.insert(0, str(BENCH))

from api_throughput import THREADS, WORKERS, gunicorn  # noqa: E402
from tests.e2e.campaigns.stack import PostgresDatabase  # noqa: E402
from tests.e2e.processes import ADFLUX, ServerProcess, clean_env, free_port  # noqa: E402

APPLIED_AT = "2026-12-03T10:00:00-05:00"
PLATFORMS = ("meta", "google", "x", "tiktok")

LUA = r"""
local prefix, job_ref, campaign = "x", "job", "0"
local counter = 0
local platforms = {"meta", "google", "x", "tiktok"}
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix, job_ref, campaign = args[1], args[2], args[3]
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local n = counter
  if counter % 10 == 0 then n = counter - 5 end  -- a resend of an earlier application
  local body = string.format(
    '{"application_id":"%s-%d-%d","job_ref":"%s","candidate_ref":null,'
    .. '"applied_at":"APPLIED_AT","utm_source":"%s","utm_medium":"paid_social",'
    .. '"utm_campaign":"adflux-%s","utm_content":"job"}',
    prefix, tid, n, job_ref, platforms[n % 4 + 1], campaign)
  return wrk.format(nil, nil, nil, body)
end
""".replace("APPLIED_AT", APPLIED_AT)


def wrk(
    url: str, script: Path, args: list[str], *, connections: int, seconds: int, headers: dict
) -> tuple[float, float, int]:
    """Requests per second, p99 latency in ms and the number of requests completed."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url, "--", *args], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], done


def publish_one_campaign(database_url: str, work: Path) -> tuple[str, int]:
    """One campaign on the first seeded job, published on every platform: (job_ref, campaign)."""
    import sqlalchemy as sa

    from adflux.app import create_app
    from adflux.campaigns.models import AdCampaign, PlatformPublication
    from adflux.config import Settings
    from adflux.extensions import db
    from adflux.jobs.models import JobOpening

    app = create_app(Settings(database_url=database_url, data_dir=work, log_level="WARNING"))
    with app.app_context():
        job = db.session.scalars(sa.select(JobOpening).order_by(JobOpening.id)).first()
        assert job is not None
        campaign = AdCampaign(
            job_id=job.id, name="bench", daily_budget_cop=50_000, start_date=date(2026, 12, 1)
        )
        db.session.add(campaign)
        db.session.flush()
        db.session.add_all(
            PlatformPublication(
                campaign_id=campaign.id, platform=p, status="published", daily_budget_cop=50_000
            )
            for p in PLATFORMS
        )
        db.session.commit()
        answer = (job.external_ref, campaign.id)
        db.session.remove()
        db.engine.dispose()
    return answer


def wait_up(server: ServerProcess, path: str, body: dict, headers: dict) -> None:
    for _ in range(300):
        if server.process.poll() is not None:
            raise SystemExit(f"server exited:\n{server.log()[-3000:]}")
        try:
            response = httpx.post(server.base_url + path, json=body, headers=headers, timeout=2)
            if response.status_code == 202:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{server.base_url}{path} never answered 202:\n{server.log()[-3000:]}")


def time_batches(base_url: str, headers: dict, job_ref: str, campaign_id: int, n: int) -> float:
    """Applications per second through /api/v1/applications/batch from one client."""
    items = []
    for i in range(n):
        k = i - 5 if i % 10 == 9 else i  # 10 % resent
        items.append(
            {
                "application_id": f"batch-{k}",
                "job_ref": job_ref,
                "candidate_ref": None,
                "applied_at": APPLIED_AT,
                "utm_source": PLATFORMS[k % 4],
                "utm_campaign": f"adflux-{campaign_id}",
                "utm_content": "job",
            }
        )
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        started = time.perf_counter()
        for start in range(0, n, 1000):
            response = client.post(
                "/api/v1/applications/batch", json={"applications": items[start : start + 1000]}
            )
            response.raise_for_status()
        return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=1, help="runs per target (median kept)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per worker")
    parser.add_argument("--batch-items", type=int, default=20_000, help="applications in batches")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with 'apt-get install -y wrk'")

    print(f"CPUs: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="adflux-bench-applications-"))
    script = work / "applications.lua"
    script.write_text(LUA)
    db = PostgresDatabase(f"adflux_bench_apps_{os.getpid()}").create()
    servers: list[ServerProcess] = []
    results: dict[str, list[tuple[float, float, int]]] = {"baseline": [], "adflux": []}
    stored: dict[str, int] = {}
    try:
        env = clean_env(DATABASE_URL=db.url, ADFLUX_DATA_DIR=str(work), ADFLUX_LOG_LEVEL="WARNING")
        for step in (["db", "upgrade"], ["seed", "--jobs", "50", "--candidates", "200"]):
            subprocess.run([str(ADFLUX), *step], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [str(ADFLUX), "token", "create", "--name", "job-site", "--role", "applications"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}
        job_ref, campaign_id = publish_one_campaign(db.url, work)

        ports = {name: free_port() for name in ("baseline", "adflux")}
        servers = [
            gunicorn(
                "reference_apps:applications_floor()",
                ports["baseline"],
                env,
                work / "baseline.log",
                args.workers,
                args.threads,
            ),
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
        probe = {"application_id": "probe", "job_ref": job_ref, "applied_at": APPLIED_AT}
        targets = [
            ("baseline", servers[0], "/applications", {}),
            ("adflux", servers[1], "/api/v1/applications", auth),
        ]
        for name, server, path, headers in targets:
            wait_up(server, path, {**probe, "application_id": f"probe-{name}"}, headers)

        for round_ in range(args.rounds):
            for name, server, path, headers in targets:
                url = server.base_url + path
                load = {"connections": args.connections, "headers": headers}
                wrk(
                    url,
                    script,
                    [f"warm{round_}{name}", job_ref, str(campaign_id)],
                    seconds=2,
                    **load,
                )
                prefix = f"r{round_}{name}"
                result = wrk(
                    url, script, [prefix, job_ref, str(campaign_id)], seconds=args.duration, **load
                )
                results[name].append(result)
                rows = db.rows(
                    "SELECT count(*), count(publication_id) FROM applications "
                    "WHERE source_id LIKE %s",
                    f"{prefix}-%",
                )[0]
                stored[prefix] = rows[0]
                # Each thread resends one in ten; requests cut off in flight at the end may or
                # may not have been stored: a margin of one per connection.
                distinct = result[2] * 0.9
                if abs(rows[0] - distinct) > args.connections + 2:
                    raise SystemExit(f"{name}: {rows[0]} rows for ~{distinct:.0f} applications")
                print(
                    f"  {name}: {result[0]:,.0f} req/s, p99 {result[1]:.1f} ms, "
                    f"{result[2]:,} requests -> {rows[0]:,} rows stored"
                    + f" ({rows[1]:,} attributed to an ad)"
                )
                if rows[1] != rows[0]:  # every application carries a code of the published ad
                    raise SystemExit(f"{name}: {rows[0] - rows[1]} rows not attributed to the ad")
        batch_rate = time_batches(servers[1].base_url, auth, job_ref, campaign_id, args.batch_items)
    finally:
        for server in servers:
            server.stop()
        db.drop()

    print()
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s --latency, gunicorn {args.workers} "
        f"workers x {args.threads} threads (gthread), 10 % resends, "
        f"median of {args.rounds} round(s)"
    )
    summary = {
        name: (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        for name, runs in results.items()
    }
    print(f"{'target':<52}{'req/s':>10}{'p99 ms':>10}")
    labels = {
        "baseline": "baseline: Flask + SQLAlchemy, a query per lookup",
        "adflux": "AdFlux POST /api/v1/applications",
    }
    for name, (rps, p99) in summary.items():
        print(f"{labels[name]:<52}{rps:>10,.0f}{p99:>10.1f}")
    print(f"{'AdFlux POST /api/v1/applications/batch (1 client)':<52}{batch_rate:>10,.0f}")
    print()
    print(f"AdFlux / baseline: {summary['adflux'][0] / summary['baseline'][0]:.2f}")
    print("resends stored once: each run's rows match its distinct applications (90 % of requests)")


if __name__ == "__main__":
    main()
