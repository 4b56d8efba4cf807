"""The campaigns resource and the seed's /publish alias over HTTP (fake platforms)."""

from __future__ import annotations

import pytest

from adflux.campaigns import publishing
from adflux.extensions import db
from adflux.platforms.base import InvalidRequest

pytestmark = pytest.mark.postgres


def _work(dispatcher) -> None:
    for _name, args, _countdown in dispatcher.take():
        publishing.attempt_publication(db_session=db.session, publication_id=args[0])


def test_create_returns_202_with_location_and_pending_publications(
    client, token_for, platforms, dispatcher, job, active_segment
):
    response = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["meta", "x"], "segment_ids": [active_segment.id]},
        headers=token_for("operator"),
    )
    assert response.status_code == 202, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/campaigns/{body['id']}")
    assert body["status"] == "queued"
    assert body["segment_ids"] == [active_segment.id]
    assert {p["platform"]: p["status"] for p in body["publications"]} == {
        "meta": "pending",
        "x": "pending",
    }


def test_idempotency_key_header_returns_the_same_campaign(
    client, token_for, platforms, dispatcher, job
):
    headers = {**token_for("operator"), "Idempotency-Key": "abc-123"}
    body = {"job_id": job.id, "platforms": ["meta"]}
    first = client.post("/api/v1/campaigns", json=body, headers=headers)
    again = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json["id"] == again.json["id"]
    listing = client.get("/api/v1/campaigns", headers=headers).json
    assert listing["total"] == 1


def test_show_list_filter_retry_pause_resume(client, token_for, platforms, dispatcher, job):
    headers = token_for("operator")
    platforms.platforms["google"].failures.append(
        ("ad", InvalidRequest("google", "Too long.", field="headlines"))
    )
    campaign_id = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["meta", "google"]},
        headers=headers,
    ).json["id"]
    _work(dispatcher)

    shown = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).json
    assert shown["status"] == "partially_published"
    google = next(p for p in shown["publications"] if p["platform"] == "google")
    assert (google["status"], google["last_error"], google["last_error_field"]) == (
        "failed",
        "Too long.",
        "headlines",
    )
    assert set(google["external_ids"]) == {"campaign", "ad_set"}
    filtered = client.get("/api/v1/campaigns?status=partially_published", headers=headers).json
    assert [c["id"] for c in filtered["items"]] == [campaign_id]
    assert client.get("/api/v1/campaigns?status=failed", headers=headers).json["total"] == 0
    assert client.get("/api/v1/campaigns?status=bogus", headers=headers).status_code == 422

    retried = client.post(f"/api/v1/campaigns/{campaign_id}/retry", headers=headers)
    assert retried.status_code == 202
    _work(dispatcher)
    assert (
        client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).json["status"]
        == "published"
    )
    assert client.post(f"/api/v1/campaigns/{campaign_id}/retry", headers=headers).status_code == 409

    paused = client.post(f"/api/v1/campaigns/{campaign_id}/pause", headers=headers)
    assert paused.json["status"] == "paused"
    resumed = client.post(f"/api/v1/campaigns/{campaign_id}/resume", headers=headers)
    assert resumed.json["status"] == "published"


def test_validation_errors_name_fields(client, token_for, platforms, dispatcher, job):
    headers = token_for("operator")
    missing = client.post("/api/v1/campaigns", json={"platforms": ["meta"]}, headers=headers)
    assert missing.status_code == 422 and "job_id" in missing.json["error"]["fields"]
    unknown_job = client.post(
        "/api/v1/campaigns", json={"job_id": 999_999, "platforms": ["meta"]}, headers=headers
    )
    assert unknown_job.status_code == 404 and "job_id" in unknown_job.json["error"]["fields"]
    bad_platform = client.post(
        "/api/v1/campaigns", json={"job_id": job.id, "platforms": ["orkut"]}, headers=headers
    )
    assert bad_platform.status_code == 422
    assert "meta, google, x" in bad_platform.json["error"]["fields"]["platforms"][0]


def test_viewer_cannot_create_campaigns(client, token_for, platforms, dispatcher, job):
    response = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["meta"]},
        headers=token_for("viewer"),
    )
    assert response.status_code == 403


