"""A job's own audience on PostgreSQL at scale: ranking N candidates for each job in the database
(targeting.people), against reading every consenting candidate of the job's area into Python and
scoring them there, measured in the same run on the same data.

1. A fresh database, migrated and seeded with ROWS candidates by the seeding service (not
   timed), then ANALYZE.
2. For each seeded job: `rank_candidates(limit=1000)`, `job_audience_preview(size=1000)` (the
   ranking aggregated, plus the age check), and the contacts of the 50,000 most likely (what an
   upload of the largest size reads); and the Python baseline for the same job, whose ranking must
   equal the database's (same ids in the same order).

    .venv/bin/python bench/job_audience.py                  # 100,000 candidates
    .venv/bin/python bench/job_audience.py --rows 20000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from tests.e2e.campaigns.stack import PostgresDatabase

N_JOBS = 10
LIMIT = 1_000
LARGEST = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    database = PostgresDatabase("adflux_bench_job_audience").create()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(database, args.rows, Path(tmp))
    finally:
        database.drop()


def run(database: PostgresDatabase, rows: int, data_dir: Path) -> None:
    import sqlalchemy as sa

    from adflux.app import create_app
    from adflux.audiences.service import job_audience_contacts
    from adflux.candidates.models import Candidate
    from adflux.config import Settings
    from adflux.database import upgrade_schema
    from adflux.datagen import service as datagen
    from adflux.extensions import db
    from adflux.jobs.models import JobOpening
    from adflux.targeting import fit, people, service

    app = create_app(Settings(database_url=database.url, data_dir=data_dir, log_level="WARNING"))
    with app.app_context():
        upgrade_schema()
        seeded = datagen.seed(n_jobs=N_JOBS, n_candidates=rows, seed=42, personas=6)
        database.execute("ANALYZE")
        print(f"seeded {rows:,} candidates and {N_JOBS} jobs in {seeded.seconds:.1f} s (not timed)")
        timings: dict[str, list[float]] = {"rank": [], "preview": [], "contacts": [], "python": []}
        for job in db.session.scalars(sa.select(JobOpening).order_by(JobOpening.id)).all():
            started = time.perf_counter()
            ranked = people.rank_candidates(db_session=db.session, job_id=job.id, limit=LIMIT)
            timings["rank"].append(time.perf_counter() - started)

            started = time.perf_counter()
            people.job_audience_preview(db_session=db.session, job_id=job.id, size=LIMIT)
            timings["preview"].append(time.perf_counter() - started)

            started = time.perf_counter()
            job_audience_contacts(db_session=db.session, job_id=job.id, size=LARGEST)
            timings["contacts"].append(time.perf_counter() - started)

            started = time.perf_counter()
            baseline = python_ranking(db.session, service.terms_of(job), fit, Candidate)
            timings["python"].append(time.perf_counter() - started)
            assert [f.candidate_id for f in ranked] == baseline[:LIMIT], job.id
        db.session.remove()
        db.engine.dispose()
    python = median(timings["python"])
    for name, label in (
        ("rank", f"rank_candidates(limit={LIMIT:,})"),
        ("preview", f"job_audience_preview(size={LIMIT:,}) incl. age check"),
        ("contacts", f"contacts of the {LARGEST:,} most likely"),
        ("python", "baseline: every consenting candidate of the area scored in Python"),
    ):
        value = median(timings[name])
        print(f"{label:<70} median {value * 1000:8.1f} ms  ({python / value:5.1f}x the baseline)")


def python_ranking(session, terms, fit, Candidate) -> list[int]:  # type: ignore[no-untyped-def]
    """The same score computed row by row in Python: the ids best first, ties by id."""
    rows = session.execute(
        __import__("sqlalchemy")
        .select(
            Candidate.id,
            Candidate.city,
            Candidate.remote_preference,
            Candidate.years_experience,
            Candidate.desired_salary_cop,
            Candidate.education_level,
        )
        .where(Candidate.marketing_consent.is_(True), Candidate.area == terms.area)
    ).all()
    low, high = fit.SENIORITY_YEARS[terms.seniority]
    levels = set(fit.educations_meeting(terms.min_education))
    weights = {"experience": fit.SECONDARY_WEIGHTS["experience"]}
    if terms.offer_cop is not None:
        weights["salary"] = fit.SECONDARY_WEIGHTS["salary"]
    if terms.min_education is not None:
        weights["education"] = fit.SECONDARY_WEIGHTS["education"]
    total = sum(weights.values())
    scored = []
    for cid, city, remote, years, desired, education in rows:
        if terms.remote:
            place = fit.REMOTE_REACH.get(remote, 0.0)
        else:
            place = 1.0 if city in terms.near_cities else 0.0
        if place <= 0:
            continue
        met = {
            "experience": years is None or (years >= low and (high is None or years < high)),
            "salary": desired is None or desired <= (terms.offer_cop or 0),
            "education": education in levels,
        }
        secondary = sum(w * met[k] for k, w in weights.items()) / total
        score = place * (fit.SECONDARY_FLOOR + (1 - fit.SECONDARY_FLOOR) * secondary)
        scored.append((-round(score, 9), cid))
    return [cid for _score, cid in sorted(scored)]


if __name__ == "__main__":
    main()
