"""GET /api/v1/jobs/{id}/audience: the places and keywords a job's campaigns aim at, over HTTP,
on PostgreSQL and on SQLite."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from flask import Flask
from tests.factories import make_candidate, make_job, make_segmented_run

from adflux.auth import service as auth_service
from adflux.extensions import db

TECH = "Tecnología y desarrollo de software"
ADMIN = "Administración y oficina"
_names = itertools.count(1)


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def backend(request) -> Iterator[Flask]:
    """The app on PostgreSQL (rolled back) or on a fresh SQLite file, context pushed."""
    yield request.getfixturevalue("app" if request.param == "postgresql" else "sqlite_app")


def _viewer() -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"places-viewer-{next(_names)}", role="viewer"
    )
    return {"Authorization": f"Bearer {plain}"}


def _audience(backend: Flask, job_id: int, language: str = "es") -> dict:
    response = backend.test_client().get(
        f"/api/v1/jobs/{job_id}/audience", headers={**_viewer(), "Accept-Language": language}
    )
    assert response.status_code == 200, response.json
    return response.json


def test_a_hybrid_jobs_places_are_its_city_and_the_near_towns_its_trade_lives_in(backend):
    for city, n in (("Manizales", 2), ("Pereira", 5), ("Bogotá", 9)):
        for _ in range(n):
            make_candidate(city=city, area=TECH)
    make_candidate(city="Pereira", area=TECH, marketing_consent=False)
    job = make_job(
        title="Ingeniero DevOps senior",
        area=TECH,
        city="Manizales",
        department="Caldas",
        remote_mode="hibrido",
        skills=["Docker", "Kubernetes"],
    )

    body = _audience(backend, job.id)

    assert set(body) == {"job_id", "segments", "no_fit_reason", "places", "keywords", "people"}
    places = body["places"]
    assert places["country_wide"] is False
    assert [(c["city"], c["fitting_candidates"]) for c in places["cities"]] == [
        ("Manizales", 2),
        ("Pereira", 5),
    ]  # Bogotá is 165 km away
    home, pereira = places["cities"]
    assert set(pereira) == {"city", "km_from_job", "fitting_candidates", "reason"}
    assert home["km_from_job"] == 0.0 and 30 < pereira["km_from_job"] < 40
    assert pereira["reason"] == {
        "code": "near_city",
        "share": 0.3125,  # 5 of the 16 consenting candidates in the trade
        "message": "5 candidatos de tecnología y desarrollo de software viven en Pereira, a 35 km",
    }
    assert home["reason"]["code"] == "job_city"
    english = _audience(backend, job.id, "en")["places"]["cities"][1]["reason"]["message"]
    assert (
        english == "5 candidates in technology and software development live in Pereira, 35 km away"
    )
    assert body["keywords"] == ["Ingeniero DevOps", "Docker", "Kubernetes", TECH]


def test_a_remote_job_with_its_trade_spread_out_aims_at_the_whole_country(backend):
    make_candidate(city="Bogotá", area=ADMIN)
    job = make_job(title="Asistente administrativo", area=ADMIN, remote_mode="remoto", skills=[])
    body = _audience(backend, job.id)
    assert body["places"] == {"country_wide": True, "cities": []}
    assert body["keywords"] == ["Asistente administrativo", ADMIN]


def test_keywords_take_the_fitting_segments_skills_of_the_jobs_area_only(backend):
    admins, devs = make_segmented_run(
        {
            "Profesionales administrativos · Cali": [
                {"area": ADMIN, "city": "Cali", "skills": ["SAP"]},
                {"area": ADMIN, "city": "Palmira", "skills": ["SAP"]},
            ],
            "Desarrolladores · Cali": [{"area": TECH, "city": "Cali", "skills": ["Python"]}],
        }
    )
    admins.profile = {"top_areas": [{"value": ADMIN}], "top_skills": [{"value": "SAP"}]}
    devs.profile = {"top_areas": [{"value": TECH}], "top_skills": [{"value": "Python"}]}
    db.session.flush()
    job = make_job(
        title="Asistente administrativo",
        area=ADMIN,
        city="Cali",
        department="Valle del Cauca",
        remote_mode="presencial",
        skills=["Excel"],
    )
    body = _audience(backend, job.id)
    assert [s["name"] for s in body["segments"] if s["fits"]] == [admins.name]
    assert [c["city"] for c in body["places"]["cities"]] == ["Cali", "Palmira"]
    assert body["keywords"] == ["Asistente administrativo", "Excel", "SAP", ADMIN]
