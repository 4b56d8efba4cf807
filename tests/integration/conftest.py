"""Fixtures for tests that migrate a database of their own from empty (the migrations' tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy.engine import make_url
from tests.services import service_missing

from adflux.app import create_app
from adflux.config import Settings
from adflux.extensions import db

# This run's own database: two test runs on one server never share it.
MIGRATIONS_DB = f"adflux_test_migrations_{os.getpid()}"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/adflux_test"


@pytest.fixture
def sqlite_fresh(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(Settings(data_dir=tmp_path / "data", log_level="WARNING"), TESTING=True)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def postgres_fresh(tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own, created empty here and dropped afterwards."""
    server = make_url(os.environ.get("ADFLUX_TEST_DATABASE_URL", DEFAULT_SERVER))
    admin_dsn = server.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    drop = f'DROP DATABASE IF EXISTS "{MIGRATIONS_DB}" WITH (FORCE)'
    try:
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(drop)
            conn.execute(f'CREATE DATABASE "{MIGRATIONS_DB}"')
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL", f"{server.host}:{server.port}: {exc}".strip())
    url = server.set(database=MIGRATIONS_DB).render_as_string(hide_password=False)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path / "data", log_level="WARNING"), TESTING=True
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(drop)
