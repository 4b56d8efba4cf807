"""The CLI's tables fit the terminal without splitting a word; its requests carry its language."""

from __future__ import annotations

import io

import httpx
import pytest
from rich.console import Console

from adflux.cli import language
from adflux.cli.client import ApiClient, describe_error
from adflux.cli.local_config import ClientConfig
from adflux.cli.main import cli
from adflux.cli.output import Column, fitted_table

ROWS = [
    {
        "id": 7,
        "title": "Ingeniero de infraestructura y confiabilidad de plataformas",
        "company": "Transportadora Interdepartamental de Hidrocarburos S.A.S.",
        "city": "Bucaramanga",
        "status": "partially_published",
    },
    {"id": 12, "title": "Auxiliar", "company": "Éxito", "city": "Cali", "status": "queued"},
]
COLUMNS = [
    Column("ID", lambda r: r["id"]),
    Column("Cargo", lambda r: r["title"]),
    Column("Empresa", lambda r: r["company"], drop=2),
    Column("Ciudad", lambda r: r["city"], drop=1),
    Column("Estado", lambda r: r["status"].replace("_", " ")),
]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_a_table_fits_without_splitting_a_word(width):
    table, hidden = fitted_table("Vacantes", COLUMNS, ROWS, width=width)
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(table)
    text = console.export_text()
    assert all(len(line) <= width for line in text.splitlines()), text
    shown = [c for c in COLUMNS if c.header not in hidden]
    words = set(text.replace("│", " ").replace("┃", " ").split())
    for row in ROWS:
        for column in shown:
            assert set(str(column.value(row)).split()) <= words, (column.header, text)
    # Only the columns that may go are left out, the first to go first.
    assert set(hidden) <= {"Empresa", "Ciudad"}
    assert hidden in ([], ["Empresa"], ["Empresa", "Ciudad"])


def test_requests_carry_the_clis_language():
    try:
        language.speak("en", cli)
        english = ApiClient(ClientConfig(api_url="http://adflux.test", token=None))
        assert english._http.headers["Accept-Language"] == "en"
    finally:
        language.speak("es", cli)
    spanish = ApiClient(ClientConfig(api_url="http://adflux.test", token=None))
    assert spanish._http.headers["Accept-Language"] == "es"


def _api_error(message: str, fields: dict[str, list[str]]) -> httpx.Response:
    body = {"error": {"code": "validation_error", "message": message, "fields": fields}}
    return httpx.Response(422, json=body)


def test_an_api_error_names_fields_by_their_label_and_says_each_reason_once():
    line = describe_error(
        _api_error(
            "la solicitud tiene campos no válidos: Presupuesto diario, Número de segmentos",
            {
                "daily_budget_cop": ["No es un número entero válido."],
                "k": ["Debe estar entre 2 y 12."],
            },
        )
    )
    assert line == (
        "la solicitud tiene campos no válidos: Presupuesto diario, Número de segmentos "
        "(Presupuesto diario: No es un número entero válido.; "
        "Número de segmentos: Debe estar entre 2 y 12.) [HTTP 422]"
    )
    # A file refused for one reason carries it as the message and as its field's: said once.
    refused = "el feed XML declara entidades: se rechaza"
    assert describe_error(_api_error(refused, {"feed": [refused]})) == f"{refused} [HTTP 422]"


FIGURES = [
    Column("Plataforma", lambda r: r["platform"]),
    Column("Inversión", lambda r: r["spend"], justify="right"),
    Column("CTR", lambda r: r["ctr"], justify="right", drop=2),
    Column("Costo por postulación", lambda r: r["cpa"], justify="right", drop=1),
]
FIGURE_ROWS = [
    {"platform": "Google Ads", "spend": "COP 1,751,885", "ctr": "2,81 %", "cpa": "$14.081"},
    {"platform": "X", "spend": "COP 320,588", "ctr": "0,45 %", "cpa": "$1.696"},
]


@pytest.mark.parametrize("width", [30, 40, 50, 60, 100])
def test_a_figure_stays_on_one_line_with_its_unit(width):
    """ "2,81 %" or "COP 320,588" split over two lines reads as two values: a right-aligned
    column's cells never wrap (its header may); where they do not fit, the column goes."""
    table, hidden = fitted_table("Resultados", FIGURES, FIGURE_ROWS, width=width)
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(table)
    text = console.export_text()
    assert all(len(line) <= width for line in text.splitlines()), text
    for column in FIGURES:
        if column.header in hidden or column.justify != "right":
            continue
        for row in FIGURE_ROWS:
            assert str(column.value(row)) in text, (width, column.header, text)
    assert hidden in ([], ["CTR"], ["CTR", "Costo por postulación"]), (width, hidden)


def test_adflux_run_names_platform_objects_by_their_label():
    from adflux.cli.serve import _object_ids

    try:
        language.speak("en", cli)
        assert _object_ids("ad_set", "1202") == "ad set 1202"
        language.speak("es", cli)
        assert _object_ids("ad_set", "1202") == "conjunto de anuncios 1202"
        # Of X's targeting criteria, the first id and how many more.
        assert _object_ids("targeting", "255v,255w,255x") == "segmentación 255v +2"
    finally:
        language.speak("es", cli)
