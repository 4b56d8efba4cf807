"""Tokens, roles and the one JSON error shape."""

from __future__ import annotations

import re

import pytest
from tests.factories import job_payload

from adflux.auth.models import ApiToken
from adflux.extensions import db

pytestmark = pytest.mark.postgres


def test_every_api_endpoint_needs_a_token(app, client):
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith(("/api/v1/", "/publish/", "/segment/", "/job_openings"))
    ]
    protected = [r for r in rules if "openapi" not in r.rule and "/docs" not in r.rule]
    assert protected, "no API routes found"
    for rule in protected:
        url = re.sub(r"<[^>]+>", "1", rule.rule)  # any path parameter
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code == 401, (method, url)
            assert response.json["error"]["code"] == "unauthorized"


def test_health_and_docs_need_no_token(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json["database"] == "ok"
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    asset.close()  # a file-backed response: close it like a WSGI server would
    assert asset.status_code == 200


def test_viewer_cannot_write_and_operator_cannot_manage_tokens(client, token_for):
    viewer = client.post("/api/v1/jobs", json=job_payload(), headers=token_for("viewer"))
    assert viewer.status_code == 403
    assert "rol operador" in viewer.json["error"]["message"]
    operator = client.get("/api/v1/tokens", headers=token_for("operator"))
    assert operator.status_code == 403


def test_bad_and_revoked_tokens_are_refused(client, token_for):
    assert client.get("/api/v1/jobs", headers={"Authorization": "Bearer nope"}).status_code == 401
    admin = token_for("admin")
    created = client.post(
        "/api/v1/tokens", json={"name": "ci-bot", "role": "viewer"}, headers=admin
    )
    assert created.status_code == 201
    plain = created.json["token"]
    bot = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/jobs", headers=bot).status_code == 200
    assert client.post("/api/v1/tokens/ci-bot/revoke", headers=admin).status_code == 200
    assert client.get("/api/v1/jobs", headers=bot).status_code == 401


def test_only_a_hash_of_a_token_is_stored_and_never_listed(client, token_for):
    admin = token_for("admin")
    plain = client.post(
        "/api/v1/tokens", json={"name": "hash-check", "role": "viewer"}, headers=admin
    ).json["token"]
    row = db.session.query(ApiToken).filter_by(name="hash-check").one()
    assert plain not in (row.token_hash, row.prefix)
    listing = client.get("/api/v1/tokens", headers=admin)
    assert plain not in listing.get_data(as_text=True)
    assert all("token" not in item for item in listing.json)


def test_malformed_json_is_a_json_400(client, token_for):
    response = client.post(
        "/api/v1/jobs",
        data="{not json",
        headers={**token_for("operator"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.is_json and response.json["error"]["code"] == "bad_request"


def test_oversized_body_is_a_json_413(client, token_for):
    body = job_payload(description="x" * 2_000_000)
    response = client.post("/api/v1/jobs", json=body, headers=token_for("operator"))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_wrong_method_and_unknown_path_are_json(client, token_for):
    headers = token_for("admin")
    wrong = client.delete("/api/v1/jobs", headers=headers)
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_unknown_role_is_a_field_error(client, token_for):
    response = client.post(
        "/api/v1/tokens", json={"name": "x", "role": "root"}, headers=token_for("admin")
    )
    assert response.status_code == 422
    assert "role" in response.json["error"]["fields"]
