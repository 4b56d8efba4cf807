"""The CLI as a recruiter reads it: in the terminal's language, empty results said, errors with
a non-zero exit, tables that never split a word, JSON with the paging."""

from __future__ import annotations

import json

import pytest
from tests.factories import make_job

from adflux.extensions import db

ENGLISH = {"LANG": "en_US.UTF-8"}


@pytest.fixture
def jobs(app):
    made = [
        make_job(
            external_ref="cli-1",
            title="Auxiliar contable con experiencia en facturación electrónica",
            company="Comercializadora Internacional de Insumos Agroindustriales S.A.S.",
            city="Barranquilla",
        ),
        make_job(external_ref="cli-2", title="Desarrollador backend", city="Medellín"),
        make_job(external_ref="cli-3", title="Analista de nómina", status="paused"),
    ]
    db.session.commit()
    return made


def test_an_empty_result_says_so(adflux_cli, jobs):
    nothing = adflux_cli("view-jobs", "--q", "astronauta")
    assert (nothing.exit_code, nothing.output) == (0, "Ninguna vacante coincide.\n")
    past = adflux_cli("view-jobs", "--offset", "50")
    assert past.exit_code == 0
    assert past.output.splitlines() == [
        "Ninguna vacante coincide.",
        "Hay 3 en total, ninguna desde la fila 51: use un --offset menor.",
    ]
    english = adflux_cli("view-campaigns", **ENGLISH)
    assert (english.exit_code, english.output) == (0, "No campaign matches.\n")


def test_an_unknown_segment_is_an_error_not_an_empty_table(adflux_cli, client, token_for):
    result = adflux_cli("view-candidates", "--segment-id", "999")
    assert result.exit_code == 1
    assert "999" in result.output and "[HTTP 404]" in result.output
    assert "Ningún candidato" not in result.output
    answer = client.get("/api/v1/candidates?segment_id=999", headers=token_for("viewer"))
    assert answer.status_code == 404


def test_view_jobs_searches_titles(adflux_cli, jobs, client, token_for):
    found = adflux_cli("view-jobs", "--q", "contable", "--json")
    assert [job["external_ref"] for job in json.loads(found.output)["items"]] == ["cli-1"]
    answer = client.get("/api/v1/jobs?q=backend", headers=token_for("viewer"))
    assert [job["external_ref"] for job in answer.json["items"]] == ["cli-2"]


def test_json_has_the_total_and_the_paging(adflux_cli, jobs):
    result = adflux_cli("view-jobs", "--json", "--limit", "2", "--offset", "1")
    page = json.loads(result.output)
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [job["external_ref"] for job in page["items"]] == ["cli-2", "cli-3"]


def test_the_table_says_which_rows_it_shows(adflux_cli, jobs):
    result = adflux_cli("view-jobs", "--limit", "2", COLUMNS="120")
    assert result.output.splitlines()[-1] == "filas 1 a 2 de 3; siguientes: --offset 2"


@pytest.mark.parametrize("width", [60, 80])
def test_no_word_is_split_in_a_narrow_terminal(adflux_cli, jobs, width):
    result = adflux_cli("view-jobs", COLUMNS=str(width))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= width for line in lines), result.output
    words = set(result.output.split())
    for job in jobs:  # the title and the status always stay
        assert set(job.title.split()) <= words, result.output
    assert "abierta" in words  # the status, by its label
    if width == 60:
        assert "Columnas no mostradas por falta de ancho:" in result.output


def test_help_and_statuses_in_the_terminals_language(adflux_cli, jobs):
    spanish = adflux_cli("view-jobs", "--help")
    assert spanish.output.startswith("Uso: adflux view-jobs [OPTIONS]")
    assert "Lista las vacantes." in spanish.output and "Muestra este mensaje y termina." in (
        spanish.output
    )
    english = adflux_cli("view-jobs", "--help", **ENGLISH)
    assert english.output.startswith("Usage: adflux view-jobs [OPTIONS]")
    assert "List job openings." in english.output and "Lista" not in english.output

    table = adflux_cli("view-jobs", "--limit", "2", COLUMNS="150")
    assert "Vacantes" in table.output and "abierta" in table.output
    table_en = adflux_cli("view-jobs", "--limit", "2", COLUMNS="150", **ENGLISH)
    assert "Job openings" in table_en.output and "open" in table_en.output
    assert "abierta" not in table_en.output
    # LC_ALL wins over LANG, as gettext reads them.
    both = adflux_cli("view-jobs", "--help", LANG="en_US.UTF-8", LC_ALL="es_CO.UTF-8")
    assert both.output.startswith("Uso:")


def test_usage_errors_in_the_terminals_language(adflux_cli):
    spanish = adflux_cli("view-jobs", "--limit", "mucho")
    assert spanish.exit_code == 2
    assert "Error: Valor no válido para '--limit': 'mucho' no es un número válido." in (
        spanish.output
    )
    english = adflux_cli("view-jobs", "--limit", "mucho", **ENGLISH)
    assert (
        "Error: Invalid value for '--limit': 'mucho' is not a valid integer range."
        in english.output
    )
    # Click asks ngettext for its suggestions and its extra arguments: singular and plural.
    typo = adflux_cli("view-jobz")
    assert typo.exit_code == 2
    assert "Error: No existe el comando 'view-jobz'. ¿Quiso decir 'view-jobs'?" in typo.output
    extra = adflux_cli("view-jobs", "una", "dos")
    assert "Error: Se recibieron argumentos de más (una dos)" in extra.output
    assert "Did you mean 'view-jobs'?" in adflux_cli("view-jobz", **ENGLISH).output
