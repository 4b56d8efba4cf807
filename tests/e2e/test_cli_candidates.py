"""`adflux candidate update|delete` as a user runs them, against a live API server on SQLite."""

from __future__ import annotations

import json

from tests.e2e.conftest import LiveApi
from tests.e2e.processes import ok, run_cli


def _candidates(live: LiveApi) -> list[dict]:
    out = ok("view-candidates", "--json", "--limit", "3", env=live.client_env(live.admin_token))
    return json.loads(out)


def test_withdrawing_consent_and_correcting_the_email(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.admin_token)
    first, second, _third = _candidates(live_api)

    out = ok("candidate", "update", str(first["id"]), "--no-consent", "--json", env=env)
    assert json.loads(out)["marketing_consent"] is False

    out = ok(
        "candidate", "update", str(first["id"]), "--email", "  Nueva.Direccion@Example.COM ",
        "--json", env=env,
    )  # fmt: skip
    assert json.loads(out)["email"] == "nueva.direccion@example.com"

    taken = run_cli(
        "candidate", "update", str(second["id"]), "--email", "NUEVA.direccion@example.com", env=env
    )
    assert taken.returncode == 1
    (line,) = taken.stderr.strip().splitlines()
    assert "email: already exists" in line and "[HTTP 409]" in line


def test_erasing_a_candidate(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.admin_token)
    *_rest, third = _candidates(live_api)

    out = ok("candidate", "delete", str(third["id"]), "--yes", env=env)
    assert f"candidate {third['id']} erased" in out

    again = run_cli("candidate", "delete", str(third["id"]), "--yes", env=env)
    assert again.returncode == 1
    assert "[HTTP 404]" in again.stderr


def test_a_viewer_cannot_erase(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.viewer_token)
    (candidate, *_rest) = _candidates(live_api)

    result = run_cli("candidate", "delete", str(candidate["id"]), "--yes", env=env)

    assert result.returncode == 1
    assert "[HTTP 403]" in result.stderr
