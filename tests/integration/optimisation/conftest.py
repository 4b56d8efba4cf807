"""The optimiser's tests run on PostgreSQL and SQLite, with fake platforms (data: arms.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from tests.factories import make_segmented_run
from tests.fakes import RecordingDispatcher

# The results' tests' backends and fake platforms: PostgreSQL (rolled back) and a fresh SQLite.
from tests.integration.results.conftest import (  # noqa: F401
    _migrated_sqlite_file,
    any_app,
    copied_sqlite_app,
    platforms,
)

from adflux.segmentation.models import Segment


@pytest.fixture
def dispatcher(any_app: Flask) -> Iterator[RecordingDispatcher]:  # noqa: F811
    """The suite's recording dispatcher, on whichever backend the test runs."""
    recording = RecordingDispatcher()
    previous = any_app.extensions["adflux_dispatcher"]
    any_app.extensions["adflux_dispatcher"] = recording
    yield recording
    any_app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def segments(any_app: Flask) -> list[Segment]:  # noqa: F811
    return make_segmented_run({"Desarrolladores": [], "Contadores": []})
