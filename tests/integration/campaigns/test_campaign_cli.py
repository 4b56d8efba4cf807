"""`adflux campaign edit|archive|show` and `create-campaign --total-budget --pacing`, typed as a
recruiter types them, against the API (in-process, fake platforms, tasks run here)."""

from __future__ import annotations

import json

import click
import pytest
from tests.factories import make_segmented_run
from tests.integration.campaigns.conftest import run_sent_tasks

from adflux.cli.campaign import campaign
from adflux.extensions import db

pytestmark = pytest.mark.postgres


def test_create_edit_show_and_archive_from_the_command_line(adflux_cli, platforms, dispatcher, job):
    first, second = make_segmented_run(
        {"Contadores": [{"city": "Cali"}] * 2, "Auxiliares": [{"city": "Cali"}] * 2}
    )
    db.session.commit()
    created = adflux_cli(
        "create-campaign",
        "--job-id",
        str(job.id),
        "--platforms",
        "meta,google",
        "--segment-ids",
        str(first.id),
        "--budget",
        "60000",
        "--total-budget",
        "900000",
        "--pacing",
        "fast",
        "--json",
    )
    assert created.exit_code == 0, created.output
    campaign = json.loads(created.output)
    assert (campaign["total_budget_cop"], campaign["pacing"]) == (900_000, "fast")
    run_sent_tasks(dispatcher)
    cid = str(campaign["id"])

    edited = adflux_cli(
        "campaign",
        "edit",
        cid,
        "--daily-budget",
        "120000",
        "--no-total-budget",
        "--pacing",
        "even",
        "--end-date",
        "2099-12-31",
        "--segment-ids",
        f"{first.id},{second.id}",
        "--headline",
        "Contadores en Cali",
        "--no-auto-allocate",
    )
    assert edited.exit_code == 0, edited.output
    assert edited.output.startswith(f"campaña {cid} modificada: ")
    shown = json.loads(adflux_cli("campaign", "show", cid, "--json").output)
    assert (shown["daily_budget_cop"], shown["total_budget_cop"], shown["pacing"]) == (
        120_000,
        None,
        "even",
    )
    assert shown["end_date"] == "2099-12-31" and shown["auto_allocate"] is False
    assert shown["ad_copy"] == {"headline": "Contadores en Cali"}
    assert len(shown["arms"]) == 4
    run_sent_tasks(dispatcher)
    table = adflux_cli("campaign", "show", cid)
    assert table.exit_code == 0, table.output
    assert "presupuesto $120.000 al día · sin total · ritmo: parejo" in table.output
    assert "Combinaciones" in table.output and "Contadores" in table.output
    assert "aplicado" in table.output and "pendiente" not in table.output

    archived = adflux_cli("campaign", "archive", cid)
    assert (archived.exit_code, archived.output.strip()) == (0, f"campaña {cid}: archivada")
    run_sent_tasks(dispatcher)
    shown = json.loads(adflux_cli("campaign", "show", cid, "--json").output)
    assert {a["status"] for a in shown["arms"]} == {"ended"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--daily-budget", "mucho"], "'mucho' no es un número válido"),
        (["--pacing", "slow"], "'slow' is not one of"),
        (["--segment-ids", "uno,dos"], "use números separados por comas"),
        (["--end-date", "2099-12-31", "--no-end-date"], "no ambos"),
        ([], "nada que cambiar"),
        (["--daily-budget", "10"], "Presupuesto diario: "),
    ],
)
def test_bad_input_exits_non_zero_with_one_readable_line(
    adflux_cli, platforms, dispatcher, job, args, says
):
    (segment,) = make_segmented_run({"Contadores": [{"city": "Cali"}] * 2})
    db.session.commit()
    created = adflux_cli(
        "create-campaign",
        "--job-id",
        str(job.id),
        "--platforms",
        "meta",
        "--segment-ids",
        str(segment.id),
        "--json",
    )
    cid = str(json.loads(created.output)["id"])
    result = adflux_cli("campaign", "edit", cid, *args)
    assert result.exit_code != 0
    assert says in result.output
    assert "Traceback" not in result.output


def test_archiving_an_unknown_campaign_says_so(adflux_cli, platforms, dispatcher):
    result = adflux_cli("campaign", "archive", "999999")
    assert result.exit_code == 1 and "[HTTP 404]" in result.output


def test_every_campaign_command_and_option_has_help() -> None:
    for name, command in campaign.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} --{param.name}"
