"""Segmentation end to end on PostgreSQL: candidates read from the database, features, k selection
over 2..10, final fit, profiles, artefact, memberships written back and the run activated.

1. A fresh database, migrated and seeded with N candidates by the seeding service (not timed),
   then ANALYZE, as autovacuum would do after such a load.
2. Each training in a child process of its own, for its own wall time and peak RSS: the service's
   ``create_run`` + ``run_training``, exactly what the worker's task runs. The first training has
   no previous run; the next ones also compare their segments with the active run's (adjusted
   Rand index over the contingency table the database counts).
3. Checks: every candidate has exactly one membership in the new run; the active run is the last.

Targets (issue #3): under 60 s and under 2 GB for 1,000,000 candidates on a 2-core machine.

    .venv/bin/python bench/segmentation_db.py                      # 1,000,000 candidates
    .venv/bin/python bench/segmentation_db.py --rows 100000 --trainings 1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from bench.seed_throughput import run_measured
from tests.e2e.campaigns.stack import PostgresDatabase
from tests.e2e.processes import clean_env

TARGET_SECONDS = 60
TARGET_PEAK_MB = 2_048
K_RANGE = (2, 10)
N_JOBS = 10
PHASES = (
    ("read", "read candidates from PostgreSQL (COPY)"),
    ("train_features", "  features + sparse design matrix"),
    ("train_selection", "  k selection 2..10 on a sample"),
    ("train_final_fit", "  final fit on all rows"),
    ("train_projection_and_metrics", "  projection + chosen-k metrics"),
    ("train", "train (all of the above)"),
    ("profiles", "profiles of the segments"),
    ("artifact", "artefact (joblib + manifest)"),
    ("memberships", "memberships written back (COPY)"),
    ("agreement", "ARI vs the previous active run"),
)
TOP_LEVEL = ("read", "train", "profiles", "artifact", "memberships", "agreement")


def seed(db: PostgresDatabase, rows: int, data_dir: Path) -> float:
    """Migrate and seed through the seeding service; returns the seconds it took (not timed)."""
    from adflux.app import create_app
    from adflux.config import Settings
    from adflux.database import upgrade_schema
    from adflux.datagen import service as datagen
    from adflux.extensions import db as sql

    settings = Settings(database_url=db.url, data_dir=data_dir, log_level="WARNING")
    app = create_app(settings)
    with app.app_context():
        upgrade_schema()
        result = datagen.seed(n_jobs=N_JOBS, n_candidates=rows, seed=42, personas=6)
        sql.session.remove()
        sql.engine.dispose()
    db.execute("ANALYZE")
    return result.seconds


def child() -> None:
    """One training as the worker runs it; prints a JSON line with what it measured."""
    from adflux.app import create_app
    from adflux.context import acting_as
    from adflux.extensions import db
    from adflux.segmentation import service

    started = time.perf_counter()
    app = create_app()
    with app.app_context(), acting_as("bench"):
        run = service.create_run(db_session=db.session, k_range=K_RANGE)
        trained_at = time.perf_counter()
        trained = service.run_training(db_session=db.session, run_id=run.id)
        finished = time.perf_counter()
        assert trained is not None and trained.status == "succeeded", trained
        compared = (trained.metrics or {}).get("vs_previous") or {}
        print(
            json.dumps(
                {
                    "run_id": trained.id,
                    "k": trained.k,
                    "candidates": trained.candidate_count,
                    "timings": trained.timings,
                    "run_training_s": finished - trained_at,
                    "process_s": finished - started,
                    "ari_vs_previous": compared.get("adjusted_rand_index"),
                }
            )
        )


def check(db: PostgresDatabase, run_id: int, rows: int) -> None:
    (members, distinct) = db.rows(
        "SELECT count(*), count(DISTINCT candidate_id) FROM segment_memberships WHERE run_id = %s",
        run_id,
    )[0]
    (active,) = db.rows("SELECT id FROM segmentation_runs WHERE is_active")[0]
    assert members == distinct == rows, (members, distinct, rows)
    assert active == run_id, (active, run_id)


def report(result: dict[str, Any], wall: float, peak_mb: float) -> None:
    timings = result["timings"]
    for key, label in PHASES:
        if key in timings:
            print(f"    {label:<42}{timings[key]:>8.1f} s")
    other = result["run_training_s"] - sum(timings.get(key, 0.0) for key in TOP_LEVEL)
    print(f"    {'other: counts, commits, activation':<42}{other:>8.1f} s")
    print(f"    {'run_training, all steps + activation':<42}{result['run_training_s']:>8.1f} s")
    print(f"    {'child process (start, imports, app)':<42}{wall:>8.1f} s")
    print(f"    {'peak RSS of the child':<42}{peak_mb:>8,.0f} MB")
    ari = result["ari_vs_previous"]
    print(
        f"    chosen k={result['k']} over {result['candidates']:,} candidates; "
        f"ARI vs previous run: {'-' if ari is None else f'{ari:.4f}'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="candidates to seed")
    parser.add_argument("--trainings", type=int, default=2, help="trainings one after the other")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return

    print(f"CPUs: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    data_dir = Path(tempfile.mkdtemp(prefix="adflux-bench-segdb-"))
    db = PostgresDatabase(f"adflux_bench_segdb_{os.getpid()}").create()
    verdicts = []
    try:
        print(f"seeding {args.rows:,} candidates with the seeding service (not timed)…")
        print(f"  seeded in {seed(db, args.rows, data_dir):.1f} s")
        env = clean_env(
            DATABASE_URL=db.url, ADFLUX_DATA_DIR=str(data_dir), ADFLUX_LOG_LEVEL="WARNING"
        )
        for number in range(1, args.trainings + 1):
            print(f"training {number} (load average {os.getloadavg()[0]:.1f}):")
            wall, peak_mb, out = run_measured([sys.executable, __file__, "--child"], env=env)
            result = json.loads(out.strip().splitlines()[-1])
            check(db, result["run_id"], args.rows)
            report(result, wall, peak_mb)
            verdicts.append((result["run_training_s"], peak_mb))
    finally:
        db.drop()
    print()
    for number, (seconds, peak_mb) in enumerate(verdicts, 1):
        ok_time = seconds < TARGET_SECONDS
        ok_peak = peak_mb < TARGET_PEAK_MB
        print(
            f"training {number}: {seconds:.1f} s (target < {TARGET_SECONDS} s: "
            f"{'met' if ok_time else 'NOT met'}), peak {peak_mb:,.0f} MB "
            f"(target < {TARGET_PEAK_MB:,} MB: {'met' if ok_peak else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
