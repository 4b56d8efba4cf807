"""Revision 0012_messages_once up and down on SQLite and PostgreSQL, over stored rows: budget
moves' reasons and campaigns' creation warnings stored in two languages read as they were
written, in each language, and come back as two texts on the way down, a message stored by
msgid rendered in each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from adflux.advisories import Advisory
from adflux.app import MIGRATIONS_DIR
from adflux.extensions import db
from adflux.i18n.messages import Message, Money, from_json, to_json

BEFORE = "0011_token_holder"
AFTER = "0012_messages_once"
REASON_ES = "Meta · Contadores +10 %: 12.300 COP por postulación frente a 15.000 de media"
REASON_EN = "Meta · Contadores +10 %: 12,300 COP per application against 15,000 on average"


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def fresh(request: pytest.FixtureRequest) -> Flask:
    return request.getfixturevalue(
        "postgres_fresh" if request.param == "postgres" else "sqlite_fresh"
    )


@contextmanager
def _without_foreign_keys() -> Iterator[sa.Connection]:
    """A connection that stores rows without the ones they point at: only the columns this
    revision changes matter here."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(sa.text("PRAGMA foreign_keys = OFF"))
        yield connection


def _insert(table: str, **row: Any) -> None:
    with _without_foreign_keys() as connection:
        tables = sa.MetaData()
        tables.reflect(bind=connection, only=[table])
        connection.execute(tables.tables[table].insert(), row)


def _stored(statement: str) -> Any:
    return db.session.execute(sa.text(statement)).one()


def _warnings() -> list[dict[str, Any]]:
    stored = _stored("SELECT creation_warnings FROM ad_campaigns WHERE id = 1").creation_warnings
    return stored if isinstance(stored, list) else json.loads(stored)


def _json(value: Any) -> Any:
    return from_json(value if isinstance(value, dict) else json.loads(value))


def test_reasons_up_and_down_over_stored_rows(fresh: Flask) -> None:
    with fresh.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
        move = {"run_id": 1, "from_cop": 10_000, "to_cop": 11_000}
        _insert(
            "allocation_moves",
            id=1,
            publication_id=1,
            reason_es=REASON_ES,
            reason_en=REASON_EN,
            **move,
        )

        upgrade(directory=str(MIGRATIONS_DIR), revision=AFTER)

        reason = _json(_stored("SELECT reason FROM allocation_moves WHERE id = 1").reason)
        assert reason.render("es") == REASON_ES
        assert reason.render("en") == REASON_EN
        written = Message("new, %(amount)s a day", amount=Money(80_000))
        _insert("allocation_moves", id=2, publication_id=2, reason=to_json(written), **move)
        db.session.remove()

        downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)

        rows = db.session.execute(
            sa.text("SELECT id, reason_es, reason_en FROM allocation_moves ORDER BY id")
        ).all()
        assert [tuple(row) for row in rows] == [
            (1, REASON_ES, REASON_EN),
            (2, "nuevo, $80.000 al día", "new, COP 80,000 a day"),
        ]
        db.session.remove()

        upgrade(directory=str(MIGRATIONS_DIR))  # and up again, to the head
        again = _json(_stored("SELECT reason FROM allocation_moves WHERE id = 2").reason)
        assert again.render("en") == "new, COP 80,000 a day"
        db.session.remove()
        db.engine.dispose()


OLD_WARNING = {
    "rule": "segment_low_fit",
    "field": "segment_ids",
    "message_es": "El segmento «Ventas» encaja poco con este empleo",
    "message_en": "Segment «Ventas» fits this job poorly",
}


def test_creation_warnings_up_and_down_over_stored_rows(fresh: Flask) -> None:
    with fresh.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
        now = datetime.now(UTC)
        _insert(
            "ad_campaigns",
            id=1, job_id=1, name="c", status="queued", objective="traffic",
            daily_budget_cop=50_000, start_date=now.date(), created_at=now, updated_at=now,
            pacing="even", auto_allocate=True, creation_warnings=[OLD_WARNING],
        )  # fmt: skip

        upgrade(directory=str(MIGRATIONS_DIR), revision=AFTER)

        [warning] = [Advisory.from_json(w) for w in _warnings()]
        assert (warning.rule, warning.field) == ("segment_low_fit", "segment_ids")
        assert warning.message.render("es") == OLD_WARNING["message_es"]
        assert warning.message.render("en") == OLD_WARNING["message_en"]
        written = Advisory("no_segment_fits", "segment_ids", Message("no history yet"))
        with _without_foreign_keys() as connection:
            connection.execute(
                sa.text("UPDATE ad_campaigns SET creation_warnings = :w WHERE id = 1").bindparams(
                    sa.bindparam("w", type_=sa.JSON())
                ),
                {"w": [*_warnings(), written.to_json()]},
            )
        db.session.remove()

        downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)

        assert _warnings() == [
            OLD_WARNING,
            {
                "rule": "no_segment_fits",
                "field": "segment_ids",
                "message_es": "sin historial aún",
                "message_en": "no history yet",
            },
        ]
        db.session.remove()
        upgrade(directory=str(MIGRATIONS_DIR))
        db.session.remove()
        db.engine.dispose()