def test_seed_publish_alias_returns_processing(client, token_for, platforms, dispatcher, job):
    response = client.post(
        f"/publish/{job.id}", json={"platforms": ["meta", "google"]}, headers=token_for("operator")
    )
    assert response.status_code == 202
    assert response.json["status"] == "processing"
    campaign = client.get(
        f"/api/v1/campaigns/{response.json['campaign_id']}", headers=token_for("viewer")
    ).json
    assert sorted(p["platform"] for p in campaign["publications"]) == ["google", "meta"]
    assert client.post(f"/publish/{job.id}", json={"platforms": ["meta"]}).status_code == 401


def test_platforms_endpoint_never_shows_secrets(client, token_for, platforms):
    response = client.get("/api/v1/platforms", headers=token_for("viewer"))
    assert [p["name"] for p in response.json] == ["meta", "google", "x", "tiktok", "snapchat"]
    assert "token" not in response.get_data(as_text=True).lower()


def test_every_offered_platform_is_ready_with_the_fakes(client, token_for, platforms):
    response = client.get("/api/v1/platforms", headers=token_for("viewer"))
    assert {p["name"]: p["ready"] for p in response.json} == {
        "meta": True,
        "google": True,
        "x": True,
        "tiktok": True,
        "snapchat": True,
    }


def test_a_platform_whose_ad_image_cannot_be_drawn_is_not_ready(
    client, token_for, platforms, dispatcher, job, monkeypatch
):
    from adflux.campaigns import adapters

    monkeypatch.setattr(adapters, "can_draw", lambda: (False, "font missing"))
    shown = client.get("/api/v1/platforms", headers=token_for("viewer")).json
    by_name = {p["name"]: p for p in shown}
    assert by_name["google"]["ready"] is True  # text ads need no image
    for name in ("meta", "x", "tiktok", "snapchat"):
        assert by_name[name]["ready"] is False
        assert by_name[name]["reason"] == "no ad image: font missing"
    refused = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["tiktok"]},
        headers=token_for("operator"),
    )
    assert refused.status_code == 422
    assert refused.json["error"]["fields"]["platforms"] == [
        "TikTok no se puede usar aquí: no ad image: font missing"
    ]
    assert dispatcher.sent == []


def test_a_tiktok_campaign_publishes_with_the_job_image(
    client, token_for, platforms, dispatcher, job
):
    """The publishing path itself gives TikTok's ad its image (the fake refuses an ad without
    one, as TikTok does: 'image_ids: This field is required.')."""
    response = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["tiktok"]},
        headers=token_for("operator"),
    )
    assert response.status_code == 202, response.json
    _work(dispatcher)
    shown = client.get(f"/api/v1/campaigns/{response.json['id']}", headers=token_for("viewer"))
    assert shown.json["status"] == "published", shown.json
    [spec] = platforms.platforms["tiktok"].specs
    assert spec.creative.image_png is not None
    assert spec.creative.image_png.startswith(b"\x89PNG")
    assert spec.daily_budget_cop == 80_000  # TikTok's minimum, chosen when none is given


def test_a_platform_whose_credential_is_refused_is_not_ready_until_it_works_again(
    client, token_for, platforms
):
    from adflux.campaigns.models import PlatformCredential

    # A publication found the token revoked (publishing marks the credential so).
    db.session.add(PlatformCredential(platform="meta", healthy=False, message="revoked"))
    db.session.commit()
    platforms.platforms["meta"].credential_ok = False

    def meta() -> dict:
        shown = client.get("/api/v1/platforms", headers=token_for("viewer")).json
        return next(p for p in shown if p["name"] == "meta")

    refused = meta()
    assert refused["ready"] is False
    assert refused["reason"] == (
        "the credential is refused (Error validating access token); reconnect the account"
    )
    platforms.platforms["meta"].credential_ok = True  # reconnected
    assert meta()["ready"] is True
    assert db.session.get(PlatformCredential, "meta").healthy is True


def test_a_publication_that_succeeds_marks_its_credential_healthy_again(
    client, token_for, platforms, dispatcher, job
):
    from adflux.campaigns.models import PlatformCredential

    db.session.add(PlatformCredential(platform="x", healthy=False, message="revoked"))
    db.session.commit()
    response = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["x"]},
        headers=token_for("operator"),
    )
    assert response.status_code == 202, response.json
    _work(dispatcher)
    db.session.expire_all()
    assert db.session.get(PlatformCredential, "x").healthy is True
