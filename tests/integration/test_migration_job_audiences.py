"""Revision 0005_job_audiences up and down on SQLite and PostgreSQL, over stored rows: segment
uploads and campaigns survive both ways, an upload names exactly one source, and the downgrade
forgets only the job audiences' upload records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from adflux.app import MIGRATIONS_DIR
from adflux.extensions import db


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def fresh(request: pytest.FixtureRequest) -> Flask:
    return request.getfixturevalue(
        "postgres_fresh" if request.param == "postgres" else "sqlite_fresh"
    )


def _seed_0004() -> None:
    """A job, a segment with one upload, and a campaign, as revision 0004 stores them."""
    now = datetime.now(UTC)
    rows = {
        "job_openings": {
            "id": 1, "external_ref": "job-1", "title": "Contador", "description": "x",
            "company": "Acme", "city": "Cali", "department": "Valle del Cauca",
            "area": "Contabilidad", "seniority": "senior", "employment_type": "tiempo_completo",
            "remote_mode": "presencial", "currency": "COP", "skills": [], "status": "open",
            "created_at": now, "updated_at": now,
        },
        "segmentation_runs": {
            "id": 1, "status": "succeeded", "in_flight": False, "algorithm": "kmeans",
            "k": 1, "k_min": 1, "k_max": 1, "params": {}, "features": [], "metrics": {},
            "timings": {}, "progress": {}, "is_active": True, "created_at": now,
        },
        "segments": {
            "id": 1, "run_id": 1, "cluster_index": 0, "name": "Contadores", "size": 1,
            "profile": {},
        },
        "audience_syncs": {
            "segment_id": 1, "run_id": 1, "platform": "meta",
            "external_audience_id": "aud-1", "uploaded_count": 1, "skipped_count": 0,
            "hash_schema": "v2", "receipt": {}, "created_at": now,
        },
        "ad_campaigns": {
            "id": 1, "job_id": 1, "name": "c", "status": "queued", "objective": "traffic",
            "daily_budget_cop": 50_000, "start_date": now.date(), "created_at": now,
            "updated_at": now,
        },
    }  # fmt: skip
    with db.engine.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(bind=connection, only=list(rows))
        for name, row in rows.items():
            connection.execute(tables.tables[name].insert(), row)


def _insert_sync(**source: int | None) -> None:
    """One upload row naming `source` (segment_id, run_id, job_id, size) as stored now."""
    with db.engine.connect() as connection:
        tables = sa.MetaData()
        tables.reflect(bind=connection, only=["audience_syncs"])
        connection.execute(
            tables.tables["audience_syncs"].insert(),
            {
                "platform": "meta", "external_audience_id": "aud-x", "uploaded_count": 0,
                "skipped_count": 0, "hash_schema": "v2", "receipt": {},
                "created_at": datetime.now(UTC), **source,
            },
        )  # fmt: skip
        connection.commit()


def _columns(table: str) -> set[str]:
    with db.engine.connect() as connection:
        return {c["name"] for c in sa.inspect(connection).get_columns(table)}


def _refused_sync(**source: int | None) -> bool:
    try:
        _insert_sync(**source)
    except sa.exc.IntegrityError:
        return True
    return False


def _refused(statement: str) -> bool:
    try:
        db.session.execute(sa.text(statement))
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return True
    db.session.rollback()
    return False


def test_job_audiences_up_and_down_over_stored_rows(fresh: Flask) -> None:
    with fresh.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0004_results")
        _seed_0004()

        upgrade(directory=str(MIGRATIONS_DIR), revision="0005_job_audiences")

        assert {"job_id", "size"} <= _columns("audience_syncs")
        assert {"job_audience_size", "creation_warnings"} <= _columns("ad_campaigns")
        stored = db.session.execute(
            sa.text("SELECT job_audience_size, creation_warnings FROM ad_campaigns")
        ).one()
        assert stored.job_audience_size is None
        assert stored.creation_warnings in ([], "[]")
        _insert_sync(job_id=1, size=500)
        # Exactly one source: neither, or both, is refused; so is a size of zero.
        assert _refused_sync(segment_id=None, run_id=None, job_id=None)
        assert _refused_sync(segment_id=1, run_id=1, job_id=1)
        assert not _refused_sync(segment_id=1, run_id=1, job_id=None)
        assert _refused("UPDATE ad_campaigns SET job_audience_size = 0")
        # The checks that were there before survive the table's rebuild (SQLite batch mode).
        assert _refused("UPDATE ad_campaigns SET daily_budget_cop = 0")

        downgrade(directory=str(MIGRATIONS_DIR), revision="0004_results")

        assert "job_id" not in _columns("audience_syncs")
        assert "job_audience_size" not in _columns("ad_campaigns")
        kept = db.session.scalars(sa.text("SELECT segment_id FROM audience_syncs")).all()
        assert kept == [1, 1]  # the segments' two uploads stay; the job audience's is forgotten
        assert db.session.scalar(sa.text("SELECT count(*) FROM ad_campaigns")) == 1
        assert _refused("UPDATE ad_campaigns SET daily_budget_cop = 0")

        upgrade(directory=str(MIGRATIONS_DIR))  # and up again, to the head
        assert "job_id" in _columns("audience_syncs")
        db.engine.dispose()
