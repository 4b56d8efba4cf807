"""`adflux candidate show|export|update|delete` and `view-candidates` as a user runs them, against
a live API server on SQLite: personal data masked unless a granted token asks, saying why."""

from __future__ import annotations

import csv
import json

from tests.e2e.conftest import LiveApi
from tests.e2e.processes import ok, run_cli

from adflux.i18n.formats import number


def _candidates(live: LiveApi) -> list[dict]:
    out = ok("view-candidates", "--json", "--limit", "3", env=live.client_env(live.admin_token))
    return json.loads(out)["items"]


def test_withdrawing_consent_and_correcting_the_email(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.admin_token)
    first, second, _third = _candidates(live_api)

    out = ok("candidate", "update", str(first["id"]), "--no-consent", "--json", env=env)
    assert json.loads(out)["marketing_consent"] is False

    out = ok(
        "candidate", "update", str(first["id"]), "--email", "  Nueva.Direccion@Example.COM ",
        "--json", env=env,
    )  # fmt: skip
    assert json.loads(out)["email"] == "n***@example.com"  # answers mask personal data
    out = ok(
        "candidate", "show", str(first["id"]), "--reveal", "--purpose", "comprobar la corrección",
        "--json", env=live_api.client_env(live_api.contact_token),
    )  # fmt: skip
    assert json.loads(out)["email"] == "nueva.direccion@example.com"

    taken = run_cli(
        "candidate", "update", str(second["id"]), "--email", "NUEVA.direccion@example.com", env=env
    )
    assert taken.returncode == 1
    (line,) = taken.stderr.strip().splitlines()
    # The field by its label, the reason said once (the message already says it exists).
    assert "ya existe" in line and "Correo electrónico" in line and "[HTTP 409]" in line
    assert "email:" not in line


def test_erasing_a_candidate(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.admin_token)
    *_rest, third = _candidates(live_api)

    out = ok("candidate", "delete", str(third["id"]), "--yes", env=env)
    assert f"candidato {third['id']} borrado" in out

    again = run_cli("candidate", "delete", str(third["id"]), "--yes", env=env)
    assert again.returncode == 1
    assert "[HTTP 404]" in again.stderr


def test_a_viewer_cannot_erase(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.viewer_token)
    (candidate, *_rest) = _candidates(live_api)

    result = run_cli("candidate", "delete", str(candidate["id"]), "--yes", env=env)

    assert result.returncode == 1
    assert "[HTTP 403]" in result.stderr


def test_the_list_shows_personal_data_masked(live_api: LiveApi) -> None:
    for candidate in _candidates(live_api):
        local, _at, _domain = candidate["email"].partition("@")
        assert local.endswith("***") and len(local) == 4, candidate["email"]
        assert candidate["personal_data"] == "masked"

    table = ok("view-candidates", "--limit", "3", env=live_api.client_env(live_api.viewer_token))
    assert "***@" in table


def test_revealing_needs_a_purpose_and_a_granted_token(live_api: LiveApi) -> None:
    (candidate, *_rest) = _candidates(live_api)
    show = ("candidate", "show", str(candidate["id"]), "--reveal")

    no_purpose = run_cli(*show, env=live_api.client_env(live_api.contact_token))
    assert no_purpose.returncode == 2
    assert "--reveal necesita --purpose" in no_purpose.stderr

    not_granted = run_cli(
        *show, "--purpose", "llamar por la vacante", env=live_api.client_env(live_api.admin_token)
    )
    assert not_granted.returncode == 1
    (line,) = not_granted.stderr.strip().splitlines()
    assert "datos personales" in line and "[HTTP 403]" in line

    granted = ok(
        *show, "--purpose", "llamar por la vacante", env=live_api.client_env(live_api.contact_token)
    )
    assert "Datos personales: visibles" in granted
    assert "***" not in granted


def test_exporting_candidates_with_their_personal_data(live_api: LiveApi, tmp_path) -> None:
    target = tmp_path / "candidatos.csv"

    refused = run_cli(
        "candidate", "export", "--purpose", "campaña de correo de enero", "-o", str(target),
        env=live_api.client_env(live_api.viewer_token),
    )  # fmt: skip
    assert refused.returncode == 1 and "[HTTP 403]" in refused.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left behind

    out = ok(
        "candidate", "export", "--purpose", "campaña de correo de enero", "-o", str(target),
        "--any-consent", env=live_api.client_env(live_api.contact_token),
    )  # fmt: skip
    with target.open(encoding="utf-8", newline="") as written:
        rows = list(csv.DictReader(written))
    # The count as the CLI writes it in Spanish: "20.298", when other tests have seeded more.
    assert f"{number(len(rows), 'es')} candidatos escritos en {target}" in out
    assert len(rows) >= 3
    assert all("@" in r["email"] and "***" not in r["email"] for r in rows)
