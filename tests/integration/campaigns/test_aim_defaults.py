"""A campaign without segment ids aims at the segments recommended for its job; chosen segments
that fit poorly are accepted and warned about. Over HTTP on PostgreSQL and SQLite (the tallies
are the database's arithmetic), with fake platforms and a dispatcher that records the tasks."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.factories import make_job, make_segmented_run

from adflux.audit.models import AuditLog
from adflux.auth import service as auth_service
from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.segmentation.models import SegmentMembership

TECH = "Tecnología y desarrollo de software"
SALES = "Ventas y comercial"
_tokens = itertools.count()


@pytest.fixture
def client(backend: Flask) -> FlaskClient:
    return backend.test_client()


def operator() -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"test-operator-{next(_tokens)}", role="operator"
    )
    return {"Authorization": f"Bearer {plain}"}


def _people(n: int, **traits):
    return [{"years_experience": 6.0, "remote_preference": "presencial", **traits}] * n


@pytest.fixture
def job(backend):
    return make_job(
        title="Ingeniero DevOps",
        area=TECH,
        city="Bogotá",
        remote_mode="presencial",
        seniority="senior",
        salary_min_cop=None,
        salary_max_cop=None,
        description="Kubernetes, Terraform y AWS.",
    )


@pytest.fixture
def segments(backend):
    """The active run's segments for the DevOps job, best fit first; the last does not fit."""
    return make_segmented_run(
        {
            "Desarrolladores · Bogotá": _people(4, area=TECH, city="Bogotá"),
            "Desarrolladores · Soacha": _people(3, area=TECH, city="Soacha")
            + _people(1, area=SALES, city="Soacha"),
            "Desarrolladores mixtos": _people(2, area=TECH, city="Bogotá")
            + _people(2, area=TECH, city="Cali"),
            "Desarrolladores · Chía": _people(1, area=TECH, city="Chía")
            + _people(2, area=SALES, city="Chía"),
            "Ventas · Bogotá": _people(1, area=TECH, city="Bogotá")
            + _people(24, area=SALES, city="Bogotá"),
        }
    )


def _post(client, body, headers):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/campaigns", json=body, headers=headers)


def test_without_segment_ids_the_campaign_aims_at_the_recommended_segments(client, job, segments):
    best, second, third, _fourth, _sales = segments
    headers = operator()

    response = _post(client, {"job_id": job.id, "platforms": ["meta", "google"]}, headers)

    assert response.status_code == 202, response.json
    body = response.json
    assert body["segment_ids"] == sorted([best.id, second.id, third.id])
    assert body["warnings"] == []
    shown = client.get(f"/api/v1/campaigns/{body['id']}", headers=headers).json
    assert (shown["segment_ids"], shown["warnings"]) == (body["segment_ids"], [])
    entry = db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.action == "campaign.create", AuditLog.entity_id == str(body["id"])
        )
    )
    assert entry is not None and entry.details["segments_recommended"] is True


def test_a_low_fit_segment_is_created_with_a_warning_kept_on_the_campaign(client, job, segments):
    best, *_, sales = segments
    headers = operator()

    response = _post(
        client,
        {"job_id": job.id, "platforms": ["meta"], "segment_ids": [sales.id, best.id]},
        headers,
    )

    assert response.status_code == 202, response.json
    assert response.json["segment_ids"] == sorted([best.id, sales.id])
    [warning] = response.json["warnings"]
    assert (warning["rule"], warning["field"]) == ("segment_low_fit", "segment_ids")
    assert warning["code"] == "segment_low_fit"
    assert warning["message"] == (
        "El segmento «Ventas · Bogotá» encaja poco con este empleo (afinidad 0,04 de 1; se "
        "recomienda desde 0,20): 4 % trabaja en tecnología y desarrollo de software"
    )
    in_english = client.get(
        f"/api/v1/campaigns/{response.json['id']}", headers={**headers, "Accept-Language": "en"}
    ).json
    assert in_english["warnings"][0]["message"] == (
        "Segment «Ventas · Bogotá» fits this job poorly (fit 0.04 of 1; recommended from "
        "0.20): 4 % work in technology and software development"
    )
    # Kept with the campaign: the same warning afterwards, in the campaign and in the list.
    shown = client.get(f"/api/v1/campaigns/{response.json['id']}", headers=headers).json
    assert shown["warnings"] == [warning]
    listed = client.get("/api/v1/campaigns", headers=headers).json["items"]
    assert listed[0]["warnings"] == [warning]


def test_when_no_segment_fits_the_campaign_is_created_on_the_jobs_own_terms_and_says_why(
    client, segments
):
    nurse = make_job(title="Enfermera jefe", area="Salud", city="Bogotá", remote_mode="presencial")
    headers = operator()

    response = _post(client, {"job_id": nurse.id, "platforms": ["meta"]}, headers)

    assert response.status_code == 202, response.json
    assert response.json["segment_ids"] == []
    [warning] = response.json["warnings"]
    assert warning["rule"] == "no_segment_fits"
    assert warning["message"].startswith(
        "Sin segmento recomendado: ningún segmento reúne candidatos de salud"
    )
    assert warning["message"].endswith(
        "la campaña se dirige a la ciudad, el área y las habilidades de la vacante."
    )
    shown = client.get(f"/api/v1/campaigns/{response.json['id']}", headers=headers).json
    assert shown["warnings"] == [warning]


def test_a_replay_returns_the_first_campaign_even_after_the_recommendation_changed(
    client, job, segments
):
    best, second, third, fourth, _sales = segments
    headers = {**operator(), "Idempotency-Key": "aim-replay-1"}
    request = {"job_id": job.id, "platforms": ["meta"]}
    first = _post(client, request, headers)
    assert first.status_code == 202, first.json
    assert first.json["segment_ids"] == sorted([best.id, second.id, third.id])

    # The best segment's members withdraw their consent: it no longer fits, and the
    # recommendation for the same request would now be the next three.
    db.session.execute(
        sa.update(Candidate)
        .where(
            Candidate.id.in_(
                sa.select(SegmentMembership.candidate_id).where(
                    SegmentMembership.segment_id == best.id
                )
            )
        )
        .values(marketing_consent=False)
    )
    db.session.commit()
    fresh = _post(client, request, {**operator(), "Idempotency-Key": "aim-replay-2"})
    assert fresh.json["segment_ids"] == sorted([second.id, third.id, fourth.id])

    again = _post(client, request, headers)

    assert again.status_code == 200, again.json
    assert again.json["id"] == first.json["id"]
    assert again.json["segment_ids"] == first.json["segment_ids"]
    assert again.json["warnings"] == first.json["warnings"] == []
    # The same key with segments named is another request, however they compare.
    named = _post(client, {**request, "segment_ids": first.json["segment_ids"]}, headers)
    assert named.status_code == 422
    assert "Idempotency-Key" in named.json["error"]["fields"]


def test_a_fitting_age_proxy_is_not_recommended_and_needs_no_confirmation(client, job, segments):
    best, second, third, fourth, _sales = segments
    best.profile = {"age_proxy": {"warning": True}}
    db.session.commit()

    response = _post(client, {"job_id": job.id, "platforms": ["meta"]}, operator())

    assert response.status_code == 202, response.json
    assert response.json["segment_ids"] == sorted([second.id, third.id, fourth.id])
    assert response.json["warnings"] == []
