"""Revision 0003_candidates_audiences on a database that already holds candidates with emails that
collide once normalised, on SQLite and PostgreSQL: it runs, keeps the oldest row's address
(with consent only if every copy had it), parks the newer copies under a reserved address without
consent, audits each, and the unique index holds afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from adflux.app import MIGRATIONS_DIR
from adflux.extensions import db

# (email as stored before the revision, marketing consent), ids 1.. in this order.
BEFORE = [
    ("Ana@Example.com ", True),
    ("ana@example.com", False),
    (" ANA@EXAMPLE.COM", True),
    ("luis@example.com", True),
    ("  Carla.Pérez@Example.COM", True),
    ("dora@example.com", True),
    ("Dora@example.com", True),
]


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def fresh(request: pytest.FixtureRequest) -> Flask:
    return request.getfixturevalue(
        "postgres_fresh" if request.param == "postgres" else "sqlite_fresh"
    )


def _seed_before(app: Flask) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "id": n,
            "external_ref": f"cand-{n}",
            "full_name": f"Persona {n}",
            "email": email,
            "age": 30,
            "city": "Cali",
            "department": "Valle del Cauca",
            "education_level": "profesional",
            "area": "Contabilidad",
            "remote_preference": "presencial",
            "languages": "[]",
            "skills": "[]",
            "marketing_consent": consent,
            "created_at": now,
            "updated_at": now,
        }
        for n, (email, consent) in enumerate(BEFORE, start=1)
    ]
    columns = ", ".join(rows[0])
    values = ", ".join(f":{c}" for c in rows[0])
    sql = f"INSERT INTO candidates ({columns}) VALUES ({values})"
    if db.engine.dialect.name == "postgresql":
        sql = sql.replace(":languages", "CAST(:languages AS JSONB)")
        sql = sql.replace(":skills", "CAST(:skills AS JSONB)")
    db.session.execute(sa.text(sql), rows)
    db.session.commit()


def test_existing_repeated_emails_are_resolved_and_the_index_holds(fresh: Flask) -> None:
    with fresh.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0001_initial")
        _seed_before(fresh)

        upgrade(directory=str(MIGRATIONS_DIR))  # to the head, through 0003_candidates_audiences

        after = db.session.execute(
            sa.text("SELECT id, email, marketing_consent FROM candidates ORDER BY id")
        ).all()
        audits = db.session.execute(
            sa.text(
                "SELECT entity_id, action FROM audit_log "
                "WHERE action = 'candidate.email_deduplicated' ORDER BY entity_id"
            )
        ).all()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(
                sa.text("UPDATE candidates SET email = 'luis@example.com' WHERE id = 5")
            )
        db.session.rollback()

    assert [(r.id, r.email, bool(r.marketing_consent)) for r in after] == [
        # Ana three times: the oldest keeps the address, without consent (one copy had refused).
        (1, "ana@example.com", False),
        (2, "duplicate-2@email-in-use.adflux.invalid", False),
        (3, "duplicate-3@email-in-use.adflux.invalid", False),
        (4, "luis@example.com", True),
        (5, "carla.pérez@example.com", True),
        # Dora twice, both consenting: the oldest keeps both address and consent.
        (6, "dora@example.com", True),
        (7, "duplicate-7@email-in-use.adflux.invalid", False),
    ]
    assert [tuple(r) for r in audits] == [
        ("2", "candidate.email_deduplicated"),
        ("3", "candidate.email_deduplicated"),
        ("7", "candidate.email_deduplicated"),
    ]
