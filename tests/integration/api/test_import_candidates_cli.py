"""`adflux import candidates FILE` against the API (in-process: the app behind httpx's WSGI
transport, so the command's real upload reaches the real endpoint on the test's database)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adflux.auth import service as auth_service
from adflux.candidates.models import Candidate
from adflux.cli.main import cli
from adflux.extensions import db

FIXTURES = Path(__file__).parents[2] / "fixtures" / "candidate_imports"


@pytest.fixture
def run(app, monkeypatch):
    _row, token = auth_service.create_token(db_session=db.session, name="ops", role="operator")
    real_client = httpx.Client

    def in_process(**kwargs):
        return real_client(transport=httpx.WSGITransport(app=app), **kwargs)

    monkeypatch.setattr("adflux.cli.client.httpx.Client", in_process)
    env = {"ADFLUX_API_URL": "http://adflux.test", "ADFLUX_API_TOKEN": token}

    def invoke(*args: str, **extra: str):
        """Keywords are environment variables for that run (LANG="en_US.UTF-8")."""
        return CliRunner().invoke(cli, list(args), prog_name="adflux", env={**env, **extra})

    return invoke


@pytest.mark.parametrize(
    "env, summary, report_line, header, row_5",
    [
        (
            {"LANG": "en_US.UTF-8"},
            "candidatos.csv: 3 added, 0 updated, 0 unchanged, 7 rows refused",
            "error report (line, field, reason): {report}",
            "line,field,reason",
            "5,Age,'doce' is not a whole number",
        ),
        (
            {"LC_ALL": "es_CO.UTF-8"},
            "candidatos.csv: 3 agregados, 0 actualizados, 0 sin cambios, 7 filas rechazadas",
            "reporte de errores (línea, campo, motivo): {report}",
            "línea,campo,motivo",
            "5,Edad,'doce' no es un número entero",
        ),
    ],
)
def test_a_file_is_imported_summarised_and_its_report_saved_beside_it(
    run, tmp_path, env, summary, report_line, header, row_5
):
    """The summary and the saved report (fields by their labels, reasons) in the terminal's
    language."""
    path = tmp_path / "candidatos.csv"
    shutil.copyfile(FIXTURES / "bad_rows.csv", path)

    result = run("import", "candidates", str(path), **env)

    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines[-2].startswith(summary)
    report = tmp_path / "candidatos.errores.csv"
    assert lines[-1] == report_line.format(report=report)
    saved = report.read_text(encoding="utf-8").splitlines()
    assert saved[0] == header
    assert row_5 in saved
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 3


def test_importing_again_changes_nothing_and_exits_0(run, tmp_path):
    path = tmp_path / "excel.csv"
    shutil.copyfile(FIXTURES / "excel_semicolon_bom_crlf.csv", path)
    assert run("import", "candidates", str(path)).exit_code == 0

    result = run("import", "candidates", str(path), "--json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{") :])
    assert (summary["added"], summary["updated"], summary["unchanged"]) == (0, 0, 3)
    assert not (tmp_path / "excel.errores.csv").exists()


def test_a_file_without_consent_is_one_readable_line_and_exit_1(run, tmp_path):
    result = run("import", "candidates", str(FIXTURES / "no_consent_column.csv"))

    assert result.exit_code == 1
    assert "marketing_consent" in result.output and "Traceback" not in result.output
    assert "[HTTP 422]" in result.output


def test_a_missing_file_is_a_usage_error(run, tmp_path):
    result = run("import", "candidates", str(tmp_path / "nope.csv"))

    assert result.exit_code == 2
    assert "no existe" in result.output
