"""A transaction that only read ends with COMMIT, one that wrote is rolled back as before.

psycopg forgets every statement it prepared on a connection when the connection rolls back, so
requests that read in a transaction and were rolled back at their end made the next requests on
that connection plan each statement again. These tests hold both halves: reads keep the
connection's prepared statements (PostgreSQL), and nothing a request wrote without committing
is ever committed by this (PostgreSQL and SQLite).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import job_payload

from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken
from adflux.db import end_read_only_transaction
from adflux.extensions import db
from adflux.jobs.models import JobOpening

_names = itertools.count()


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def committing_app(request) -> Iterator[Flask]:
    """An app whose session commits for real (not the suite's rolled-back one), context pushed;
    the tests store nothing."""
    if request.param == "postgresql":
        migrated_app = request.getfixturevalue("migrated_app")
        with migrated_app.app_context():
            yield migrated_app
            db.session.remove()
    else:
        yield request.getfixturevalue("sqlite_app")


@pytest.fixture
def ends() -> Iterator[list[str]]:
    """How each transaction of the app's engine ended, in order."""
    seen: list[str] = []
    engine = db.engine

    def commit(_connection: sa.Connection) -> None:
        seen.append("commit")

    def rollback(_connection: sa.Connection) -> None:
        seen.append("rollback")

    sa.event.listen(engine, "commit", commit)
    sa.event.listen(engine, "rollback", rollback)
    yield seen
    sa.event.remove(engine, "commit", commit)
    sa.event.remove(engine, "rollback", rollback)


def _token_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) or 0


def test_a_transaction_that_only_read_is_committed(committing_app, ends):
    _token_count()
    end_read_only_transaction(db.session())
    assert ends == ["commit"]
    assert not db.session().in_transaction()


def test_a_statement_that_wrote_is_rolled_back_and_nothing_is_stored(committing_app, ends):
    before = _token_count()
    name = f"never-stored-{next(_names)}"
    db.session.execute(
        sa.insert(ApiToken).values(name=name, role="viewer", token_hash=name, prefix="adf_x")
    )
    end_read_only_transaction(db.session())
    db.session.remove()
    assert ends == ["rollback"]
    assert _token_count() == before


def test_a_pending_object_is_not_flushed_by_it(committing_app, ends):
    before = _token_count()
    _token_count()  # a read first: the transaction has begun
    name = f"never-flushed-{next(_names)}"
    db.session.add(ApiToken(name=name, role="viewer", token_hash=name, prefix="adf_x"))
    end_read_only_transaction(db.session())
    db.session.remove()
    assert "commit" not in ends
    assert _token_count() == before


@pytest.mark.postgres
def test_requests_that_read_keep_the_connections_prepared_statements(migrated_app):
    """GET one job reads in a transaction (the token, then the job). Rolled back at the end of
    each request, the connection lost the statements psycopg prepares after five executions."""
    with migrated_app.app_context():
        name = f"prepared-{next(_names)}"
        token, plain = auth_service.create_token(db_session=db.session, name=name, role="viewer")
        job = JobOpening(**job_payload(external_ref=name))
        db.session.add(job)
        db.session.commit()
        job_id, token_id = job.id, token.id
        db.session.remove()
        db.engine.dispose()  # one connection from here on: the one the requests use
    try:
        # Each request in an app context of its own, ended (and its session closed) with it.
        client = migrated_app.test_client()
        headers = {"Authorization": f"Bearer {plain}"}
        for _ in range(8):
            response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
            assert response.status_code == 200, response.json
        with migrated_app.app_context():
            assert db.engine.pool.checkedin() == 1, "the requests used more than one connection"
            with db.engine.connect() as connection:
                prepared = (
                    connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements")
                    .scalars()
                    .all()
                )
        assert any("job_openings" in statement for statement in prepared), prepared
        assert any("api_tokens" in statement for statement in prepared), prepared
    finally:
        with migrated_app.app_context():
            db.session.execute(sa.delete(JobOpening).where(JobOpening.id == job_id))
            db.session.execute(sa.delete(ApiToken).where(ApiToken.id == token_id))
            db.session.commit()
            db.session.remove()
