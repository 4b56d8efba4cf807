"""The jobs resource over HTTP against PostgreSQL."""

from __future__ import annotations

import pytest
from tests.factories import job_payload, make_job

from adflux.audit.models import AuditLog
from adflux.extensions import db

pytestmark = pytest.mark.postgres


def test_create_then_read_job(client, token_for):
    headers = token_for("operator")
    created = client.post(
        "/api/v1/jobs", json=job_payload(title="Auxiliar contable"), headers=headers
    )
    assert created.status_code == 201, created.json
    job_id = created.json["id"]
    assert created.json["currency"] == "COP"
    assert created.json["status"] == "open"

    read = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert read.status_code == 200
    assert read.json["title"] == "Auxiliar contable"


def test_create_is_audited_with_actor_and_request_id(client, token_for):
    headers = {**token_for("operator"), "X-Request-Id": "req-abc-123"}
    created = client.post("/api/v1/jobs", json=job_payload(), headers=headers)
    entry = db.session.query(AuditLog).filter_by(action="job.create").one()
    assert entry.entity_id == str(created.json["id"])
    assert entry.request_id == "req-abc-123"
    assert entry.actor.startswith("token:test-operator")
    assert created.headers["X-Request-Id"] == "req-abc-123"


def test_list_filters_and_paginates(client, token_for):
    for i in range(5):
        make_job(city="Cali" if i % 2 else "Bogotá", title=f"Cargo {i}")
    headers = token_for("viewer")
    page = client.get("/api/v1/jobs?city=Cali&limit=1", headers=headers).json
    assert page["total"] == 2
    assert len(page["items"]) == 1
    assert page["items"][0]["city"] == "Cali"
    second = client.get("/api/v1/jobs?city=Cali&limit=1&offset=1", headers=headers).json
    assert second["items"][0]["id"] != page["items"][0]["id"]
    # The same filter with another value: a statement built once takes each value anew.
    other = client.get("/api/v1/jobs?city=Bogotá&limit=5", headers=headers).json
    assert other["total"] == 3
    assert {job["city"] for job in other["items"]} == {"Bogotá"}
    past = client.get("/api/v1/jobs?city=Bogotá&limit=5&offset=10", headers=headers).json
    assert (past["total"], past["items"]) == (3, [])


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=-1", "limit=abc"])
def test_pagination_bounds_are_enforced(client, token_for, query):
    response = client.get(f"/api/v1/jobs?{query}", headers=token_for("viewer"))
    assert response.status_code == 422
    field = query.split("=")[0]
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize(
    "path", ["/api/v1/jobs", "/api/v1/candidates", "/api/v1/campaigns", "/api/v1/segmentations"]
)
def test_a_misspelt_filter_is_refused_not_ignored(client, token_for, path):
    # Ignored, "?stauts=open" would answer with every row as if it had filtered.
    response = client.get(f"{path}?stauts=open", headers=token_for("viewer"))
    assert response.status_code == 422
    assert "stauts" in response.json["error"]["fields"]


def test_missing_and_invalid_fields_are_named(client, token_for):
    body = job_payload(seniority="guru")
    del body["title"]
    response = client.post("/api/v1/jobs", json=body, headers=token_for("operator"))
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"title", "seniority"}
    assert response.json["error"]["code"] == "validation_error"


def test_reversed_salary_range_is_refused(client, token_for):
    body = job_payload(salary_min_cop=5_000_000, salary_max_cop=1_000_000)
    response = client.post("/api/v1/jobs", json=body, headers=token_for("operator"))
    assert response.status_code == 422
    assert "salary_max_cop" in response.json["error"]["fields"]


def test_duplicate_external_ref_conflicts_and_keeps_the_first(client, token_for):
    headers = token_for("operator")
    first = client.post("/api/v1/jobs", json=job_payload(external_ref="mg-1"), headers=headers)
    again = client.post(
        "/api/v1/jobs", json=job_payload(external_ref="mg-1", title="Otro"), headers=headers
    )
    assert again.status_code == 409
    assert again.json["error"]["fields"] == {"external_ref": ["ya existe"]}
    kept = client.get(f"/api/v1/jobs/{first.json['id']}", headers=headers).json
    assert kept["title"] == first.json["title"]


def test_update_and_close(client, token_for):
    headers = token_for("operator")
    job = make_job()
    updated = client.patch(
        f"/api/v1/jobs/{job.id}", json={"salary_max_cop": 12_000_000}, headers=headers
    )
    assert updated.status_code == 200
    assert updated.json["salary_max_cop"] == 12_000_000
    closed = client.post(f"/api/v1/jobs/{job.id}/close", headers=headers)
    assert closed.json["status"] == "closed"
    open_jobs = client.get("/api/v1/jobs?status=open", headers=headers).json
    assert job.id not in [j["id"] for j in open_jobs["items"]]


def test_unknown_job_is_404_json(client, token_for):
    response = client.get("/api/v1/jobs/999999", headers=token_for("viewer"))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
