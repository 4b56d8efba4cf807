from __future__ import annotations

import pytest
from tests.factories import make_active_segment, make_job
from tests.fakes import FakeDirectory


@pytest.fixture
def platforms(app):
    directory = FakeDirectory()
    previous = app.extensions["adflux_platforms"]
    app.extensions["adflux_platforms"] = directory
    yield directory
    app.extensions["adflux_platforms"] = previous


@pytest.fixture
def job(app):
    return make_job(title="Auxiliar contable con experiencia en NIIF", city="Cali")


@pytest.fixture
def active_segment(app):
    """An active run with one segment of three candidates, two of whom consent to marketing."""
    return make_active_segment(city="Cali", size=3, consents=(True, True, False))
