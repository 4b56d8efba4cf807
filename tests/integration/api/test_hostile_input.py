"""Hostile and loose input gets a 4xx in the JSON error shape naming the field, on PostgreSQL and
SQLite alike: integers the database cannot hold, wrong JSON types, NUL characters, deep nesting,
bodies that are not JSON or are too large, LIKE wildcards, unknown paths.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from tests.conftest import count_rows
from tests.factories import candidate_payload, job_payload, make_job

from adflux.app import create_app
from adflux.auth import service as auth_service
from adflux.candidates.models import Candidate
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.extensions import db
from adflux.jobs.models import JobOpening

TOO_BIG = 2**63  # one past SQLite's INTEGER and PostgreSQL's bigint
WAY_TOO_BIG = 99999999999999999999


@pytest.fixture(scope="module")
def sqlite_app_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The embedded default (a SQLite file), migrated once for this module's many small cases."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("sqlite") / "data", log_level="WARNING")
    app = create_app(settings, TESTING=True)
    with app.app_context():
        upgrade_schema()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(
    params=[pytest.param("postgresql", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def backend(request) -> Iterator[Flask]:
    """The app on PostgreSQL (rolled back after the test) or on SQLite (shared by the module:
    the cases below compare with what was there before, never with an empty table)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("app")
        return
    app = request.getfixturevalue("sqlite_app_once")
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def api(backend: Flask) -> FlaskClient:
    return backend.test_client()


@pytest.fixture
def admin(backend: Flask) -> dict[str, str]:
    name = f"hostile-{uuid.uuid4().hex[:8]}"
    _row, plain = auth_service.create_token(db_session=db.session, name=name, role="admin")
    return {"Authorization": f"Bearer {plain}"}


def _fields(response) -> dict[str, list[str]]:
    assert response.is_json, response.get_data(as_text=True)
    return response.json["error"].get("fields") or {}


# -- integers out of range ------------------------------------------------------------------

# What a 404 says in Spanish, the language of a request without Accept-Language.
MISSING = {
    "campaign": "la campaña %s no existe",
    "job": "la vacante %s no existe",
    "candidate": "el candidato %s no existe",
    "segment": "el segmento %s no existe",
    "segmentation run": "la segmentación %s no existe",
}


