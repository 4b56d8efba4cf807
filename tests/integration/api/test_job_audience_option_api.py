"""A campaign's job audience over HTTP, on PostgreSQL and SQLite: `job_audience_size` is a strict
integer in range or null, refused naming the field otherwise; an age-skewed job audience is
refused until acknowledged, an empty one is said; `GET /jobs/{id}/audience?people=N` previews
it."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.factories import make_candidate, make_job
from tests.fakes import FakeDirectory, RecordingDispatcher

from adflux.audit.models import AuditLog
from adflux.auth import service as auth_service
from adflux.extensions import db
from adflux.targeting.people import DEFAULT_JOB_AUDIENCE_SIZE

TECH = "Tecnología y desarrollo de software"
_names = itertools.count()


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def backend(request) -> Iterator[Flask]:
    app = request.getfixturevalue("app" if request.param == "postgres" else "sqlite_app")
    previous = app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"]
    app.extensions["adflux_platforms"] = FakeDirectory()
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield app
    app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def api(backend: Flask) -> FlaskClient:
    return backend.test_client()


@pytest.fixture
def operator(backend: Flask) -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"job-audience-{next(_names)}", role="operator"
    )
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def developers(ages: Iterable[int], **fields) -> None:
    """Consenting developers in Cali of the given ages (they fit a job of the trade there)."""
    for years in ages:
        make_candidate(area=TECH, city="Cali", years_experience=6.0, age=years, **fields)


def a_job() -> int:
    job = make_job(area=TECH, city="Cali", remote_mode="presencial", seniority="senior")
    db.session.commit()
    return job.id


@pytest.mark.parametrize(
    "value",
    [0, 99, 50_001, "100", 10**12, True, 100.5, [100]],
    ids=["zero", "below", "above", "text", "huge", "boolean", "decimal", "list"],
)
def test_a_bad_size_is_refused_naming_the_field(api, operator, value):
    developers(range(20, 60))
    job_id = a_job()
    response = api.post(
        "/api/v1/campaigns",
        json={"job_id": job_id, "platforms": ["meta"], "job_audience_size": value},
        headers=operator,
    )
    assert response.status_code == 422, response.json
    assert "job_audience_size" in response.json["error"]["fields"]


def test_null_leaves_the_audience_to_the_recommendation_and_a_size_is_returned_on_read(
    api, operator
):
    developers(range(20, 60))
    job_id = a_job()
    plain = api.post(
        "/api/v1/campaigns",
        json={"job_id": job_id, "platforms": ["meta"], "job_audience_size": None},
        headers=operator,
    )
    assert plain.status_code == 202, plain.json
    # No segment (none trained) fits: the default falls back on the job's own audience, and says so.
    assert plain.json["segment_ids"] == []
    assert plain.json["job_audience_size"] == DEFAULT_JOB_AUDIENCE_SIZE
    [no_fit] = plain.json["warnings"]
    assert no_fit["rule"] == "no_segment_fits"
    assert "los 1.000 candidatos más afines a la vacante" in no_fit["message"]

    sized = api.post(
        "/api/v1/campaigns",
        json={"job_id": job_id, "platforms": ["meta"], "job_audience_size": 100},
        headers=operator,
    )
    assert sized.status_code == 202, sized.json
    read = api.get(f"/api/v1/campaigns/{sized.json['id']}", headers=operator).json
    assert read["job_audience_size"] == 100 and read["warnings"] == []


def test_a_job_audience_nobody_fits_yet_is_said_without_blocking(api, operator):
    developers(range(20, 60), marketing_consent=False)  # they fit, but refused marketing
    job_id = a_job()
    response = api.post(
        "/api/v1/campaigns",
        json={"job_id": job_id, "platforms": ["meta"], "job_audience_size": 100},
        headers=operator,
    )
    assert response.status_code == 202, response.json
    (warning,) = response.json["warnings"]
    assert (warning["rule"], warning["field"]) == ("job_audience_empty", "job_audience_size")
    assert warning["message"].startswith("Ningún candidato que aceptó recibir publicidad")
    # Nothing to confirm: it is not one of the warnings the API takes an acknowledgement of.
    refused = api.post(
        "/api/v1/campaigns",
        json={
            "job_id": job_id,
            "platforms": ["meta"],
            "job_audience_size": 100,
            "acknowledge_warnings": ["job_audience_empty"],
        },
        headers=operator,
    )
    assert refused.status_code == 422
    assert "acknowledge_warnings.0" in refused.json["error"]["fields"]


def test_an_age_skewed_job_audience_needs_acknowledging(api, operator):
    developers(range(20, 30))  # the developers who fit are young
    for years in range(40, 70):
        make_candidate(area="Ventas y comercial", city="Cali", age=years)
    job_id = a_job()
    body = {"job_id": job_id, "platforms": ["meta"], "job_audience_size": 100}

    refused = api.post("/api/v1/campaigns", json=body, headers=operator)
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "acknowledgement_required"
    fields = refused.json["error"]["fields"]
    assert "más jóvenes" in fields["job_audience_size"][0]
    assert "job_audience_age_skew" in fields["acknowledge_warnings"][0]

    body["acknowledge_warnings"] = ["job_audience_age_skew"]
    created = api.post("/api/v1/campaigns", json=body, headers=operator)
    assert created.status_code == 202, created.json
    read = api.get(f"/api/v1/campaigns/{created.json['id']}", headers=operator).json
    (warning,) = read["warnings"]
    assert (warning["rule"], warning["field"]) == ("job_audience_age_skew", "job_audience_size")
    assert "más jóvenes" in warning["message"]
    in_english = api.get(
        f"/api/v1/campaigns/{created.json['id']}", headers={**operator, "Accept-Language": "en"}
    ).json
    assert "mostly younger than the rest" in in_english["warnings"][0]["message"]
    entry = db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.action == "campaign.create", AuditLog.entity_id == str(created.json["id"])
        )
    )
    assert entry is not None and entry.details["job_audience_size"] == 100
    assert entry.details["acknowledged_warnings"] == ["job_audience_age_skew"]


def test_the_idempotency_key_tells_sizes_apart(api, operator):
    developers(range(20, 60))
    job_id = a_job()
    headers = {**operator, "Idempotency-Key": "same-key"}
    body = {"job_id": job_id, "platforms": ["meta"], "job_audience_size": 100}
    assert api.post("/api/v1/campaigns", json=body, headers=headers).status_code == 202
    assert api.post("/api/v1/campaigns", json=body, headers=headers).status_code == 200
    other = api.post("/api/v1/campaigns", json={**body, "job_audience_size": 200}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["error"]["fields"]


def test_the_job_audience_preview_over_http(api, operator):
    developers(range(20, 60, 2))
    make_candidate(area="Ventas y comercial", city="Cali")
    job_id = a_job()
    response = api.get(f"/api/v1/jobs/{job_id}/audience?people=100", headers=operator)
    assert response.status_code == 200, response.json
    chosen = response.json["people"]
    assert set(chosen) == {"size", "reach", "mean_score", "reasons", "warning"}
    assert (chosen["size"], chosen["reach"], chosen["warning"]) == (100, 20, None)
    assert chosen["reasons"][1]["message"] == "100 % vive en Cali o a menos de 60 km"

    default = api.get(f"/api/v1/jobs/{job_id}/audience", headers=operator).json["people"]
    assert default["size"] == 1000
    for bad in ("5", "abc", "100000"):
        refused = api.get(f"/api/v1/jobs/{job_id}/audience?people={bad}", headers=operator)
        assert refused.status_code == 422, bad
        assert "people" in refused.json["error"]["fields"]


def platforms_of(backend: Flask) -> dict:
    return backend.extensions["adflux_platforms"].platforms


def with_documented_minimums(backend: Flask) -> None:
    """The fake platforms ask what the real ones document (Meta 100, TikTok 1,000 people)."""
    platforms = platforms_of(backend)
    platforms["meta"].min_custom_audience = 100
    platforms["tiktok"].min_custom_audience = 1000


@pytest.mark.parametrize(
    ("fitting", "named", "missed"),
    [
        (42, "({meta}: 100; {tiktok}: 1.000)", ["meta", "tiktok"]),
        (150, "({tiktok}: 1.000)", ["tiktok"]),
    ],
)
def test_a_job_audience_under_a_platforms_minimum_is_said_naming_the_platforms(
    api, operator, backend, fitting, named, missed
):
    with_documented_minimums(backend)
    developers((20 + n % 40 for n in range(fitting)), marketing_consent=True)
    job_id = a_job()
    body = {"job_id": job_id, "platforms": ["meta", "tiktok"], "job_audience_size": 1000}

    response = api.post("/api/v1/campaigns", json=body, headers=operator)

    assert response.status_code == 202, response.json
    (warning,) = response.json["warnings"]
    assert (warning["rule"], warning["field"]) == ("job_audience_too_small", "job_audience_size")
    assert (
        f"reúne {fitting} personas, menos del mínimo que exige cada plataforma"
        in (warning["message"])
    )
    shown = {name: name.title() for name in platforms_of(backend)}  # FakeAdapter.display_name
    assert named.format(**shown) in warning["message"]
    english = api.get(
        f"/api/v1/campaigns/{response.json['id']}", headers={**operator, "Accept-Language": "en"}
    ).json["warnings"][0]["message"]
    assert f"holds {fitting} people" in english
    assert all(shown[p] in english for p in missed)
    assert response.json["job_audience_size"] == 1000  # kept: publishing adds it once it fits
    # Said, not confirmed: the API takes no acknowledgement of it.
    body["acknowledge_warnings"] = ["job_audience_too_small"]
    refused = api.post("/api/v1/campaigns", json=body, headers=operator)
    assert refused.status_code == 422
    assert "acknowledge_warnings.0" in refused.json["error"]["fields"]


def test_the_default_falls_back_on_a_job_audience_only_where_a_platform_would_target_it(
    api, operator, backend
):
    with_documented_minimums(backend)
    developers(range(20, 62))  # 42 fit: fewer than any chosen platform targets
    job_id = a_job()
    body = {"job_id": job_id, "platforms": ["meta", "tiktok"]}

    few = api.post("/api/v1/campaigns", json=body, headers=operator)

    assert few.status_code == 202, few.json
    assert few.json["job_audience_size"] is None  # the job's places and keywords only
    [no_fit] = few.json["warnings"]
    assert no_fit["rule"] == "no_segment_fits"

    developers(range(20, 78))  # 100 fit now: Meta's minimum, if not TikTok's
    enough = api.post("/api/v1/campaigns", json=body, headers=operator)

    assert enough.status_code == 202, enough.json
    assert enough.json["job_audience_size"] == DEFAULT_JOB_AUDIENCE_SIZE
    rules = sorted(w["rule"] for w in enough.json["warnings"])
    assert rules == ["job_audience_too_small", "no_segment_fits"]
