"""Reads marked read_only run without a transaction around them (no BEGIN and ROLLBACK round
trips); every other request keeps its transaction. An app of its own on a SQLite file: the
suite's shared session is bound to a test's transaction, which no request may leave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from adflux.app import create_app
from adflux.auth.service import create_token
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.extensions import db


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    data_dir: Path = tmp_path_factory.mktemp("read-only")
    app = create_app(
        Settings(database_url=f"sqlite:///{data_dir / 'adflux.db'}", data_dir=data_dir)
    )
    with app.app_context():
        upgrade_schema()
        _row, app.config["TEST_TOKEN"] = create_token(
            db_session=db.session, name="reader", role="viewer"
        )
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _isolation_of_each_statement(app: Flask, path: str) -> list[str]:
    seen: list[str] = []

    def record(connection, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(connection.get_execution_options().get("isolation_level", "transaction"))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        headers = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
        response = app.test_client().get(path, headers=headers)
        assert response.status_code in (200, 404), response.json
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize(
    "path",
    ["/api/v1/jobs", "/api/v1/candidates", "/api/v1/campaigns", "/api/v1/results"],
)
def test_list_reads_run_in_autocommit(app, path):
    seen = _isolation_of_each_statement(app, path)
    assert seen, "the request ran no statement"
    assert set(seen) == {"AUTOCOMMIT"}


def test_other_requests_keep_their_transaction(app):
    seen = _isolation_of_each_statement(app, "/api/v1/jobs/1")
    assert seen
    assert "AUTOCOMMIT" not in seen
