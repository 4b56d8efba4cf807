"""Seeding the database with simulated Colombian jobs and candidates."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.candidates.models import Candidate
from adflux.datagen.generator import generate_jobs, iter_candidate_chunks
from adflux.datagen.loader import load_rows
from adflux.extensions import db
from adflux.jobs.models import JobOpening

CHUNK_SIZE = 50_000


@dataclass(frozen=True)
class SeedResult:
    jobs_inserted: int
    candidates_inserted: int
    seconds: float

    @property
    def candidates_per_second(self) -> float:
        return self.candidates_inserted / self.seconds if self.seconds else 0.0


def seed(
    *,
    n_jobs: int,
    n_candidates: int,
    seed: int = 42,
    personas: int = 6,
    on_jobs: Callable[[int], None] | None = None,
    on_candidates: Callable[[int], None] | None = None,
) -> SeedResult:
    """Generate and load rows in one transaction; existing external refs are left untouched."""
    started = time.perf_counter()
    # The session's own connection: rows, audit entry and commit form one transaction.
    connection = db.session.connection()
    jobs = generate_jobs(n_jobs, seed=seed)
    job_columns = {name: [job[name] for job in jobs] for name in jobs[0]} if jobs else {}
    jobs_inserted = load_rows(
        connection, JobOpening.__table__, [job_columns] if jobs else [], on_progress=on_jobs
    )
    candidates_inserted = load_rows(
        connection,
        Candidate.__table__,
        iter_candidate_chunks(n_candidates, seed=seed, personas=personas, chunk_size=CHUNK_SIZE),
        on_progress=on_candidates,
    )
    audit.record(
        db_session=db.session,
        action="data.seed",
        entity_type="dataset",
        entity_id=None,
        details={
            "jobs": jobs_inserted,
            "candidates": candidates_inserted,
            "seed": seed,
            "personas": personas,
        },
    )
    db.session.commit()
    return SeedResult(jobs_inserted, candidates_inserted, time.perf_counter() - started)


def is_empty() -> bool:
    """True when there are no job openings and no candidates yet."""
    jobs = db.session.scalar(sa.select(sa.func.count()).select_from(JobOpening))
    candidates = db.session.scalar(sa.select(sa.func.count()).select_from(Candidate))
    return not jobs and not candidates
