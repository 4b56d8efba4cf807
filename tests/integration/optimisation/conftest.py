"""The optimiser's tests run on PostgreSQL and SQLite, with fake platforms (data: arms.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from tests.factories import make_segmented_run
from tests.fakes import FakeDirectory, RecordingDispatcher

from adflux.segmentation.models import Segment


@pytest.fixture(params=["postgres", "sqlite"])
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The app on PostgreSQL (rolled back) and on a fresh embedded SQLite file."""
    name = "app" if request.param == "postgres" else "sqlite_app"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def platforms(any_app: Flask) -> Iterator[FakeDirectory]:
    directory = FakeDirectory()
    previous = any_app.extensions["adflux_platforms"]
    any_app.extensions["adflux_platforms"] = directory
    yield directory
    any_app.extensions["adflux_platforms"] = previous


@pytest.fixture
def dispatcher(any_app: Flask) -> Iterator[RecordingDispatcher]:
    """The suite's recording dispatcher, on whichever backend the test runs."""
    recording = RecordingDispatcher()
    previous = any_app.extensions["adflux_dispatcher"]
    any_app.extensions["adflux_dispatcher"] = recording
    yield recording
    any_app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def segments(any_app: Flask) -> list[Segment]:
    return make_segmented_run({"Desarrolladores": [], "Contadores": []})
