"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

A model change without a matching migration makes the autogenerate comparison non-empty and fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy.engine import make_url
from tests.services import service_missing

from adflux.app import create_app
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.extensions import db

# This run's own database: two test runs on one server never share it.
MIGRATIONS_DB = f"adflux_test_migrations_{os.getpid()}"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/adflux_test"


@pytest.fixture
def sqlite_fresh(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(Settings(data_dir=tmp_path / "data", log_level="WARNING"), TESTING=True)
    yield app
    with app.app_context():
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


def _upgrade_and_compare(app: Flask) -> tuple[set[str], list[object]]:
    """Tables present after ``upgrade`` and the differences autogenerate finds."""
    with app.app_context():
        upgrade_schema()
        with db.engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            # The same comparison options `flask db migrate` would use.
            options = dict(app.extensions["migrate"].configure_args)
            context = MigrationContext.configure(connection, opts=options)
            diff = compare_metadata(context, db.metadata)
    return tables, diff


def _check(app: Flask) -> None:
    tables, diff = _upgrade_and_compare(app)
    model_tables = set(db.metadata.tables)
    assert len(model_tables) >= 11  # jobs, candidates, segments, campaigns, audit, tokens...
    assert model_tables <= tables, f"missing after upgrade: {sorted(model_tables - tables)}"
    assert "alembic_version" in tables
    assert diff == [], "models and migrations differ; add a migration:\n" + "\n".join(
        map(repr, diff)
    )


def test_sqlite_upgrade_matches_the_models(sqlite_fresh: Flask) -> None:
    _check(sqlite_fresh)


@pytest.mark.postgres
def test_postgres_upgrade_matches_the_models(postgres_fresh: Flask) -> None:
    _check(postgres_fresh)


def test_upgrade_twice_is_a_no_op(sqlite_fresh: Flask) -> None:
    """The run command upgrades on every start: the second time changes nothing."""
    _upgrade_and_compare(sqlite_fresh)
    with sqlite_fresh.app_context():
        before = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        upgrade_schema()
        after = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        count = db.session.scalar(sa.text("SELECT count(*) FROM alembic_version"))
    assert before == after
    assert count == 1
