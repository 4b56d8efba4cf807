"""The ``adflux`` CLI as a user runs it, against a live API server process on SQLite."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from tests.e2e.conftest import N_CANDIDATES, N_JOBS, LiveApi
from tests.e2e.processes import clean_env, free_port, ok, run_cli

from adflux.cli.main import cli


def _single_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _jobs(live_api: LiveApi, *args: str) -> list[dict]:
    out = ok("view-jobs", "--json", *args, env=live_api.client_env(live_api.viewer_token))
    return json.loads(out)["items"]


# --- help ---------------------------------------------------------------------------------------


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _command_paths(sub, (*path, name))


def test_help_through_the_installed_entry_point(tmp_path: Path) -> None:
    result = run_cli("--help", env=clean_env(ADFLUX_DATA_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "view-jobs" in result.stdout and "view-candidates" in result.stdout


@pytest.mark.parametrize("path", list(_command_paths(cli)), ids=lambda p: " ".join(p) or "adflux")
def test_help_works_on_every_command_and_group(path: tuple[str, ...], tmp_path: Path) -> None:
    # In-process (a cold interpreter per command would cost seconds); the entry point is above.
    result = CliRunner().invoke(
        cli, [*path, "--help"], prog_name="adflux", env={"ADFLUX_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Uso: {' '.join(('adflux', *path))}")
    assert not (tmp_path / "adflux.db").exists(), "--help must not touch the database"


# --- reading ------------------------------------------------------------------------------------


def test_view_jobs_table_for_people(live_api: LiveApi) -> None:
    first = _jobs(live_api, "--limit", "1")[0]
    out = ok("view-jobs", env=live_api.client_env(live_api.viewer_token))
    assert "Vacantes" in out
    assert first["title"] in out
    assert "$" in out  # salaries in Colombian format
    assert f"filas 1 a 20 de {N_JOBS}; siguientes: --offset 20" in out


def test_view_audience_says_who_a_job_aims_at_and_why(live_api: LiveApi) -> None:
    job = next(j for j in _jobs(live_api, "--limit", "50") if j["city"] == "Bogotá")
    env = live_api.client_env(live_api.viewer_token)

    audience = json.loads(ok("view-audience", str(job["id"]), "--json", env=env))
    out = ok("view-audience", str(job["id"]), env=env)

    assert audience["job_id"] == job["id"]
    # No segmentation is trained here: no segment is recommended, and the table says it is empty.
    assert audience["segments"] == []
    assert f"sin segmento recomendado: {audience['no_fit_reason']['message']}" in out
    [own_city, *_] = audience["places"]["cities"]
    assert own_city["city"] == "Bogotá"
    assert f"lugar: {own_city['reason']['message']}" in out
    assert "palabras clave: " + ", ".join(audience["keywords"]) in out
    assert job["area"] in audience["keywords"]
    reach = f"{audience['people']['reach']:,}".replace(",", ".")
    assert f"audiencia propia: {reach} candidatos encajan (se pidieron hasta 1.000)" in out


def test_view_audience_of_an_unknown_job_is_one_line(live_api: LiveApi) -> None:
    line = _single_error_line(
        run_cli("view-audience", "999999", env=live_api.client_env(live_api.viewer_token))
    )
    assert "999999" in line and "404" in line


def test_view_jobs_json_and_limit(live_api: LiveApi) -> None:
    everything = _jobs(live_api, "--limit", "200")
    assert len(everything) == N_JOBS
    assert len({job["external_ref"] for job in everything}) == N_JOBS
    five = _jobs(live_api, "--limit", "5")
    assert five == everything[:5]
    assert _jobs(live_api, "--limit", "5", "--offset", "5") == everything[5:10]
    assert {"id", "title", "company", "city", "salary_min_cop", "skills"} <= set(five[0])


def test_view_jobs_filters(live_api: LiveApi) -> None:
    everything = _jobs(live_api, "--limit", "200")
    closed = _jobs(live_api, "--status", "closed", "--limit", "200")
    assert [j["id"] for j in closed] == [j["id"] for j in everything if j["status"] == "closed"]
    opened = _jobs(live_api, "--status", "open", "--limit", "200")
    assert len(opened) + len(closed) == N_JOBS
    city, count = Counter(j["city"] for j in everything).most_common(1)[0]
    in_city = _jobs(live_api, "--city", city, "--limit", "200")
    assert len(in_city) == count
    assert {j["city"] for j in in_city} == {city}


def test_view_candidates_json_and_empty_segment(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.viewer_token)
    body = json.loads(ok("view-candidates", "--json", "--limit", "7", env=env))
    page = body["items"]
    assert len(page) == 7 and (body["total"], body["limit"], body["offset"]) == (N_CANDIDATES, 7, 0)
    assert {"full_name", "city", "education_level", "marketing_consent"} <= set(page[0])
    assert "persona" not in page[0], "the hidden persona is for evaluation only"
    # No segmentation has run: there is no segment 999, and the command says so.
    missing = run_cli("view-candidates", "--segment-id", "999", env=env)
    assert missing.returncode == 1 and "999" in missing.stderr and "[HTTP 404]" in missing.stderr
    table = ok("view-candidates", "--limit", "3", env=env)
    assert "Candidatos" in table
    assert page[0]["full_name"] in table


# --- errors -------------------------------------------------------------------------------------


def test_api_down_is_one_readable_line(live_api: LiveApi) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    result = run_cli(
        "view-jobs", env=live_api.client_env(live_api.viewer_token, ADFLUX_API_URL=down)
    )
    line = _single_error_line(result)
    assert result.returncode == 1
    assert "no se puede conectar" in line and down in line


def test_bad_token_is_one_line_naming_the_token(live_api: LiveApi) -> None:
    bogus = "adf_" + "x" * 43
    result = run_cli("view-jobs", env=live_api.client_env(bogus))
    line = _single_error_line(result)
    assert "token" in line.lower()
    assert "401" in line
    assert bogus not in result.stderr + result.stdout


def test_missing_token_says_how_to_get_one(live_api: LiveApi) -> None:
    line = _single_error_line(run_cli("view-candidates", env=live_api.client_env(None)))
    assert "ADFLUX_API_TOKEN" in line


def test_api_4xx_is_one_line_with_the_status(live_api: LiveApi) -> None:
    env = live_api.client_env(live_api.viewer_token, ADFLUX_API_URL=f"{live_api.url}/nowhere")
    line = _single_error_line(run_cli("view-jobs", env=env))
    assert "[HTTP 404]" in line


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_bad_limit_is_a_usage_error(live_api: LiveApi, limit: str) -> None:
    result = run_cli("view-jobs", "--limit", limit, env=live_api.client_env(live_api.viewer_token))
    assert result.returncode == 2
    assert "--limit" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_role_is_refused(live_api: LiveApi) -> None:
    result = run_cli(
        "token", "create", "--name", "e2e-nope", "--role", "superuser", env=live_api.server_env
    )
    assert result.returncode == 2
    assert "--role" in result.stderr
    assert result.stdout == ""


# --- tokens -------------------------------------------------------------------------------------


def test_token_is_printed_once_and_only_its_hash_is_stored(live_api: LiveApi) -> None:
    result = run_cli(
        "token", "create", "--name", "e2e-once", "--role", "viewer", env=live_api.server_env
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("adf_") and "\n" not in token
    assert token not in result.stderr
    with sqlite3.connect(live_api.data_dir / "adflux.db") as conn:
        rows = conn.execute("SELECT * FROM api_tokens").fetchall()
        (stored_hash,) = conn.execute(
            "SELECT token_hash FROM api_tokens WHERE name = 'e2e-once'"
        ).fetchone()
    assert stored_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(value) for row in rows for value in row)
    listing = ok("token", "list", env=live_api.server_env)
    assert "e2e-once" in listing and token not in listing

    duplicate = run_cli(
        "token", "create", "--name", "e2e-once", "--role", "viewer", env=live_api.server_env
    )
    assert "ya existe" in _single_error_line(duplicate)


def test_revoked_token_stops_working(live_api: LiveApi) -> None:
    token = ok(
        "token", "create", "--name", "e2e-revoke", "--role", "viewer", env=live_api.server_env
    )
    env = live_api.client_env(token.strip())
    assert len(json.loads(ok("view-jobs", "--json", "--limit", "2", env=env))["items"]) == 2
    ok("token", "revoke", "--name", "e2e-revoke", env=live_api.server_env)
    line = _single_error_line(run_cli("view-jobs", env=env))
    assert "revocado" in line and "token" in line


def test_admin_token_works_and_server_log_holds_no_token(live_api: LiveApi) -> None:
    ok("view-jobs", "--limit", "1", env=live_api.client_env(live_api.admin_token))
    log = live_api.server.log()
    assert live_api.admin_token not in log
    assert live_api.viewer_token not in log


def test_viewer_token_cannot_create_and_nothing_is_created(live_api: LiveApi) -> None:
    job_id = str(_jobs(live_api, "--limit", "1")[0]["id"])
    viewer = live_api.client_env(live_api.viewer_token)
    result = run_cli("create-campaign", "--job-id", job_id, "--platforms", "meta", env=viewer)
    line = _single_error_line(result)
    assert result.returncode == 1
    assert "[HTTP 403]" in line and "operador" in line
    admin = live_api.client_env(live_api.admin_token)
    assert json.loads(ok("view-campaigns", "--json", env=admin))["items"] == []