@pytest.mark.parametrize(
    ("method", "path", "resource"),
    [
        ("GET", "/api/v1/campaigns/{id}", "campaign"),
        ("POST", "/api/v1/campaigns/{id}/retry", "campaign"),
        ("POST", "/api/v1/campaigns/{id}/pause", "campaign"),
        ("POST", "/api/v1/campaigns/{id}/resume", "campaign"),
        ("GET", "/api/v1/jobs/{id}", "job"),
        ("PATCH", "/api/v1/jobs/{id}", "job"),
        ("POST", "/api/v1/jobs/{id}/close", "job"),
        ("GET", "/api/v1/candidates/{id}", "candidate"),
        ("GET", "/api/v1/candidates/{id}/segment", "candidate"),
        ("GET", "/api/v1/segments/{id}", "segment"),
        ("GET", "/api/v1/segmentations/{id}", "segmentation run"),
        ("GET", "/api/v1/segmentations/{id}/projection", "segmentation run"),
        ("POST", "/publish/{id}", "job"),
        ("GET", "/segment/{id}", "candidate"),
        ("GET", "/job_openings/{id}", "job"),
    ],
)
@pytest.mark.parametrize("value", [str(TOO_BIG), str(WAY_TOO_BIG), "0", "-1", "abc"])
def test_a_path_id_out_of_range_is_a_404_naming_the_resource(
    api, admin, method, path, resource, value
):
    response = api.open(path.format(id=value), method=method, headers=admin, json={})
    assert response.status_code == 404
    assert response.json["error"] == {
        "code": "not_found",
        "message": MISSING[resource] % value,
        "request_id": response.headers["X-Request-Id"],
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs",
        "/api/v1/candidates",
        "/api/v1/campaigns",
        "/api/v1/segmentations",
        "/job_openings",
    ],
)
@pytest.mark.parametrize("value", [TOO_BIG, WAY_TOO_BIG, 2**31])
def test_an_offset_out_of_range_is_a_422_on_every_list(api, admin, path, value):
    response = api.get(f"{path}?offset={value}", headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == ["offset"]


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/campaigns?job_id={WAY_TOO_BIG}",
        f"/api/v1/campaigns?job_id={TOO_BIG}",
        f"/api/v1/candidates?segment_id={TOO_BIG}",
        "/api/v1/jobs?limit=201",
        f"/api/v1/jobs?limit={TOO_BIG}",
    ],
)
def test_a_query_integer_out_of_range_is_a_422_naming_it(api, admin, query):
    response = api.get(query, headers=admin)
    assert response.status_code == 422
    name = query.split("?")[1].split("=")[0]
    assert list(_fields(response)) == [name]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/campaigns", {"job_id": TOO_BIG, "platforms": ["meta"]}, "job_id"),
        ("/api/v1/campaigns", {"job_id": WAY_TOO_BIG, "platforms": ["meta"]}, "job_id"),
        (
            "/api/v1/campaigns",
            {"job_id": 1, "platforms": ["meta"], "segment_ids": [TOO_BIG]},
            "segment_ids.0",
        ),
        (
            "/api/v1/campaigns",
            {"job_id": 1, "platforms": ["meta"], "daily_budget_cop": TOO_BIG},
            "daily_budget_cop",
        ),
        ("/publish/1", {"platforms": ["meta"], "segment_ids": [TOO_BIG]}, "segment_ids.0"),
        ("/api/v1/jobs", job_payload(salary_max_cop=TOO_BIG), "salary_max_cop"),
        ("/api/v1/candidates", candidate_payload(desired_salary_cop=TOO_BIG), "desired_salary_cop"),
        ("/api/v1/candidates", candidate_payload(age=TOO_BIG), "age"),
        ("/api/v1/segmentations", {"k": TOO_BIG}, "k"),
    ],
)
def test_a_body_integer_out_of_range_is_a_422_naming_it(api, admin, path, body, field):
    response = api.post(path, json=body, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == [field]


# -- strict types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/jobs", job_payload(salary_min_cop=1.5), "salary_min_cop"),
        ("/api/v1/jobs", job_payload(salary_min_cop="7000000"), "salary_min_cop"),
        ("/api/v1/jobs", job_payload(salary_min_cop=True), "salary_min_cop"),
        ("/api/v1/jobs", job_payload(title=12345), "title"),
        ("/api/v1/jobs", job_payload(skills=["python", 3]), "skills.1"),
        ("/api/v1/candidates", candidate_payload(age=30.5), "age"),
        ("/api/v1/candidates", candidate_payload(age="30"), "age"),
        ("/api/v1/candidates", candidate_payload(marketing_consent="yes"), "marketing_consent"),
        ("/api/v1/candidates", candidate_payload(marketing_consent=1), "marketing_consent"),
        ("/api/v1/candidates", candidate_payload(years_experience="5"), "years_experience"),
        ("/api/v1/candidates", candidate_payload(years_experience=False), "years_experience"),
        ("/api/v1/campaigns", {"job_id": "1", "platforms": ["meta"]}, "job_id"),
        ("/api/v1/campaigns", {"job_id": 1.0, "platforms": ["meta"]}, "job_id"),
        ("/api/v1/segmentations", {"k_min": 2.0}, "k_min"),
        ("/api/v1/tokens", {"name": "x", "role": 1}, "role"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_not_coerced(api, admin, path, body, field):
    response = api.post(path, json=body, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == [field]


def test_nothing_is_stored_when_a_type_is_wrong(api, admin):
    before = count_rows(Candidate), count_rows(JobOpening)
    api.post("/api/v1/candidates", json=candidate_payload(age=30.5), headers=admin)
    api.post("/api/v1/jobs", json=job_payload(salary_min_cop=1.5), headers=admin)
    assert (count_rows(Candidate), count_rows(JobOpening)) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/candidates?consenting=yes", "consenting"),
        ("/api/v1/candidates?consenting=1", "consenting"),
        ("/api/v1/jobs?limit=1.5", "limit"),
        ("/api/v1/jobs?offset=%2B1", "offset"),
        ("/api/v1/jobs?offset=%201", "offset"),
    ],
)
def test_a_query_value_must_spell_its_type_exactly(api, admin, query, field):
    response = api.get(query, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == [field]


# -- NUL characters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/jobs", job_payload(title="Cajero\x00 nocturno"), "title"),
        ("/api/v1/jobs", job_payload(skills=["ok", "mal\x00"]), "skills.1"),
        ("/api/v1/candidates", candidate_payload(full_name="Ana\x00"), "full_name"),
        ("/api/v1/campaigns", {"job_id": 1, "platforms": ["meta"], "name": "a\x00"}, "name"),
        ("/api/v1/tokens", {"name": "bot\x00", "role": "viewer"}, "name"),
    ],
)
def test_a_nul_character_in_a_body_is_refused_and_nothing_stored(api, admin, path, body, field):
    before = count_rows(JobOpening), count_rows(Candidate)
    response = api.post(path, json=body, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == [field]
    assert (count_rows(JobOpening), count_rows(Candidate)) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/jobs?q=caj%00ero", "q"),
        ("/api/v1/jobs?city=Cali%00", "city"),
        ("/api/v1/candidates?area=%00", "area"),
        ("/job_openings?q=%00", "q"),
    ],
)
def test_a_nul_character_in_a_query_is_refused(api, admin, query, field):
    response = api.get(query, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == [field]


def test_a_nul_character_in_a_job_update_is_refused(api, admin):
    job = make_job()
    response = api.patch(f"/api/v1/jobs/{job.id}", json={"city": "Cali\x00"}, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == ["city"]
    db.session.refresh(job)
    assert "\x00" not in job.city


# -- bodies: nesting, content type, size ----------------------------------------------------


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deeply_nested_json_is_a_400(api, admin, depth):
    body = "[" * depth + "]" * depth
    response = api.post(
        "/api/v1/jobs", data=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "niveles de anidación" in response.json["error"]["message"]


def test_json_nested_within_the_bound_is_judged_by_the_schema(api, admin):
    body = job_payload(skills=[[["python"]]])
    response = api.post("/api/v1/jobs", json=body, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == ["skills.0"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"title": "x"}', "text/plain"),
        ("title=x&company=y", "application/x-www-form-urlencoded"),
        (
            "--b\r\nContent-Disposition: form-data; name=title\r\n\r\nx\r\n--b--",
            "multipart/form-data; boundary=b",
        ),
    ],
)
def test_a_body_that_is_not_json_is_a_415_naming_json(api, admin, data, content_type):
    before = count_rows(JobOpening)
    response = api.post("/api/v1/jobs", data=data, headers={**admin, "Content-Type": content_type})
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert "application/json" in response.json["error"]["message"]
    assert count_rows(JobOpening) == before


def test_an_optional_body_may_be_left_out(api, admin):
    # POST /segmentations trains with its defaults: no body is read as an empty object (a 202, or
    # the documented rule when there are too few candidates), not a 400 or a 415.
    without = api.post("/api/v1/segmentations", headers=admin)
    empty = api.post("/api/v1/segmentations", json={}, headers=admin)
    assert without.status_code == empty.status_code
    assert without.status_code in (202, 409, 422)
    if without.status_code == 422:
        assert _fields(without) == _fields(empty)


def test_a_chunked_body_over_the_limit_is_a_413(backend, api, admin):
    limit = backend.config["MAX_CONTENT_LENGTH"]
    body = ('{"description": "' + "x" * limit + '"}').encode()
    response = api.post(
        "/api/v1/jobs",
        input_stream=io.BytesIO(body),
        headers={**admin, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        # What gunicorn and Werkzeug's server set for a chunked request they de-chunk.
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert "ADFLUX_MAX_BODY_BYTES" in response.json["error"]["message"]


def test_a_chunked_body_within_the_limit_is_read_whole(api, admin):
    body = job_payload(external_ref=f"chunked-{uuid.uuid4().hex[:8]}")
    response = api.post(
        "/api/v1/jobs",
        input_stream=io.BytesIO(json.dumps(body).encode()),
        headers={**admin, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 201, response.json
    assert response.json["external_ref"] == body["external_ref"]


# -- search ---------------------------------------------------------------------------------


# "/" is the escape character of the search's LIKE: it must match itself too.
@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "\\", "/", "/%"])
def test_like_wildcards_in_a_search_match_themselves(api, admin, wildcard):
    make_job(title="Cajero nocturno")
    special = make_job(title="Asesor 100% comisiones_ventas \\ turnos 24/7 /%")
    response = api.get("/api/v1/jobs", query_string={"q": wildcard, "limit": 200}, headers=admin)
    assert response.status_code == 200
    titles = [job["title"] for job in response.json["items"]]
    assert "Cajero nocturno" not in titles
    assert all(wildcard in title for title in titles)
    assert (special.title in titles) == (wildcard in special.title)


def test_a_search_for_a_percent_sign_finds_it(api, admin):
    marker = uuid.uuid4().hex[:8]
    make_job(title=f"Asesor {marker} 100% comisiones")
    make_job(title=f"Asesor {marker} 100 comisiones")
    response = api.get("/api/v1/jobs", query_string={"q": f"{marker} 100%"}, headers=admin)
    assert [j["title"] for j in response.json["items"]] == [f"Asesor {marker} 100% comisiones"]


# -- 404 and 401 ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/jobs/1/nothing", "/job_openings/x/y"])
def test_an_unknown_api_path_is_a_json_404(api, admin, path):
    response = api.get(path, headers=admin)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert path in response.json["error"]["message"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}]
)
@pytest.mark.parametrize("path", ["/api/v1/jobs", "/job_openings", "/segment/1"])
def test_every_401_names_the_bearer_scheme(api, headers, path):
    response = api.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_dashboard_path_id_out_of_range_is_not_a_server_error(api):
    for path in (
        f"/campaigns/{TOO_BIG}",
        f"/jobs/{TOO_BIG}",
        f"/segments/runs/{TOO_BIG}/live.json",
    ):
        response = api.get(path)
        assert response.status_code == 404, path


def test_a_nul_character_in_a_path_matches_no_route(api, admin):
    # The token name is a path segment: with %00 it reached the database (a 422 naming nothing on
    # PostgreSQL, a lookup on SQLite).
    response = api.post("/api/v1/tokens/bot%00/revoke", headers=admin)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_refused_nul_character_is_answered_with_the_request_id(api, admin):
    response = api.get("/api/v1/jobs?city=%00", headers={**admin, "X-Request-Id": "req-nul-1"})
    assert response.status_code == 422
    assert response.json["error"]["request_id"] == "req-nul-1"
    assert response.headers["X-Request-Id"] == "req-nul-1"


def test_an_unpaired_surrogate_is_refused_and_nothing_stored(api, admin):
    # JSON's "\ud800" escape decodes to a lone surrogate, which no database can encode.
    body = json.dumps(job_payload(title="Cajero \ud800 nocturno"))
    before = count_rows(JobOpening)
    response = api.post(
        "/api/v1/jobs", data=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert list(_fields(response)) == ["title"]
    assert count_rows(JobOpening) == before


def test_a_surrogate_pair_is_an_ordinary_character(api, admin):
    body = json.dumps(job_payload(title="Cajero 😀 nocturno", external_ref=uuid.uuid4().hex))
    response = api.post(
        "/api/v1/jobs", data=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.json
    assert response.json["title"] == "Cajero 😀 nocturno"


def test_a_moment_no_database_holds_is_a_422_naming_it(api, admin):
    # 9999-12-31T23:59:59-23:00 is in the year 10000 in UTC: SQLite stored it, PostgreSQL
    # refused it without naming the field.
    body = candidate_payload(last_active_at="9999-12-31T23:59:59-23:00")
    response = api.post("/api/v1/candidates", json=body, headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == ["last_active_at"]


def test_a_number_with_thousands_of_digits_is_a_400(api, admin):
    body = '{"salary_min_cop": ' + "9" * 5_000 + "}"
    response = api.post(
        "/api/v1/jobs", data=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_a_query_parameter_given_twice_is_refused_not_half_read(api, admin):
    response = api.get("/api/v1/jobs?limit=1&limit=2", headers=admin)
    assert response.status_code == 422
    assert list(_fields(response)) == ["limit"]
