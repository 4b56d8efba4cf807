"""`adflux campaign budget` and `adflux campaign rules` against the API (in-process): the
recruiter's words for people, JSON for scripts, one line and a non-zero exit for bad input."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from adflux.auth import service as auth_service
from adflux.campaigns.service import campaign_today
from adflux.cli.main import cli
from adflux.extensions import db

from .arms import make_learning_campaign
from .test_optimisation_api import MEDIA_ES

TODAY = campaign_today()


@pytest.fixture
def run(any_app, monkeypatch):
    """Run `adflux ...` with an operator's token against the app, in this process."""
    _row, token = auth_service.create_token(db_session=db.session, name="cli-op", role="operator")
    real_client = httpx.Client

    def in_process(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.WSGITransport(app=any_app), **kwargs)

    monkeypatch.setattr("adflux.cli.client.httpx.Client", in_process)
    env = {"ADFLUX_API_URL": "http://adflux.test", "ADFLUX_API_TOKEN": token, "COLUMNS": "200"}
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), prog_name="adflux", env=env)


@pytest.fixture
def campaign(platforms, segments, dispatcher):
    return make_learning_campaign(platforms, segments)


def test_budget_rebalance_and_dry_run_in_the_recruiters_words(run, campaign):
    shown = run("campaign", "budget", str(campaign.id))
    assert shown.exit_code == 0, shown.output
    assert "Desarrolladores" in shown.output and "$25.000" in shown.output
    assert "50 %" in shown.output

    moved = run("campaign", "budget", str(campaign.id), "--rebalance")
    assert moved.exit_code == 0, moved.output
    assert re.search(MEDIA_ES, moved.output), moved.output

    simulated = run("campaign", "budget", str(campaign.id), "--dry-run", "3", "--json")
    assert simulated.exit_code == 0, simulated.output
    body = json.loads(simulated.output)
    assert len(body["days"]) == 3 and body["spent_cop"] == 3 * 50_000
    table = run("campaign", "budget", str(campaign.id), "--dry-run", "3")
    assert "Habría asignado" in table.output and "no cambia nada" in table.output


def test_rules_added_listed_disabled_and_removed(run, campaign):
    added = run("campaign", "rules", str(campaign.id), "add", "--stop-after", "40", "--per", "week")
    assert added.exit_code == 0, added.output
    assert "detener tras 40 postulaciones por semana" in added.output
    cpa = run(
        "campaign", "rules", str(campaign.id), "add", "--max-cpa", "20000", "--min-spend", "50000"
    )
    assert cpa.exit_code == 0, cpa.output
    rule_id = cpa.output.split()[1].rstrip(":")

    listed = run("campaign", "rules", str(campaign.id), "--json")
    kinds = [rule["kind"] for rule in json.loads(listed.output)]
    assert kinds == ["job_closed", "end_date", "max_applications", "max_cpa"]
    table = run("campaign", "rules", str(campaign.id))
    assert "pausar cuando la vacante se cierre" in table.output
    assert "$20.000 por postulación tras gastar $50.000" in table.output

    off = run("campaign", "rules", str(campaign.id), "disable", rule_id)
    assert off.exit_code == 0 and "desactivada" in off.output
    gone = run("campaign", "rules", str(campaign.id), "remove", rule_id)
    assert gone.exit_code == 0 and "eliminada" in gone.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("budget", "CAMPAIGN", "--dry-run", "61"), "61 no está en el rango 1<=x<=60"),
        (("budget", "CAMPAIGN", "--dry-run", "tres"), "'tres' no es un número válido"),
        (("budget", "CAMPAIGN", "--rebalance", "--dry-run", "3"), "no pueden ir juntos"),
        (("budget", "cero"), "'cero' no es un número válido"),
        (("rules", "CAMPAIGN", "add"), "indique --stop-after, o bien --max-cpa con --min-spend"),
        (
            ("rules", "CAMPAIGN", "add", "--stop-after", "3", "--max-cpa", "9"),
            "indique --stop-after",
        ),
        (("rules", "CAMPAIGN", "add", "--stop-after", "0"), "0 no está en el rango"),
        (("rules", "add", "--stop-after", "3"), "indique primero la campaña"),
        (("rules", "CAMPAIGN", "remove", "999999"), "la regla 999999 no existe"),
        (("budget", "999999"), "la campaña 999999 no existe"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(run, campaign, args, message):
    result = run("campaign", *(str(campaign.id) if a == "CAMPAIGN" else a for a in args))
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
