"""Seeding throughput: ``adflux seed`` end to end against baselines measured in the same run.

1. ``adflux seed --candidates N`` into a fresh PostgreSQL database, as a user runs it (a child
   process: interpreter start, app, generation, COPY, commit): wall time and peak RSS;
2. the server's ceiling: the very same rows, exported with ``psql \\copy ... TO``, loaded with
   ``psql \\copy ... FROM`` into an identical empty table (same indexes and constraints), and
   into a table without any index (what the indexes cost);
3. the ORM path, ``session.add_all`` + commit, on a sample of the same generated rows, in a child
   process of its own (for its peak RSS);
4. ``adflux seed`` into a fresh SQLite file.

    .venv/bin/python bench/seed_throughput.py                 # 1,000,000 candidates
    .venv/bin/python bench/seed_throughput.py --rows 100000 --orm-rows 10000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from tests.e2e.campaigns.stack import PostgresDatabase
from tests.e2e.processes import ADFLUX, clean_env

TARGET_ROWS_PER_SECOND = 200_000
TARGET_PEAK_MB = 1_500
N_JOBS = 300
COPY_COLUMNS = (
    "external_ref, full_name, email, phone, age, city, department, education_level, "
    "years_experience, area, desired_salary_cop, remote_preference, languages, skills, "
    "last_active_at, marketing_consent, persona, created_at, updated_at"
)


@dataclass(frozen=True)
class Measure:
    label: str
    rows: int
    seconds: float
    peak_mb: float | None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def run_measured(command: list[str], *, env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child to completion: (wall seconds, its own peak RSS in MB, its stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        # wait4 reports this child's own resource usage (ru_maxrss in KiB on Linux).
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(
                f"{' '.join(command)} failed ({process.returncode}):\n{err.read()[-3000:]}"
            )
        return seconds, usage.ru_maxrss / 1024, out.read()


def adflux(*args: str, env: dict[str, str]) -> tuple[float, float, str]:
    return run_measured([str(ADFLUX), *args], env=env)


def seed_postgres(db: PostgresDatabase, rows: int) -> Measure:
    env = clean_env(DATABASE_URL=db.url, ADFLUX_LOG_LEVEL="WARNING")
    adflux("db", "upgrade", env=env)
    seconds, peak, out = adflux("seed", "--jobs", str(N_JOBS), "--candidates", str(rows), env=env)
    print(f"  adflux says: {out.strip().splitlines()[-1]}")
    (count,) = db.rows("SELECT count(*) FROM candidates")[0]
    assert count == rows, f"{count} rows in the database, expected {rows}"
    return Measure("adflux seed -> PostgreSQL (end to end)", rows, seconds, peak)


def copy_ceiling(db: PostgresDatabase, rows: int, work: Path) -> list[Measure]:
    """psql's \\copy of the very rows the seed wrote, into an identical empty table.

    Also into a table with no index or constraint at all, to show what the indexes cost.
    """
    dump = work / "candidates.tsv"
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db.dsn]
    subprocess.run(
        [*psql, "-c", f"\\copy (SELECT {COPY_COLUMNS} FROM candidates ORDER BY id) TO '{dump}'"],
        check=True,
    )
    print(f"  exported {dump.stat().st_size / 1e6:,.0f} MB of COPY text")
    measures = []
    for table, like, label in (
        # INCLUDING ALL: the same indexes, unique constraint, checks and defaults.
        ("candidates_ceiling", "INCLUDING ALL", "psql \\copy, same rows, same indexes (ceiling)"),
        ("candidates_bare", "INCLUDING DEFAULTS", "psql \\copy, same rows, no index at all"),
    ):
        db.execute(f"CREATE TABLE {table} (LIKE candidates {like})")
        started = time.perf_counter()
        subprocess.run([*psql, "-c", f"\\copy {table} ({COPY_COLUMNS}) FROM '{dump}'"], check=True)
        seconds = time.perf_counter() - started
        (count,) = db.rows(f"SELECT count(*) FROM {table}")[0]
        assert count == rows
        measures.append(Measure(label, rows, seconds, None))
    dump.unlink()
    return measures


def orm_baseline(rows: int) -> Measure:
    db = PostgresDatabase(f"adflux_bench_orm_{os.getpid()}").create()
    try:
        env = clean_env(DATABASE_URL=db.url, ADFLUX_LOG_LEVEL="WARNING")
        adflux("db", "upgrade", env=env)
        command = [sys.executable, __file__, "--orm-child", str(rows)]
        _wall, peak, out = run_measured(command, env=env)
        seconds = float(out.strip().splitlines()[-1])
    finally:
        db.drop()
    return Measure(f"ORM session.add_all ({rows:,}-row sample)", rows, seconds, peak)


def orm_child(rows: int) -> None:
    """Generate the same candidates and insert them the ORM way; prints the seconds taken."""
    from adflux.app import create_app
    from adflux.candidates.models import Candidate
    from adflux.datagen import CANDIDATE_COLUMNS, candidate_records, generate_candidates
    from adflux.extensions import db

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        columns = generate_candidates(rows, seed=42)
        objects = [
            Candidate(**dict(zip(CANDIDATE_COLUMNS, record, strict=True)))
            for record in candidate_records(columns)
        ]
        for obj in objects:  # JSON columns take lists
            obj.languages, obj.skills = list(obj.languages), list(obj.skills)
        db.session.add_all(objects)
        db.session.commit()
        print(time.perf_counter() - started)


def seed_sqlite(rows: int, work: Path) -> Measure:
    env = clean_env(ADFLUX_DATA_DIR=str(work / "sqlite"), ADFLUX_LOG_LEVEL="WARNING")
    adflux("db", "upgrade", env=env)
    seconds, peak, out = adflux("seed", "--jobs", str(N_JOBS), "--candidates", str(rows), env=env)
    print(f"  adflux says: {out.strip().splitlines()[-1]}")
    return Measure("adflux seed -> SQLite (end to end)", rows, seconds, peak)


def report(measures: list[Measure]) -> None:
    print()
    print(f"{'path':<52}{'rows':>11}{'seconds':>10}{'rows/s':>11}{'peak MB':>10}")
    for m in measures:
        peak = f"{m.peak_mb:,.0f}" if m.peak_mb is not None else "-"
        print(f"{m.label:<52}{m.rows:>11,}{m.seconds:>10.1f}{m.rows_per_second:>11,.0f}{peak:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="candidates to seed")
    parser.add_argument("--orm-rows", type=int, default=50_000, help="ORM sample size")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--orm-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.orm_child:
        orm_child(args.orm_child)
        return

    print(f"CPUs: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="adflux-bench-seed-"))
    db = PostgresDatabase(f"adflux_bench_seed_{os.getpid()}").create()
    measures = []
    try:
        print(f"1. adflux seed --candidates {args.rows:,} into PostgreSQL")
        seed = seed_postgres(db, args.rows)
        measures.append(seed)
        print("2. psql \\copy of the same rows (ceiling)")
        ceiling, bare = copy_ceiling(db, args.rows, work)
        measures += [ceiling, bare]
    finally:
        db.drop()
    print(f"3. ORM add_all on {args.orm_rows:,} rows")
    orm = orm_baseline(args.orm_rows)
    measures.append(orm)
    if not args.skip_sqlite:
        print(f"4. adflux seed --candidates {args.rows:,} into SQLite")
        measures.append(seed_sqlite(args.rows, work))
    report(measures)

    print()
    print(f"seed / COPY ceiling: {seed.rows_per_second / ceiling.rows_per_second:.2f}")
    print(f"seed / COPY without indexes: {seed.rows_per_second / bare.rows_per_second:.2f}")
    print(f"seed / ORM add_all:  {seed.rows_per_second / orm.rows_per_second:.1f}x")
    ok_rate = seed.rows_per_second >= TARGET_ROWS_PER_SECOND
    ok_peak = seed.peak_mb is not None and seed.peak_mb < TARGET_PEAK_MB
    print(
        f"target >= {TARGET_ROWS_PER_SECOND:,} rows/s: {'met' if ok_rate else 'NOT met'}; "
        f"peak < {TARGET_PEAK_MB:,} MB: {'met' if ok_peak else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
