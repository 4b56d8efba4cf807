"""The embedded default: a training on SQLite, run by the in-process task runner."""

from __future__ import annotations

import time

import sqlalchemy as sa
from tests.factories import candidate_payload
from tests.integration.segmentation.conftest import K_RANGE, N_CANDIDATES, PERSONAS

from adflux.candidates import service as candidates
from adflux.datagen import service as datagen
from adflux.extensions import db
from adflux.segmentation import assignment, service
from adflux.segmentation.models import SegmentMembership


def _wait_until_landed(run_id: int, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while True:
        db.session.remove()  # see the task thread's commits
        run = service.get_run_or_404(db_session=db.session, run_id=run_id)
        if not run.in_flight or time.monotonic() > deadline:
            return run
        time.sleep(0.2)


def test_a_training_end_to_end_on_sqlite(sqlite_app):
    datagen.seed(n_jobs=3, n_candidates=N_CANDIDATES, seed=5, personas=PERSONAS)
    started = service.start_training(db_session=db.session, k_range=K_RANGE)

    run = _wait_until_landed(started.id)

    assert (run.status, run.is_active, run.error) == ("succeeded", True, None)
    assert run.k == PERSONAS and run.candidate_count == N_CANDIDATES
    memberships = db.session.scalar(
        sa.select(sa.func.count()).where(SegmentMembership.run_id == run.id)
    )
    assert memberships == N_CANDIDATES
    assert sum(s.size for s in run.segments) == N_CANDIDATES

    created = candidates.create_candidate(db_session=db.session, data=candidate_payload())
    found = assignment.segment_of_candidate(db_session=db.session, candidate_id=created.id)
    assert found.source == "assigned" and found.run_id == run.id
