"""Seeded candidates and a recording dispatcher for the segmentation service and API tests.

Trainings stay small (2,000 generated candidates with 4 planted personas, k evaluated over 2..4):
about a second each, with the same code path as a million.
"""

from __future__ import annotations

import pytest

from adflux.datagen import service as datagen
from adflux.extensions import db
from adflux.segmentation import service

N_CANDIDATES = 2_000
PERSONAS = 4
K_RANGE = (2, 4)


@pytest.fixture
def seeded(app) -> int:
    """Generated candidates in the test's transaction; returns how many."""
    result = datagen.seed(n_jobs=3, n_candidates=N_CANDIDATES, seed=11, personas=PERSONAS)
    return result.candidates_inserted


@pytest.fixture
def train(app, dispatcher):
    """Start a training through the service and run its queued task here; returns the run."""

    def run(**options):
        options.setdefault("k_range", K_RANGE)
        started = service.start_training(db_session=db.session, **options)
        [(name, args, _countdown)] = dispatcher.take()
        assert (name, args) == (service.TRAIN_TASK, (started.id,))
        return service.run_training(db_session=db.session, run_id=started.id)

    return run
