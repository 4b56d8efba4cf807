"""A service's refusal reaches the API's reader in their language (Accept-Language, Spanish by
default), its numbers and money in their formats and its platforms by their names."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("accept_language", "message", "budget"),
    [
        (
            "es-CO,es;q=0.9",
            "presupuesto no válido",
            "1 brazo necesita al menos $80.000 por día (TikTok necesita al menos $80.000 por día)",
        ),
        (
            "en-US,en;q=0.9",
            "invalid budget",
            "1 arm needs at least COP 80,000 per day (TikTok needs at least COP 80,000 per day)",
        ),
        (
            None,
            "presupuesto no válido",
            "1 brazo necesita al menos $80.000 por día (TikTok necesita al menos $80.000 por día)",
        ),
    ],
)
def test_a_platform_minimum_budget_is_said_in_the_readers_language(
    client, token_for, platforms, dispatcher, job, accept_language, message, budget
):
    headers = token_for("operator")
    if accept_language:
        headers["Accept-Language"] = accept_language
    response = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["tiktok"], "daily_budget_cop": 1_000},
        headers=headers,
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == message
    # The keys stay the API's, for programs; the text is the reader's.
    assert error["fields"] == {"daily_budget_cop": [budget]}


def test_an_archived_campaign_is_refused_in_either_language(
    client, token_for, platforms, dispatcher, job
):
    headers = token_for("operator")
    created = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["meta"]}, headers=headers
    )
    campaign_id = created.json["id"]
    assert client.post(f"/api/v1/campaigns/{campaign_id}/archive", headers=headers).status_code
    spanish = client.post(f"/api/v1/campaigns/{campaign_id}/pause", headers=headers)
    english = client.post(
        f"/api/v1/campaigns/{campaign_id}/pause", headers={**headers, "Accept-Language": "en"}
    )
    assert spanish.status_code == english.status_code == 409
    assert spanish.json["error"]["message"] == f"la campaña {campaign_id} está archivada"
    assert english.json["error"]["message"] == f"campaign {campaign_id} is archived"
