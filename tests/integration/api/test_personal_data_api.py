"""Personal data only to those who need it (Ley 1581 de 2012), over HTTP on PostgreSQL and SQLite:
masked for every reader, revealed only to a granted token that asks with a purpose, each read and
each export audited with who, which candidates and why."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.factories import PAULA, make_candidate

from adflux.audit.models import AuditLog
from adflux.auth import service as auth_service
from adflux.extensions import db


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def backend(request: pytest.FixtureRequest) -> Iterator[Flask]:
    yield request.getfixturevalue("app" if request.param == "postgres" else "sqlite_app")


@pytest.fixture
def client(backend: Flask) -> FlaskClient:
    return backend.test_client()


_tokens = itertools.count()


def headers(role: str = "viewer", *, personal_data: bool = False) -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session,
        name=f"reader-{role}-{next(_tokens)}",
        role=role,
        personal_data=personal_data,
    )
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def paula() -> int:
    candidate = make_candidate(**PAULA)
    db.session.commit()
    return candidate.id


def reads() -> list[AuditLog]:
    return list(
        db.session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action.like("candidate.personal_data%"))
            .order_by(AuditLog.id)
        )
    )


def test_every_reader_sees_names_emails_and_phones_masked(client, paula):
    granted_but_not_asking = headers("admin", personal_data=True)
    for auth in (headers("viewer"), granted_but_not_asking):
        page = client.get("/api/v1/candidates?city=Pasto", headers=auth)
        one = client.get(f"/api/v1/candidates/{paula}", headers=auth)

        assert page.status_code == one.status_code == 200, (page.json, one.json)
        (item,) = page.json["items"]
        for shown in (item, one.json):
            assert (shown["full_name"], shown["email"], shown["phone"]) == (
                "P. A. G.",
                "p***@hotmail.com",
                "305 *** **14",
            )
            assert shown["personal_data"] == "masked"
            assert shown["city"] == "Pasto"  # what is not personal data stays readable
    assert reads() == []


def test_a_token_not_granted_personal_data_cannot_reveal_it(client, paula):
    auth = headers("admin")  # the strongest role, but not granted personal data
    for url in (
        f"/api/v1/candidates/{paula}?reveal=true&purpose=llamar por la vacante 12",
        "/api/v1/candidates?reveal=true&purpose=llamar por la vacante 12",
        "/api/v1/candidates/export?purpose=campaña de correo de enero",
    ):
        response = client.get(url, headers=auth)

        assert response.status_code == 403, (url, response.json)
        assert "datos personales" in response.json["error"]["message"]
        assert "Paula" not in response.get_data(as_text=True)
    assert reads() == []


@pytest.mark.parametrize("purpose", ["", "&purpose=corto"])
def test_revealing_needs_a_purpose_that_says_why(client, paula, purpose):
    response = client.get(
        f"/api/v1/candidates/{paula}?reveal=true{purpose}",
        headers=headers(personal_data=True),
    )

    assert response.status_code == 422, response.json
    assert "purpose" in str(response.json["error"]), response.json
    assert reads() == []


def test_a_granted_token_that_asks_reads_them_and_the_read_is_audited(client, paula):
    other = make_candidate(city="Pasto", email="luis@example.com")
    db.session.commit()
    auth = headers("viewer", personal_data=True)

    one = client.get(
        f"/api/v1/candidates/{paula}?reveal=true&purpose=llamar por la vacante 12", headers=auth
    )
    page = client.get(
        "/api/v1/candidates?city=Pasto&reveal=true&purpose=revisar datos de contacto",
        headers=auth,
    )

    assert one.status_code == 200, one.json
    assert (one.json["full_name"], one.json["email"], one.json["phone"]) == (
        "Paula Andrea Gómez",
        "paula.gomez@hotmail.com",
        "305 123 4514",
    )
    assert one.json["personal_data"] == "revealed"
    assert {i["email"] for i in page.json["items"]} == {"paula.gomez@hotmail.com", other.email}
    first, second = reads()
    assert first.actor.startswith("token:reader-viewer-")
    assert first.entity_id == str(paula)
    assert first.details == {"candidate_ids": [paula], "purpose": "llamar por la vacante 12"}
    assert second.details == {
        "candidate_ids": [paula, other.id],
        "purpose": "revisar datos de contacto",
    }
    # The audit names candidates by id: no name, e-mail or phone in it.
    assert "paula" not in str(first.details).lower()


def test_an_export_is_a_separate_audited_action_with_every_matching_candidate(client, paula):
    make_candidate(city="Pasto", email="luis@example.com", marketing_consent=True)
    make_candidate(city="Cali", email="otra@example.com")
    db.session.commit()

    response = client.get(
        "/api/v1/candidates/export?city=Pasto&purpose=campaña de correo de enero",
        headers=headers("operator", personal_data=True),
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["email"] for r in rows] == ["paula.gomez@hotmail.com", "luis@example.com"]
    assert rows[0]["full_name"] == "Paula Andrea Gómez"
    assert rows[0]["phone"] == "305 123 4514"
    (entry,) = reads()
    assert entry.action == "candidate.personal_data_export"
    assert entry.details["filters"] == {"city": "Pasto"}
    assert entry.details["count"] == 2
    assert entry.details["candidate_ids"] == [int(r["id"]) for r in rows]
    assert entry.details["purpose"] == "campaña de correo de enero"


def test_an_export_without_a_purpose_is_refused_naming_it(client, paula):
    response = client.get("/api/v1/candidates/export", headers=headers(personal_data=True))

    assert response.status_code == 422, response.json
    assert "purpose" in response.json["error"]["fields"]
    assert reads() == []


def test_writes_answer_with_the_personal_data_masked(client):
    auth = headers("operator", personal_data=True)
    created = client.post(
        "/api/v1/candidates",
        json={
            "full_name": "Luis Pérez",
            "email": "luis.perez@gmail.com",
            "phone": "+57 300 765 4321",
            "age": 30,
            "city": "Cali",
            "department": "Valle del Cauca",
            "education_level": "profesional",
            "area": "Contabilidad",
            "remote_preference": "presencial",
        },
        headers=auth,
    )
    assert created.status_code == 201, created.json
    assert (created.json["full_name"], created.json["email"], created.json["phone"]) == (
        "L. P.",
        "l***@gmail.com",
        "300 *** **21",
    )
    changed = client.patch(
        f"/api/v1/candidates/{created.json['id']}", json={"city": "Palmira"}, headers=auth
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["email"] == "l***@gmail.com"


def test_a_token_is_granted_personal_data_on_purpose(client):
    admin = headers("admin")

    granted = client.post(
        "/api/v1/tokens",
        json={"name": "contact-desk", "role": "viewer", "personal_data": True},
        headers=admin,
    )
    plain = client.post("/api/v1/tokens", json={"name": "reports", "role": "viewer"}, headers=admin)
    coerced = client.post(
        "/api/v1/tokens",
        json={"name": "sloppy", "role": "viewer", "personal_data": "yes"},
        headers=admin,
    )

    assert granted.status_code == plain.status_code == 201, (granted.json, plain.json)
    assert (granted.json["personal_data"], plain.json["personal_data"]) == (True, False)
    assert coerced.status_code == 422 and "personal_data" in coerced.json["error"]["fields"]
    listed = {
        t["name"]: t["personal_data"] for t in client.get("/api/v1/tokens", headers=admin).json
    }
    assert listed["contact-desk"] is True and listed["reports"] is False
