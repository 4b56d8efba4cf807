"""A request that loses a lock wait answers 503 "database busy" with Retry-After, not a 500 nor
"the database is unavailable": real lock waits that ran out, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adflux.api.errors import handle_unexpected
from adflux.db import is_contention


def _sqlite_locked(tmp_path) -> sa.exc.OperationalError:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.commit()
    holder.execute("BEGIN EXCLUSIVE")
    waiter = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        with waiter.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    except sa.exc.OperationalError as exc:
        return exc
    finally:
        holder.rollback()
        holder.close()
        waiter.dispose()
    raise AssertionError("the write did not wait for the lock")


def _postgres_lock_timeout(postgres_url: str) -> sa.exc.OperationalError:
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    engine = sa.create_engine(postgres_url)
    with psycopg.connect(dsn) as holder:
        holder.execute("CREATE TABLE IF NOT EXISTS contention_probe (x integer)")
        holder.commit()
        holder.execute("LOCK TABLE contention_probe IN ACCESS EXCLUSIVE MODE")
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL lock_timeout = '50ms'"))
                conn.execute(sa.text("SELECT * FROM contention_probe"))
        except sa.exc.OperationalError as exc:
            return exc
        finally:
            holder.rollback()
            engine.dispose()
    raise AssertionError("the read did not wait for the lock")


def test_a_lock_wait_that_ran_out_on_sqlite_is_contention(tmp_path):
    assert is_contention(_sqlite_locked(tmp_path))


@pytest.mark.postgres
def test_a_lock_wait_that_ran_out_on_postgres_is_contention(postgres_url):
    assert is_contention(_postgres_lock_timeout(postgres_url))


def test_an_unreachable_database_is_not_contention(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    with pytest.raises(sa.exc.OperationalError) as caught:
        engine.connect()
    assert not is_contention(caught.value)


@pytest.mark.postgres
def test_the_api_answers_busy_with_retry_after(app, tmp_path):
    with app.test_request_context("/api/v1/jobs", method="POST"):
        response = handle_unexpected(_sqlite_locked(tmp_path))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["code"] == "database_busy"
