"""Seeding through the real service into PostgreSQL (COPY) and SQLite (batched inserts)."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from adflux.audit.models import AuditLog
from adflux.candidates.models import Candidate
from adflux.datagen import CANDIDATE_COLUMNS, JOB_COLUMNS, candidate_records, generate_jobs
from adflux.datagen.generator import generate_candidates
from adflux.datagen.service import seed
from adflux.extensions import db
from adflux.jobs.models import JobOpening

N_JOBS, N_CANDIDATES, SEED = 40, 2_000, 11
# The 2018 census's largest cities: with population-weighted draws they must all show up.
LARGEST_CITIES = {"Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena"}
SMMLV_2025 = 1_423_500  # the legal monthly minimum wage: no salary may be below it
MOBILE = re.compile(r"^3\d{2} \d{3} \d{4}$")


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def backend(request: pytest.FixtureRequest) -> Flask:
    """The PostgreSQL app (rolled back after the test) or a fresh, migrated SQLite file."""
    return request.getfixturevalue("app" if request.param == "postgres" else "sqlite_app")


def _count(model: type) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _candidates() -> list[Candidate]:
    return list(db.session.scalars(sa.select(Candidate).order_by(Candidate.external_ref)))


def _as_record(row: Any, columns: tuple[str, ...]) -> tuple[Any, ...]:
    values = []
    for name in columns:
        value = getattr(row, name)
        values.append(tuple(value) if isinstance(value, list) else value)
    return tuple(values)


def _expected_candidates(n: int, seed_value: int) -> list[tuple[Any, ...]]:
    rows = candidate_records(generate_candidates(n, seed=seed_value))
    return [tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows]


def test_counts_and_audit_entry(backend: Flask) -> None:
    result = seed(n_jobs=N_JOBS, n_candidates=N_CANDIDATES, seed=SEED)
    assert (result.jobs_inserted, result.candidates_inserted) == (N_JOBS, N_CANDIDATES)
    assert (_count(JobOpening), _count(Candidate)) == (N_JOBS, N_CANDIDATES)
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "data.seed")).one()
    assert entry.details["candidates"] == N_CANDIDATES
    assert entry.details["seed"] == SEED


def test_rerunning_adds_nothing_and_a_bigger_run_adds_only_the_new_rows(backend: Flask) -> None:
    seed(n_jobs=N_JOBS, n_candidates=N_CANDIDATES, seed=SEED)
    before = {c.external_ref: c.id for c in _candidates()}

    again = seed(n_jobs=N_JOBS, n_candidates=N_CANDIDATES, seed=SEED)
    assert (again.jobs_inserted, again.candidates_inserted) == (0, 0)
    assert (_count(JobOpening), _count(Candidate)) == (N_JOBS, N_CANDIDATES)

    bigger = seed(n_jobs=N_JOBS + 5, n_candidates=N_CANDIDATES + 300, seed=SEED)
    assert (bigger.jobs_inserted, bigger.candidates_inserted) == (5, 300)
    after = {c.external_ref: c.id for c in _candidates()}
    assert len(after) == N_CANDIDATES + 300
    # The rows already there were left alone, not replaced.
    assert all(after[ref] == row_id for ref, row_id in before.items())


def test_stored_rows_are_exactly_the_generated_rows_of_that_seed(backend: Flask) -> None:
    seed(n_jobs=N_JOBS, n_candidates=N_CANDIDATES, seed=SEED)
    stored = [_as_record(c, CANDIDATE_COLUMNS) for c in _candidates()]
    assert stored == _expected_candidates(N_CANDIDATES, SEED)
    assert stored != _expected_candidates(N_CANDIDATES, SEED + 1)

    jobs = db.session.scalars(sa.select(JobOpening).order_by(JobOpening.external_ref))
    expected_jobs = [
        tuple(tuple(v) if isinstance(v, list) else v for v in (job[c] for c in JOB_COLUMNS))
        for job in generate_jobs(N_JOBS, seed=SEED)
    ]
    assert [_as_record(job, JOB_COLUMNS) for job in jobs] == expected_jobs


def test_data_looks_colombian_and_plausible(backend: Flask) -> None:
    seed(n_jobs=N_JOBS, n_candidates=N_CANDIDATES, seed=SEED)
    candidates = _candidates()

    cities = Counter(c.city for c in candidates)
    assert set(cities) >= LARGEST_CITIES
    assert cities.most_common(1)[0][0] == "Bogotá"
    departments = {c.city: c.department for c in candidates}
    assert departments["Medellín"] == "Antioquia"
    assert departments["Cali"] == "Valle del Cauca"

    salaries = [c.desired_salary_cop for c in candidates if c.desired_salary_cop is not None]
    assert 0.9 * N_CANDIDATES < len(salaries) < N_CANDIDATES  # a few are missing on purpose
    assert min(salaries) >= SMMLV_2025
    assert max(salaries) <= 60_000_000
    assert 1_800_000 <= statistics.median(salaries) <= 8_000_000

    consent = sum(c.marketing_consent for c in candidates) / len(candidates)
    assert 0.7 <= consent <= 0.95
    assert all(c.persona for c in candidates)
    assert len({c.persona for c in candidates}) == 6  # the default number of personas
    assert all(14 <= c.age <= 100 for c in candidates)
    assert all(MOBILE.match(c.phone) for c in candidates)
    assert len({c.email for c in candidates}) == len(candidates)
    assert all("es" in c.languages for c in candidates)

    jobs = list(db.session.scalars(sa.select(JobOpening)))
    assert all(j.currency == "COP" for j in jobs)
    assert all(SMMLV_2025 <= j.salary_min_cop <= j.salary_max_cop for j in jobs)
    assert all(j.title and len(j.description) > 100 for j in jobs)


def test_json_columns_are_lists_and_timestamps_are_aware_utc(backend: Flask) -> None:
    seed(n_jobs=N_JOBS, n_candidates=200, seed=SEED)
    db.session.expire_all()  # read back from the database, not from objects in memory
    candidate = db.session.scalars(sa.select(Candidate).order_by(Candidate.id)).first()
    job = db.session.scalars(sa.select(JobOpening).order_by(JobOpening.id)).first()
    assert candidate is not None and job is not None
    for value in (candidate.languages, candidate.skills, job.skills):
        assert isinstance(value, list) and value
        assert all(isinstance(item, str) for item in value)
    for stamp in (candidate.created_at, candidate.updated_at, candidate.last_active_at):
        assert stamp.tzinfo is not None
        assert stamp.utcoffset() == timedelta(0)
    assert candidate.created_at.astimezone(UTC).year >= 2025
    # Numbers keep their types through COPY / executemany.
    assert isinstance(candidate.age, int)
    assert candidate.years_experience is None or not math.isnan(candidate.years_experience)
