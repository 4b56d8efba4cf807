"""Seeding never produces two candidates with one email under the candidates' normalisation rule,
and a seeded address someone already registered is skipped, not a failure (PostgreSQL COPY and
SQLite)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import candidate_payload

from adflux.candidates import service as candidates
from adflux.candidates.models import Candidate
from adflux.datagen.generator import generate_candidates
from adflux.datagen.service import seed
from adflux.extensions import db

SEED = 23


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def backend(request: pytest.FixtureRequest) -> Flask:
    return request.getfixturevalue("app" if request.param == "postgres" else "sqlite_app")


@pytest.mark.parametrize("seed_value", [SEED, 7, 2026])
def test_generated_emails_are_already_normalised_and_distinct(seed_value: int) -> None:
    emails = list(generate_candidates(20_000, seed=seed_value)["email"])

    assert all(candidates.normalize_email(e) == e for e in emails)
    assert len(set(emails)) == len(emails)


def test_seeded_emails_are_unique_in_the_database(backend: Flask) -> None:
    seed(n_jobs=0, n_candidates=3_000, seed=SEED)

    total, distinct = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(Candidate.email)))
    ).one()
    assert total == distinct == 3_000


def test_a_seeded_address_already_registered_is_skipped(backend: Flask) -> None:
    seed(n_jobs=0, n_candidates=50, seed=SEED)
    upcoming = generate_candidates(60, seed=SEED)["email"][55]
    registered = candidates.create_candidate(
        db_session=db.session, data=candidate_payload(email=upcoming.upper())
    )

    result = seed(n_jobs=0, n_candidates=60, seed=SEED)

    assert result.candidates_inserted == 9
    owners = db.session.scalars(sa.select(Candidate.id).where(Candidate.email == upcoming)).all()
    assert owners == [registered.id]
