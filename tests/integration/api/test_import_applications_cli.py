"""`adflux import-applications FILE` against the API (in-process: the app behind httpx's WSGI
transport, so the command's real requests reach the real endpoint on the test's database)."""

from __future__ import annotations

import json

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from tests.factories import make_job

from adflux.auth import service as auth_service
from adflux.cli.main import cli
from adflux.extensions import db
from adflux.results.models import Application


@pytest.fixture
def run(app, monkeypatch):
    _row, token = auth_service.create_token(db_session=db.session, name="site", role="applications")
    real_client = httpx.Client

    def in_process(**kwargs):
        return real_client(transport=httpx.WSGITransport(app=app), **kwargs)

    monkeypatch.setattr("adflux.cli.client.httpx.Client", in_process)
    env = {"ADFLUX_API_URL": "http://adflux.test", "ADFLUX_API_TOKEN": token}

    def invoke(*args: str, **extra: str):
        """Keywords are environment variables for that run (LANG="en_US.UTF-8")."""
        return CliRunner().invoke(cli, list(args), prog_name="adflux", env={**env, **extra})

    return invoke


def _line(n: int, job_ref: str, **extra) -> str:
    body = {"application_id": f"site-{n}", "job_ref": job_ref, "candidate_ref": None}
    return json.dumps({**body, "applied_at": "2026-12-03T10:00:00-05:00", **extra})


def test_a_file_is_imported_in_batches_and_summarised(run, tmp_path):
    job_ref = make_job().external_ref
    lines = [_line(n, job_ref) for n in range(7)]
    lines[3] = _line(3, job_ref, applied_at="3 de diciembre")
    lines[5] = "{broken"
    lines.append(_line(0, job_ref))  # the job site's file holds one twice
    path = tmp_path / "apps.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = run("import-applications", str(path), "--batch-size", "3", LANG="en_US.UTF-8")

    assert result.exit_code == 1, result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary == (f"{path}: 5 accepted, 1 duplicates, 5 unattributed, 2 refused (lines 4, 6)")
    assert "line 4: applied_at: Not a valid datetime." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 5

    again = run("import-applications", str(path))  # importing again changes nothing
    assert (
        again.output.strip()
        .splitlines()[-1]
        .startswith(
            f"{path}: 0 aceptadas, 6 duplicadas"  # the terminal's default: Spanish
        )
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 5


def test_a_missing_file_is_one_line_and_exit_1(run, tmp_path):
    result = run("import-applications", str(tmp_path / "nope.csv"), LANG="en_US.UTF-8")

    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope.csv'}: no such file"


def test_the_command_explains_itself():
    result = CliRunner().invoke(cli, ["import-applications", "--help"], prog_name="adflux")
    assert result.exit_code == 0
    assert "JSON Lines" in result.output and "application_id" in result.output
