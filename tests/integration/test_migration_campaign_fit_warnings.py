"""Revision 0006_campaign_fit_warnings on SQLite and PostgreSQL: a campaign stored before it reads
back with no fit warnings, one stored after keeps its own, and the downgrade drops the column."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from adflux.app import MIGRATIONS_DIR
from adflux.campaigns.models import AdCampaign
from adflux.extensions import db

REVISION = "0006_campaign_fit_warnings"
BEFORE = "0004_results"


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def fresh(request: pytest.FixtureRequest) -> Flask:
    return request.getfixturevalue(
        "postgres_fresh" if request.param == "postgres" else "sqlite_fresh"
    )


def _columns() -> set[str]:
    with db.engine.connect() as connection:
        return {c["name"] for c in sa.inspect(connection).get_columns("ad_campaigns")}


def _insert_campaign(campaign_id: int) -> None:
    db.session.execute(
        sa.text(
            "INSERT INTO ad_campaigns (id, job_id, name, status, objective, daily_budget_cop, "
            "start_date, created_at, updated_at) VALUES (:id, 1, 'Antes', 'queued', 'traffic', "
            "50000, '2026-12-01', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"id": campaign_id},
    )


def test_upgrade_keeps_old_campaigns_without_fit_warnings_and_downgrade_drops_them(
    fresh: Flask,
) -> None:
    with fresh.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
        db.session.execute(
            sa.text(
                "INSERT INTO job_openings (id, external_ref, title, description, company, city, "
                "department, area, seniority, employment_type, remote_mode, currency, skills, "
                "status, created_at, updated_at) VALUES (1, 'job-1', 'Contador', 'x', 'E', "
                "'Cali', 'Valle', 'Contabilidad', 'junior', 'tiempo_completo', 'presencial', "
                "'COP', '[]', 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        _insert_campaign(1)
        db.session.commit()
        assert "fit_warnings" not in _columns()

        upgrade(directory=str(MIGRATIONS_DIR), revision=REVISION)

        assert "fit_warnings" in _columns()
        old = db.session.get(AdCampaign, 1)
        assert old is not None and old.fit_warnings is None and old.warnings == []
        warning = {
            "rule": "segment_low_fit",
            "field": "segment_ids",
            "message_es": "El segmento «Ventas» encaja poco con este empleo",
            "message_en": "Segment «Ventas» fits this job poorly",
        }
        old.fit_warnings = [warning]
        db.session.commit()
        db.session.expire_all()
        assert [w.rule for w in db.session.get(AdCampaign, 1).warnings] == ["segment_low_fit"]
        db.session.remove()

        downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)

        assert "fit_warnings" not in _columns()
        kept = db.session.execute(sa.text("SELECT name FROM ad_campaigns")).scalars().all()
        assert kept == ["Antes"]
