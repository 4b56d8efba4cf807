"""`adflux campaign ...`: show, change, archive, retry, pause, resume one campaign (API client)."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table

from adflux.cli.campaigns import (
    PACINGS,
    csv_ints,
    echo_warnings,
    iso_day,
    progress_table,
    total_budget_option,
)
from adflux.cli.client import ApiClient
from adflux.cli.options import json_option
from adflux.cli.output import cop, print_json

CHANGE_STATES = {"applied": "aplicado", "pending": "pendiente", "refused": "rechazado"}
PACING_ES = {"even": "parejo", "fast": "rápido"}


@click.group("campaign")
def campaign() -> None:
    """Show, change, archive, retry, pause and resume one campaign."""


@campaign.command("show")
@click.argument("campaign_id", type=click.IntRange(1))
@json_option
def show(campaign_id: int, as_json: bool) -> None:
    """Show a campaign: its budgets, each platform's publication and each arm's change state."""
    shown = ApiClient().get(f"/api/v1/campaigns/{campaign_id}")
    if as_json:
        print_json(shown)
        return
    echo_campaign(shown)


def echo_campaign(shown: dict[str, Any]) -> None:
    """The campaign's budgets, its publications and its arms, as tables."""
    if shown.get("job_audience_size"):
        click.echo(f"job audience: the {shown['job_audience_size']} most likely candidates")
    total = shown.get("total_budget_cop")
    click.echo(
        f"presupuesto {cop(shown['daily_budget_cop'])}/día · "
        + (f"total {cop(total)}" if total else "sin total")
        + f" · ritmo {PACING_ES.get(shown.get('pacing', 'even'), shown.get('pacing'))}"
        + (" · archivada" if shown.get("archived_at") else "")
    )
    console = Console()
    console.print(progress_table(shown))
    console.print(arms_table(shown))
    echo_warnings(shown)


def arms_table(shown: dict[str, Any]) -> Table:
    """Each arm: platform, segment, the budget AdFlux decided and the one the platform holds,
    and how its last change stands (with the platform's message when refused)."""
    table = Table(title="Brazos (plataforma × segmento)")
    for header in ("Plataforma", "Segmento", "Presupuesto/día", "En plataforma", "Cambio"):
        table.add_column(header, overflow="fold")
    for arm in shown.get("arms") or []:
        segment = arm["segment"]["name"] if arm.get("segment") else arm["arm_key"]
        state = CHANGE_STATES.get(arm["change_state"], arm["change_state"])
        if arm["status"] == "ended":
            state = f"terminado · {state}"
        if arm.get("change_error"):
            state += f": {arm['change_error']}"
        table.add_row(
            arm["platform"],
            segment,
            cop(arm["daily_budget_cop"]),
            cop(arm.get("held_daily_budget_cop")),
            state,
        )
    return table


