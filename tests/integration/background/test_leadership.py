"""Exactly one process leads the periodic work: a PostgreSQL advisory lock (or a file lock on
SQLite) that the server or the kernel releases when its holder goes away."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adflux.background.scheduler import FileLeadership, PostgresLeadership, leadership_for


@pytest.mark.postgres
def test_one_postgres_process_leads_and_another_takes_over_when_it_is_gone(postgres_url):
    first_engine, second_engine = sa.create_engine(postgres_url), sa.create_engine(postgres_url)
    first, second = PostgresLeadership(first_engine), PostgresLeadership(second_engine)
    try:
        assert first.hold() is True
        assert second.hold() is False
        assert first.hold() is True  # kept while its connection lives

        # The leader's process dies: its connection closes and the server releases the lock
        # (what _drop does to the connection is what a dead process's socket does).
        first._drop()
        assert second.hold() is True
        assert PostgresLeadership(first_engine).hold() is False

        second.release()
        assert PostgresLeadership(first_engine).hold() is True
    finally:
        first_engine.dispose()
        second_engine.dispose()


@pytest.mark.postgres
def test_postgres_is_led_by_its_advisory_lock(postgres_url, tmp_path):
    engine = sa.create_engine(postgres_url)
    try:
        assert isinstance(leadership_for(engine, tmp_path), PostgresLeadership)
        assert isinstance(leadership_for(sa.create_engine("sqlite://"), tmp_path), FileLeadership)
    finally:
        engine.dispose()


def test_one_sqlite_process_leads_by_a_file_lock(tmp_path):
    path = tmp_path / "scheduler.lock"
    first, second = FileLeadership(path), FileLeadership(path)

    assert first.hold() is True
    assert second.hold() is False
    first.release()
    assert second.hold() is True
    assert first.hold() is False
    second.release()
