"""The Idempotency-Key of campaign creation: a retry repeats, another request is refused."""

from __future__ import annotations

import pytest
from tests.conftest import count_rows
from tests.factories import make_job

from adflux.campaigns.models import AdCampaign

pytestmark = pytest.mark.postgres


@pytest.fixture
def headers(token_for):
    return {**token_for("operator"), "Idempotency-Key": "retry-safe-1"}


def test_a_retry_with_the_same_request_returns_the_first_campaign(
    client, headers, platforms, dispatcher, job
):
    first = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["meta", "x"]}, headers=headers
    )
    # The same request: platforms in another order and case are the same platforms.
    again = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["X", "meta"]}, headers=headers
    )
    assert (first.status_code, again.status_code) == (202, 200), again.json
    assert again.json["id"] == first.json["id"]
    assert count_rows(AdCampaign) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"job_id": "other"},
        {"platforms": ["google"]},
        {"daily_budget_cop": 120_000},
        {"name": "Otra campaña"},
        {"objective": "leads"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_the_same_key_with_another_request_is_refused(
    client, headers, platforms, dispatcher, job, change
):
    body = {"job_id": job.id, "platforms": ["meta"]}
    first = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert first.status_code == 202, first.json
    if change.get("job_id") == "other":
        change = {"job_id": make_job().id}

    reused = client.post("/api/v1/campaigns", json={**body, **change}, headers=headers)

    assert reused.status_code == 422, reused.json
    error = reused.json["error"]
    assert "ya se usó en otra solicitud" in error["message"]
    assert f"campaña {first.json['id']}" in error["message"]
    assert list(error["fields"]) == ["Idempotency-Key"]
    assert count_rows(AdCampaign) == 1


def test_a_key_longer_than_declared_is_refused_naming_the_header(
    client, token_for, platforms, dispatcher, job
):
    headers = {**token_for("operator"), "Idempotency-Key": "k" * 101}
    response = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["meta"]}, headers=headers
    )
    assert response.status_code == 422, response.json
    assert "Idempotency-Key" in response.json["error"]["fields"]
    assert count_rows(AdCampaign) == 0

    at_limit = {**headers, "Idempotency-Key": "k" * 100}
    response = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["meta"]}, headers=at_limit
    )
    assert response.status_code == 202, response.json


def test_the_header_and_its_bound_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    parameters = spec["paths"]["/api/v1/campaigns"]["post"]["parameters"]
    header = next(p for p in parameters if p["name"] == "Idempotency-Key")
    assert header["in"] == "header"
    assert header["required"] is False
    assert header["schema"]["maxLength"] == 100
