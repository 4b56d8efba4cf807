"""`adflux template …` against the API (in-process)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.postgres


def test_create_show_disable_and_list(adflux_cli):
    created = adflux_cli(
        "template", "create", "--name", "Ventas Medellín", "--platforms", "meta,x",
        "--area", "ventas", "--city", "medellin", "--daily-budget", "70000",
        "--daily-cap", "3", "--stop-after", "40", "--per", "week",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    lines = created.stdout.splitlines()
    assert lines[0].startswith("plantilla ") and lines[0].endswith("«Ventas Medellín» (activa)")
    assert lines[1] == "vacantes: área Ventas y comercial, ciudad Medellín"
    assert lines[2] == (
        "plataformas: Meta, X; presupuesto diario por vacante: $70.000; máximo 3 campañas al día"
    )
    assert lines[3] == "regla: detener tras 40 postulaciones por semana"
    template_id = lines[0].split()[1]

    disabled = adflux_cli("template", "disable", template_id, "--json")
    assert json.loads(disabled.stdout)["active"] is False
    listed = adflux_cli("template", "list", "--json")
    page = json.loads(listed.stdout)
    assert [t["name"] for t in page["items"]] == ["Ventas Medellín"]
    assert (page["total"], page["limit"], page["offset"]) == (1, 20, 0)
    applied = adflux_cli("template", "apply")
    assert applied.stdout.strip() == "no se creó ninguna campaña"


def test_refusals_are_one_line(adflux_cli):
    bad = adflux_cli("template", "create", "--name", "X", "--platforms", "meta", "--city", "Gotham")
    assert bad.exit_code == 1
    # The field by its label, as the CLI names every field (never its key "city").
    assert "Ciudad: 'Gotham' no es una ciudad en la que AdFlux publique" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    half = adflux_cli(
        "template", "create", "--name", "X", "--platforms", "meta", "--max-cpa", "9000"
    )
    assert half.exit_code == 2
    assert "--max-cpa y --min-spend van juntos" in half.stderr
