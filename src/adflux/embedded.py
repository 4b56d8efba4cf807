"""Bringing up the embedded default end to end (the README's run command)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken, Role
from adflux.database import upgrade_schema
from adflux.datagen import service as datagen
from adflux.extensions import db


@dataclass(frozen=True)
class Prepared:
    seeded: bool
    jobs_inserted: int
    candidates_inserted: int
    local_token: str


def prepare(
    *,
    seed_jobs: int,
    seed_candidates: int,
    seed: int,
    say: Callable[[str], None],
) -> Prepared:
    """Migrate, seed an empty database and mint a fresh local admin token (in an app context)."""
    say("migrating the database…")
    upgrade_schema()
    jobs_inserted = candidates_inserted = 0
    seeded = datagen.is_empty()
    if seeded:
        say(f"seeding {seed_jobs:,} jobs and {seed_candidates:,} candidates…")
        result = datagen.seed(n_jobs=seed_jobs, n_candidates=seed_candidates, seed=seed)
        jobs_inserted, candidates_inserted = result.jobs_inserted, result.candidates_inserted
    token = _fresh_local_token()
    return Prepared(seeded, jobs_inserted, candidates_inserted, token)


def _fresh_local_token() -> str:
    """Revoke earlier local CLI tokens and create a new one: only its hash stays in the database."""
    earlier = db.session.scalars(
        sa.select(ApiToken.name).where(
            ApiToken.name.like("local-cli-%"), ApiToken.revoked_at.is_(None)
        )
    ).all()
    for name in earlier:
        auth_service.revoke_token(db_session=db.session, name=name)
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"local-cli-{time.time_ns()}", role=Role.ADMIN.value
    )
    return plain
