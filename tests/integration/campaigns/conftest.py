from __future__ import annotations

import pytest
from tests.factories import make_candidate, make_job
from tests.fakes import FakeDirectory, RecordingDispatcher

from adflux.extensions import db
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership


@pytest.fixture
def platforms(app):
    directory = FakeDirectory()
    previous = app.extensions["adflux_platforms"]
    app.extensions["adflux_platforms"] = directory
    yield directory
    app.extensions["adflux_platforms"] = previous


@pytest.fixture
def dispatcher(app):
    recording = RecordingDispatcher()
    previous = app.extensions["adflux_dispatcher"]
    app.extensions["adflux_dispatcher"] = recording
    yield recording
    app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def job(app):
    return make_job(title="Auxiliar contable con experiencia en NIIF", city="Cali")


@pytest.fixture
def active_segment(app):
    """An active run with one segment of three candidates, two of whom consent to marketing."""
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=1)
    db.session.add(run)
    db.session.flush()
    segment = Segment(
        run_id=run.id,
        cluster_index=0,
        name="Contadores · Cali",
        size=3,
        profile={"top_cities": [{"value": "Cali"}], "top_areas": [{"value": "Contabilidad"}]},
    )
    db.session.add(segment)
    db.session.flush()
    for consent in (True, True, False):
        candidate = make_candidate(city="Cali", marketing_consent=consent)
        db.session.add(
            SegmentMembership(run_id=run.id, candidate_id=candidate.id, segment_id=segment.id)
        )
    db.session.flush()
    return segment