def _optional_ints(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """None when the option is not given (the segments stay), else the ids."""
    return None if value is None else csv_ints(ctx, param, value)


@campaign.command("edit")
@click.argument("campaign_id", type=click.IntRange(1))
@click.option("--name", help="A new name.")
@click.option(
    "--daily-budget",
    "daily_budget_cop",
    type=click.IntRange(1),
    help="The daily budget in COP over all arms, re-split in proportion to the current split.",
)
@total_budget_option
@click.option("--no-total-budget", is_flag=True, help="Remove the total budget.")
@click.option("--pacing", type=click.Choice(PACINGS), help="even or fast.")
@click.option(
    "--start-date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="YYYY-MM-DD; only before the campaign has started.",
)
@click.option("--end-date", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD.")
@click.option("--no-end-date", is_flag=True, help="Remove the end date.")
@click.option(
    "--segment-ids",
    callback=_optional_ints,
    help="The campaign's segments, comma-separated: added ones get arms on every platform, "
    "removed ones have theirs ended.",
)
@click.option(
    "--job-audience",
    "job_audience_size",
    type=click.IntRange(1),
    help="Aim also at the job's N most likely consenting candidates (100 to 50000).",
)
@click.option("--no-job-audience", is_flag=True, help="Stop aiming at the job audience.")
@click.option("--headline", help="Your own headline, in place of AdFlux's.")
@click.option("--description", help="Your own description, in place of AdFlux's.")
@click.option("--primary-text", help="Your own main text, in place of AdFlux's.")
@click.option(
    "--auto-allocate/--no-auto-allocate",
    default=None,
    help="Whether AdFlux moves the daily budget between the arms by cost per application.",
)
@click.option(
    "--accept-age-proxy",
    is_flag=True,
    help="Confirm the offer is open to every age when an added segment is flagged as an age "
    "proxy, or age alone sets the job audience apart (recorded in the audit log).",
)
@json_option
def edit(campaign_id: int, **options: Any) -> None:
    """Change a campaign; the change is pushed to every platform in the background (see
    `adflux campaign show ID` for each arm's state)."""
    as_json = options.pop("as_json")
    body = _edit_body(options)
    if not body:
        raise click.UsageError("nothing to change: give at least one option (see --help)")
    shown = ApiClient().patch(f"/api/v1/campaigns/{campaign_id}", body)
    if as_json:
        print_json(shown)
        return
    pending = sum(1 for arm in shown.get("arms") or [] if arm["change_state"] == "pending")
    click.echo(f"campaign {campaign_id} changed: {pending} arm(s) pending on their platforms")


def _edit_body(options: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body of the options given; a pair such as --end-date/--no-end-date is refused."""
    body: dict[str, Any] = {}
    for field, clear in (
        ("total_budget_cop", "no_total_budget"),
        ("end_date", "no_end_date"),
        ("job_audience_size", "no_job_audience"),
    ):
        value, cleared = options.pop(field), options.pop(clear)
        if value is not None and cleared:
            flag = "--" + clear.replace("_", "-")
            raise click.UsageError(f"give a value or {flag}, not both")
        if cleared:
            body[field] = None
        elif value is not None:
            body[field] = iso_day(value) if field == "end_date" else value
    if options.get("start_date") is not None:
        body["start_date"] = iso_day(options.pop("start_date"))
    copy = {
        key: options.pop(key)
        for key in ("headline", "description", "primary_text")
        if options.get(key) is not None
    }
    if copy:
        body["ad_copy"] = copy
    if options.pop("accept_age_proxy", False):
        body["acknowledge_warnings"] = ["segment_age_proxy", "job_audience_age_skew"]
    for field in ("name", "daily_budget_cop", "pacing", "segment_ids", "auto_allocate"):
        if options.get(field) is not None:
            body[field] = options[field]
    return body


@campaign.command("archive")
@click.argument("campaign_id", type=click.IntRange(1))
@json_option
def archive(campaign_id: int, as_json: bool) -> None:
    """Archive a campaign: ended on every platform, kept with its results and history."""
    shown = ApiClient().post(f"/api/v1/campaigns/{campaign_id}/archive")
    if as_json:
        print_json(shown)
    else:
        click.echo(f"campaign {campaign_id}: {shown['status']}")


def _action(verb: str) -> click.Command:
    @click.command(verb)
    @click.argument("campaign_id", type=click.IntRange(1))
    @json_option
    def command(campaign_id: int, as_json: bool) -> None:
        shown = ApiClient().post(f"/api/v1/campaigns/{campaign_id}/{verb}")
        if as_json:
            print_json(shown)
        else:
            click.echo(f"campaign {campaign_id}: {shown['status']}")

    command.help = {
        "retry": "Queue the failed publications of a campaign again.",
        "pause": "Pause a campaign on every platform where it is published.",
        "resume": "Resume a paused campaign on every platform.",
    }[verb]
    return command


for _verb in ("retry", "pause", "resume"):
    campaign.add_command(_action(_verb))
