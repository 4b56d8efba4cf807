"""API tokens: the last active admin token is kept, and every name can be addressed by path."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from adflux.audit.models import AuditLog
from adflux.auth.models import ApiToken
from adflux.cli.main import cli
from adflux.extensions import db


def _revoke(client, name: str, headers: dict[str, str]):
    return client.post(f"/api/v1/tokens/{name}/revoke", headers=headers)


@pytest.mark.postgres
def test_the_last_active_admin_token_cannot_be_revoked(client):
    from adflux.auth import service

    _row, plain = service.create_token(db_session=db.session, name="only-admin", role="admin")
    admin = {"Authorization": f"Bearer {plain}"}

    refused = _revoke(client, "only-admin", admin)

    assert refused.status_code == 409, refused.json
    error = refused.json["error"]
    assert "último token de administrador activo" in error["message"]
    assert "primero cree otro token de administrador" in error["message"]
    assert error["fields"] == {"name": ["último token de administrador activo"]}
    # Still works, and nothing was audited as revoked.
    assert client.get("/api/v1/tokens", headers=admin).status_code == 200
    assert db.session.query(AuditLog).filter_by(action="token.revoke").count() == 0


@pytest.mark.postgres
def test_an_admin_may_revoke_its_own_token_while_another_admin_remains(client, token_for):
    from adflux.auth import service

    _row, plain = service.create_token(db_session=db.session, name="leaving", role="admin")
    leaving = {"Authorization": f"Bearer {plain}"}
    staying = token_for("admin")

    assert _revoke(client, "leaving", leaving).status_code == 200
    assert client.get("/api/v1/tokens", headers=leaving).status_code == 401
    # The remaining one is now the last: kept.
    names = [t["name"] for t in client.get("/api/v1/tokens", headers=staying).json]
    last = next(n for n in names if n.startswith("test-admin"))
    assert _revoke(client, last, staying).status_code == 409
    # Revoked, viewer and operator tokens never count as admins.
    assert (
        client.post(
            "/api/v1/tokens", json={"name": "reader", "role": "viewer"}, headers=staying
        ).status_code
        == 201
    )
    assert _revoke(client, "reader", staying).status_code == 200
    assert _revoke(client, "reader", staying).status_code == 200  # already revoked: no-op


@pytest.mark.postgres
@pytest.mark.parametrize(
    "name", ["ci/bot", "a b", ".hidden", "..", "-dash-first", "ñandú", "x" * 101, "tab\there"]
)
def test_names_outside_the_safe_alphabet_are_refused_naming_the_field(client, token_for, name):
    response = client.post(
        "/api/v1/tokens", json={"name": name, "role": "viewer"}, headers=token_for("admin")
    )
    assert response.status_code == 422, response.json
    assert "name" in response.json["error"]["fields"]
    assert db.session.query(ApiToken).filter_by(name=name).count() == 0


@pytest.mark.postgres
@pytest.mark.parametrize("name", ["ci-bot", "Recruiter_2", "a", "svc.reporting-01", "x" * 100])
def test_every_allowed_name_can_be_created_and_revoked_through_the_api(client, token_for, name):
    admin = token_for("admin")
    created = client.post("/api/v1/tokens", json={"name": name, "role": "viewer"}, headers=admin)
    assert created.status_code == 201, created.json
    revoked = _revoke(client, name, admin)
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["revoked_at"] is not None


@pytest.mark.postgres
def test_the_name_rule_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    name = spec["components"]["schemas"]["Token"]["properties"]["name"]
    assert name["pattern"] == "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
    assert name["maxLength"] == 100


def test_the_cli_applies_the_same_rules(tmp_path: Path):
    """`adflux token` (server side) refuses the same names and keeps the last admin too."""
    runner = CliRunner()
    env = {"ADFLUX_DATA_DIR": str(tmp_path), "ADFLUX_LOG_LEVEL": "WARNING"}

    def run(*args: str):
        return runner.invoke(cli, list(args), prog_name="adflux", env=env)

    assert run("db", "upgrade").exit_code == 0
    assert run("token", "create", "--name", "ops", "--role", "admin").exit_code == 0

    bad = run("token", "create", "--name", "ops/ci", "--role", "viewer")
    assert bad.exit_code == 1
    assert "no está permitido" in bad.output and "letras" in bad.output

    last = run("token", "revoke", "--name", "ops")
    assert last.exit_code == 1
    assert "último token de administrador activo" in last.output

    assert run("token", "create", "--name", "ops-2", "--role", "admin").exit_code == 0
    assert run("token", "revoke", "--name", "ops").exit_code == 0
    listing = run("token", "list").output
    assert "ops\tadmin" in listing and "revocado" in listing  # the terminal's default: Spanish

    # The job site's narrow token (it may only send applications).
    assert run("token", "create", "--name", "job-site", "--role", "applications").exit_code == 0
    assert "job-site\tapplications" in run("token", "list").output


def test_a_token_names_its_holder_trimmed_and_a_control_character_is_refused(client, token_for):
    admin = token_for("admin")
    created = client.post(
        "/api/v1/tokens",
        json={"name": "ana-gomez", "role": "viewer", "holder": " Ana  Gómez "},
        headers=admin,
    )
    assert created.status_code == 201 and created.json["holder"] == "Ana Gómez"
    listed = client.get("/api/v1/tokens", headers=admin).json
    assert {t["name"]: t["holder"] for t in listed}["ana-gomez"] == "Ana Gómez"
    refused = client.post(
        "/api/v1/tokens",
        json={"name": "bell", "role": "viewer", "holder": "Ana\x07"},
        headers=admin,
    )
    assert refused.status_code == 422 and "holder" in refused.json["error"]["fields"]
