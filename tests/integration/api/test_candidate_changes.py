"""Candidates over HTTP on PostgreSQL and SQLite: emails normalised and unique, PATCH (consent
withdrawal included) and DELETE, each removing the person from the audiences that hold them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.factories import candidate_payload, make_candidate
from tests.fakes import FakeDirectory, RecordingDispatcher

from adflux.audiences import service as audiences
from adflux.audiences import tasks as audience_tasks
from adflux.audiences.models import AudienceMember, MemberState
from adflux.audit.models import AuditLog
from adflux.auth import service as auth_service
from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

# SHA-256 of the normalised texts, computed by hand (sha256sum), not by AdFlux.
ANA_META_EMAIL = (
    "3c6c5c25f4b64020ae299c05c0e540df807d9aed7457b04b118cc234a6a58c6a"  # ana.perez@example.com
)
PHONE_META = "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172"  # 573001234567


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def backend(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The PostgreSQL app (rolled back after the test) or a fresh, migrated SQLite file, with
    fake platforms and a dispatcher that records the tasks sent."""
    app = request.getfixturevalue("app" if request.param == "postgres" else "sqlite_app")
    previous = app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"]
    app.extensions["adflux_platforms"] = FakeDirectory()
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield app
    app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def client(backend: Flask) -> FlaskClient:
    return backend.test_client()


_tokens = itertools.count()


def headers(role: str = "admin") -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"test-{role}-{next(_tokens)}", role=role
    )
    return {"Authorization": f"Bearer {plain}"}


# --------------------------------------------------------------------------- emails


def test_surrounding_spaces_are_trimmed_and_the_address_lower_cased(client):
    response = client.post(
        "/api/v1/candidates",
        json=candidate_payload(email="  Ana.Pérez@Example.COM "),
        headers=headers("operator"),
    )

    assert response.status_code == 201, response.json
    # The answer masks personal data (candidates/personal_data.py); the stored form is normalised.
    assert (response.json["email"], response.json["personal_data"]) == (
        "a***@example.com",
        "masked",
    )
    assert db.session.get(Candidate, response.json["id"]).email == "ana.pérez@example.com"


@pytest.mark.parametrize("again", ["ana@example.com", "ANA@example.com", " Ana@EXAMPLE.com\t"])
def test_an_email_already_taken_is_a_409_naming_the_field(client, again):
    auth = headers("operator")
    first = client.post(
        "/api/v1/candidates", json=candidate_payload(email="ana@example.com"), headers=auth
    )
    assert first.status_code == 201, first.json

    second = client.post("/api/v1/candidates", json=candidate_payload(email=again), headers=auth)

    assert second.status_code == 409, second.json
    assert second.json["error"]["fields"] == {"email": ["ya existe"]}
    emails = db.session.scalars(sa.select(Candidate.email)).all()
    assert emails.count("ana@example.com") == 1


# --------------------------------------------------------------------------- PATCH


def test_patch_changes_only_the_fields_sent_and_is_audited(client):
    candidate = make_candidate(city="Cali", age=30)
    db.session.commit()

    response = client.patch(
        f"/api/v1/candidates/{candidate.id}",
        json={"city": "Pasto", "years_experience": 7.5},
        headers=headers("operator"),
    )

    assert response.status_code == 200, response.json
    assert (response.json["city"], response.json["age"]) == ("Pasto", 30)
    entry = db.session.scalars(
        sa.select(AuditLog).where(
            AuditLog.action == "candidate.update", AuditLog.entity_id == str(candidate.id)
        )
    ).one()
    assert entry.details["fields"] == ["city", "years_experience"]
    assert "Pasto" not in str(entry.details)  # values are personal data: names only


def test_patch_to_an_email_another_candidate_holds_is_a_409(client):
    make_candidate(email="ana@example.com")
    other = make_candidate(email="luis@example.com")
    db.session.commit()

    response = client.patch(
        f"/api/v1/candidates/{other.id}",
        json={"email": " ANA@example.com"},
        headers=headers("operator"),
    )

    assert response.status_code == 409
    assert response.json["error"]["fields"] == {"email": ["ya existe"]}
    db.session.expire_all()
    assert db.session.get(Candidate, other.id).email == "luis@example.com"


def test_patch_keeping_its_own_email_is_not_a_conflict(client):
    candidate = make_candidate(email="ana@example.com")
    db.session.commit()

    response = client.patch(
        f"/api/v1/candidates/{candidate.id}",
        json={"email": "Ana@Example.com", "age": 31},
        headers=headers("operator"),
    )

    assert response.status_code == 200, response.json
    assert response.json["email"] == "a***@example.com"
    db.session.expire_all()
    assert db.session.get(Candidate, candidate.id).email == "ana@example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"age": 7}, "age"),
        ({"email": "no es un correo"}, "email"),
        ({"full_name": None}, "full_name"),
        ({"marketing_consent": None}, "marketing_consent"),
        ({"education_level": "kinder"}, "education_level"),
    ],
)
def test_patch_with_bad_input_is_a_422_naming_the_field(client, body, field):
    candidate = make_candidate()
    db.session.commit()

    response = client.patch(
        f"/api/v1/candidates/{candidate.id}", json=body, headers=headers("operator")
    )

    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_patch_and_delete_of_a_missing_candidate_are_404(client):
    auth = headers()
    assert client.patch("/api/v1/candidates/999999", json={}, headers=auth).status_code == 404
    assert client.delete("/api/v1/candidates/999999", headers=auth).status_code == 404


