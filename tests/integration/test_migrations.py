"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

A model change without a matching migration makes the autogenerate comparison non-empty and fails.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from adflux.database import upgrade_schema
from adflux.extensions import db


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
