"""Job feed import: jobs per second and peak memory for a 100,000-job XML feed.

A feed of N generated jobs (datagen.job_feed: CDATA, HTML descriptions, salary text, cities with
and without accents) is written to a temporary file, then each step runs in a child process of its
own, so its peak RSS (wait4) is that step's alone:

1. parse and map only (no database): the reader's own pace, and its Python allocations
   (tracemalloc) on the tenth-size feed;
2. the first import into a fresh PostgreSQL database (every job added);
3. the same feed again (nothing changes: every job read, compared, left alone);
4. the feed without its last 1 % (a full feed: those jobs closed through the jobs service);
5. the first import of a feed a tenth the size, into another fresh database: a flat memory
   profile means the 100,000-job import peaks about where the 10,000-job one does.

    .venv/bin/python bench/feed_import.py                 # 100,000 jobs
    .venv/bin/python bench/feed_import.py --jobs 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from tests.e2e.campaigns.stack import PostgresDatabase
from tests.e2e.processes import ADFLUX, clean_env

from adflux.datagen.job_feed import write_job_feed

PYTHON = sys.executable


def child(args: argparse.Namespace) -> None:
    """One measured step, in this process: prints a JSON line with what it did."""
    import tracemalloc

    from adflux.app import create_app
    from adflux.config import Settings
    from adflux.extensions import db
    from adflux.feeds import service
    from adflux.feeds.mapping import Mapped, map_record
    from adflux.feeds.parsing import read_feed

    if args.trace:
        tracemalloc.start()
    started = time.perf_counter()  # the app is built first: interpreter and imports not counted
    if args.step == "parse":
        with open(args.feed, "rb") as stream:
            results = [isinstance(map_record(r), Mapped) for r in read_feed(stream)]
        outcome = {"jobs": len(results), "mapped": sum(results)}
    else:
        settings = Settings(database_url=args.db, data_dir=Path(args.data), log_level="WARNING")
        app = create_app(settings)
        started = time.perf_counter()
        with app.app_context(), open(args.feed, "rb") as stream:
            report = service.import_feed(
                db_session=db.session, stream=stream, source=Path(args.feed).name
            )
            outcome = {
                "jobs": report.jobs_read,
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "closed": report.closed,
                "refused": report.refused,
            }
    outcome["seconds"] = time.perf_counter() - started
    if args.trace:
        outcome["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps(outcome))


def measured(*args: str) -> tuple[dict[str, float], float]:
    """Run this script as a child step: (what it printed, its own peak RSS in MB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        command = [PYTHON, __file__, "--child", *args]
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=clean_env())
        _pid, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"step {args} failed:\n{err.read()[-3000:]}")
        out.seek(0)
        return json.loads(out.read().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def write_feed(path: Path, n_jobs: int) -> float:
    started = time.perf_counter()
    with path.open("wb") as out:
        write_job_feed(out, n_jobs=n_jobs)
    return time.perf_counter() - started


def fresh_database(name: str) -> PostgresDatabase:
    database = PostgresDatabase(f"{name}_{os.getpid()}")
    database.create()
    env = clean_env(DATABASE_URL=database.url, ADFLUX_LOG_LEVEL="WARNING")
    subprocess.run([str(ADFLUX), "db", "upgrade"], env=env, check=True, capture_output=True)
    return database


def report(label: str, outcome: dict[str, float], peak_mb: float) -> None:
    rate = outcome["jobs"] / outcome["seconds"]
    counts = ", ".join(
        f"{name} {int(outcome[name]):,}"
        for name in ("added", "updated", "unchanged", "closed", "refused")
        if name in outcome
    )
    python = (
        f", Python peak {outcome['python_peak_mb']:.1f} MB" if "python_peak_mb" in outcome else ""
    )
    print(
        f"  {label:<34} {int(outcome['jobs']):>8,} jobs {outcome['seconds']:7.1f} s "
        f"{rate:>9,.0f} jobs/s  peak RSS {peak_mb:6.0f} MB{python}  {counts}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--step", default="import", help=argparse.SUPPRESS)
    parser.add_argument("--feed", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average at start: {load} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        full, shorter, small = folder / "feed.xml", folder / "feed-99.xml", folder / "feed-10.xml"
        seconds = write_feed(full, args.jobs)
        write_feed(shorter, args.jobs - args.jobs // 100)
        write_feed(small, args.jobs // 10)
        size_mb = full.stat().st_size / 2**20
        print(f"feed: {args.jobs:,} jobs, {size_mb:.0f} MB of XML (written in {seconds:.1f} s)")

        report("parse + map (no database)", *measured("--step", "parse", "--feed", str(full)))
        # tracemalloc slows Python ten times: traced on the tenth-size feed, whose peak the full
        # feed's matches (tests/unit/feeds/test_parsing.py checks 100,000 jobs under 4 MB).
        report(
            f"parse + map {args.jobs // 10:,}, traced",
            *measured("--step", "parse", "--feed", str(small), "--trace"),
        )
        database = fresh_database("adflux_bench_feed")
        small_db = fresh_database("adflux_bench_feed_small")
        try:
            common = ("--db", database.url, "--data", str(folder / "data"))
            report("first import (PostgreSQL)", *measured("--feed", str(full), *common))
            report("same feed again", *measured("--feed", str(full), *common))
            report("1 % dropped (full feed)", *measured("--feed", str(shorter), *common))
            small_common = ("--db", small_db.url, "--data", str(folder / "data"))
            report(
                f"first import, {args.jobs // 10:,} jobs",
                *measured("--feed", str(small), *small_common),
            )
        finally:
            database.drop()
            small_db.drop()


if __name__ == "__main__":
    main()
