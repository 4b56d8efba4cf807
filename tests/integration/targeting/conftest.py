"""Aiming's tests run on both databases: its counting is SQL that each dialect evaluates."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The app on PostgreSQL (rolled back) and on a fresh embedded SQLite file."""
    name = "app" if request.param == "postgres" else "sqlite_app"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