def test_a_viewer_can_neither_patch_nor_delete(client):
    candidate = make_candidate()
    db.session.commit()
    auth = headers("viewer")

    assert (
        client.patch(
            f"/api/v1/candidates/{candidate.id}", json={"age": 40}, headers=auth
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/candidates/{candidate.id}", headers=auth).status_code == 403


# --------------------------------------------------------------------------- audiences


@pytest.fixture
def audience(backend):
    """Ana (consenting) in a segment whose Meta audience was uploaded: (segment, ana, fake meta)."""
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=1)
    db.session.add(run)
    db.session.flush()
    segment = Segment(run_id=run.id, cluster_index=0, name="Contadores · Cali", size=2)
    db.session.add(segment)
    db.session.flush()
    ana = make_candidate(email="ana.perez@example.com", phone="300 123 4567")
    luis = make_candidate(email="luis@example.com", phone="310 555 0000")
    for person in (ana, luis):
        db.session.add(
            SegmentMembership(run_id=run.id, candidate_id=person.id, segment_id=segment.id)
        )
    db.session.commit()
    directory = backend.extensions["adflux_platforms"]
    adapter = directory.adapter("meta")
    audiences.ensure_segment_audience(db_session=db.session, segment=segment, adapter=adapter)
    return segment, ana, directory.platforms["meta"]


def _held(meta) -> set[str]:
    (held,) = meta.audience_members.values()
    return {h for m in held for h in (m.email_sha256, m.phone_sha256) if h}


def test_withdrawing_consent_removes_the_person_from_the_audience(client, backend, audience):
    _segment, ana, meta = audience
    assert {ANA_META_EMAIL, PHONE_META} <= _held(meta)

    response = client.patch(
        f"/api/v1/candidates/{ana.id}", json={"marketing_consent": False}, headers=headers()
    )

    assert response.status_code == 200, response.json
    assert response.json["marketing_consent"] is False
    sent = backend.extensions["adflux_dispatcher"].take()
    assert [name for name, _args, _delay in sent] == [audiences.REMOVAL_TASK]
    assert audience_tasks.remove_audience_members.run() == 1

    assert not {ANA_META_EMAIL, PHONE_META} & _held(meta)
    assert len(_held(meta)) == 2  # Luis stays
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AudienceMember)
            .where(AudienceMember.state == MemberState.REMOVING)
        )
        == 0
    )
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert "candidate.consent_withdrawn" in actions
    assert "audience.members_removed" in actions


def test_deleting_a_candidate_erases_them_and_their_hashes_everywhere(client, backend, audience):
    _segment, ana, meta = audience
    ana_id = ana.id

    response = client.delete(f"/api/v1/candidates/{ana_id}", headers=headers())

    assert response.status_code == 204
    assert client.get(f"/api/v1/candidates/{ana_id}", headers=headers()).status_code == 404
    assert not db.session.scalars(
        sa.select(SegmentMembership).where(SegmentMembership.candidate_id == ana_id)
    ).all()
    assert audience_tasks.remove_audience_members.run() == 1
    assert not {ANA_META_EMAIL, PHONE_META} & _held(meta)
    # Once the platform accepted the removal no trace of the hashes stays behind.
    held_hashes = db.session.scalars(sa.select(AudienceMember.email_sha256)).all()
    assert ANA_META_EMAIL not in held_hashes
    entry = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "candidate.delete")
    ).one()
    assert entry.entity_id == str(ana_id)
    (audience_id,) = meta.audience_members
    assert entry.details["audiences_to_remove_from"] == [f"meta:{audience_id}"]
    removal = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "audience.members_removed")
    ).one()
    assert removal.details["audience_id"] == audience_id
    assert removal.details["count"] == 1


def test_a_failed_removal_stays_pending_and_is_retried(client, backend, audience):
    _segment, ana, meta = audience
    dispatcher = backend.extensions["adflux_dispatcher"]
    client.patch(
        f"/api/v1/candidates/{ana.id}", json={"marketing_consent": False}, headers=headers()
    )
    dispatcher.take()
    from adflux.platforms.base import TransientError

    original = FakeDirectory.adapter

    class Failing:
        def __getattr__(self, name):
            return getattr(original(backend.extensions["adflux_platforms"], "meta"), name)

        def remove_audience_members(self, *args):
            raise TransientError("meta", "503 from the platform")

    backend.extensions["adflux_platforms"].adapter = lambda name: Failing()  # type: ignore[method-assign]
    assert audience_tasks.remove_audience_members.run() == 0
    assert [name for name, _a, delay in dispatcher.take()] == [audiences.REMOVAL_TASK]
    row = db.session.scalars(
        sa.select(AudienceMember).where(AudienceMember.state == MemberState.REMOVING)
    ).one()
    assert row.attempts == 1 and "503" in row.last_error

    del backend.extensions["adflux_platforms"].adapter  # the platform is back
    assert audience_tasks.refresh_audiences.run() == 1  # the scheduled refresh catches it
    assert not {ANA_META_EMAIL, PHONE_META} & _held(meta)
