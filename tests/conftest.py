"""Fixtures shared by the whole suite.

The suite runs against a real PostgreSQL (``ADFLUX_TEST_DATABASE_URL``, default the local server),
migrated once per session with Alembic; every test runs inside a transaction that is rolled back
(``join_transaction_mode="create_savepoint"``), so services may commit freely.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker
from tests.fakes import RecordingDispatcher
from tests.services import service_missing

from adflux.app import create_app
from adflux.auth import service as auth_service
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.extensions import db

DEFAULT_TEST_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/adflux_test"


@pytest.fixture(autouse=True)
def _isolated_user_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """No test reads or writes the developer's real CLI credentials."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    for name in ("ADFLUX_API_URL", "ADFLUX_API_TOKEN", "DATABASE_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _terminal_in_the_default_language(monkeypatch) -> None:
    """The CLI speaks the terminal's language: every test reads it in the default (Spanish),
    whatever the locale of the machine that runs it; a test that wants English sets LANG."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def _admin_dsn(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


def _recreate_database(url: str) -> None:
    parsed = make_url(url)
    try:
        with psycopg.connect(_admin_dsn(url), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL", f"{parsed.host}:{parsed.port}: {exc}".strip())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A freshly created, empty test database on the PostgreSQL server, dropped at the end.

    Its name carries this run's process id, so two test runs on one server never share it.
    """
    base = make_url(os.environ.get("ADFLUX_TEST_DATABASE_URL", DEFAULT_TEST_DB))
    url = base.set(database=f"{base.database}_{os.getpid()}").render_as_string(hide_password=False)
    _recreate_database(url)
    yield url
    with psycopg.connect(_admin_dsn(url), autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_app(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = Settings(
        database_url=postgres_url, data_dir=tmp_path_factory.mktemp("data"), log_level="WARNING"
    )
    app = create_app(settings, TESTING=True)
    with app.app_context():
        upgrade_schema()
        db.session.remove()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter collects them


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The app with every database write of the test rolled back at the end."""
    with migrated_app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            yield migrated_app
        finally:
            db.session.remove()
            db.session = original_session
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def dispatcher(app: Flask) -> Iterator[RecordingDispatcher]:
    """The app's task dispatcher replaced by one that records what would be sent (a test runs
    the tasks it wants, when it wants)."""
    recording = RecordingDispatcher()
    previous = app.extensions["adflux_dispatcher"]
    app.extensions["adflux_dispatcher"] = recording
    yield recording
    app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def token_for(app: Flask):
    """Create a token with the given role and return the Authorization header for it."""
    counter = iter(range(1_000_000))

    def make(role: str = "admin") -> dict[str, str]:
        _row, plain = auth_service.create_token(
            db_session=db.session, name=f"test-{role}-{next(counter)}", role=role
        )
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (with Alembic, as ``adflux run`` does); each
    ``sqlite_app`` starts from a copy of it. The migrations' own tests migrate from empty."""
    data_dir = tmp_path_factory.mktemp("sqlite-template") / "data"
    app = create_app(Settings(data_dir=data_dir, log_level="WARNING"), TESTING=True)
    with app.app_context():
        upgrade_schema()
        db.session.remove()
        db.engine.dispose()
    app.extensions["adflux_dispatcher"].shutdown()
    return data_dir / "adflux.db"


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    """The embedded default: a brand-new SQLite file, migrated (a copy of the session's)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(sqlite_template, data_dir / "adflux.db")
    settings = Settings(data_dir=data_dir, log_level="WARNING")
    app = create_app(settings, TESTING=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def count_rows(model: type) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
