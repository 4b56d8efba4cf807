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
from adflux.cli.language import _, label, money, ngettext
from adflux.cli.options import json_option
from adflux.cli.output import Column, fitted_table, print_json
from adflux.i18n.catalogs import N_

# The pacing in one word (its label is a sentence, for the form).
PACING_WORDS = {"even": N_("steady"), "fast": N_("fast")}


@click.group("campaign", help=N_("Show, change, archive, retry, pause and resume one campaign."))
def campaign() -> None:
    pass


@campaign.command(
    "show",
    help=N_(
        "Show a campaign: its budgets, each platform's publication and each arm's change state."
    ),
)
@click.argument("campaign_id", type=click.IntRange(1))
@json_option
def show(campaign_id: int, as_json: bool) -> None:
    shown = ApiClient().get(f"/api/v1/campaigns/{campaign_id}")
    if as_json:
        print_json(shown)
        return
    echo_campaign(shown)


def echo_campaign(shown: dict[str, Any]) -> None:
    """The campaign's budgets, its publications and its arms, as tables."""
    if shown.get("job_audience_size"):
        click.echo(
            _(
                "job audience: the %(size)s most likely candidates",
                size=shown["job_audience_size"],
            )
        )
    total = shown.get("total_budget_cop")
    parts = [
        _("budget %(budget)s a day", budget=money(shown["daily_budget_cop"])),
        _("total %(total)s", total=money(total)) if total else _("no total"),
        _("pacing: %(pacing)s", pacing=_(PACING_WORDS.get(shown.get("pacing") or "even", "even"))),
    ]
    if shown.get("archived_at"):
        parts.append(label("publication_status", "archived"))
    click.echo(" · ".join(parts))
    console = Console()
    console.print(progress_table(shown, console.width))
    console.print(arms_table(shown, console.width))
    echo_warnings(shown)


def _arm_change(arm: dict[str, Any]) -> str:
    state = label("change_state", arm["change_state"])
    if arm["status"] == "ended":
        state = f"{label('publication_status', 'ended')} · {state}"
    if arm.get("change_error"):
        state += f": {arm['change_error']}"
    return state


def arms_table(shown: dict[str, Any], width: int) -> Table:
    """Each arm: platform, segment, the budget AdFlux decided and the one the platform holds,
    and how its last change stands (with the platform's message when refused)."""
    table, _hidden = fitted_table(
        _("Arms (platform × segment)"),
        [
            Column(_("Platform"), lambda a: label("platform", a["platform"])),
            Column(
                _("Segment"),
                lambda a: a["segment"]["name"] if a.get("segment") else label("arm", a["arm_key"]),
            ),
            Column(_("Daily budget"), lambda a: money(a["daily_budget_cop"]), justify="right"),
            Column(
                _("On the platform"),
                lambda a: money(a.get("held_daily_budget_cop")),
                justify="right",
                drop=1,
            ),
            Column(_("Change"), _arm_change),
        ],
        shown.get("arms") or [],
        width=width,
    )
    return table


def _optional_ints(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """None when the option is not given (the segments stay), else the ids."""
    return None if value is None else csv_ints(ctx, param, value)


@campaign.command(
    "edit",
    help=N_(
        "Change a campaign; the change is pushed to every platform in the background (see "
        "`adflux campaign show ID` for each arm's state)."
    ),
)
@click.argument("campaign_id", type=click.IntRange(1))
@click.option("--name", help=N_("A new name."))
@click.option(
    "--daily-budget",
    "daily_budget_cop",
    type=click.IntRange(1),
    help=N_("The daily budget in COP over all arms, re-split in proportion to the current split."),
)
@total_budget_option
@click.option("--no-total-budget", is_flag=True, help=N_("Remove the total budget."))
@click.option("--pacing", type=click.Choice(PACINGS), help=N_("even or fast."))
@click.option(
    "--start-date",
    type=click.DateTime(["%Y-%m-%d"]),
    help=N_("YYYY-MM-DD; only before the campaign has started."),
)
@click.option("--end-date", type=click.DateTime(["%Y-%m-%d"]), help=N_("Last day, YYYY-MM-DD."))
@click.option("--no-end-date", is_flag=True, help=N_("Remove the end date."))
@click.option(
    "--segment-ids",
    callback=_optional_ints,
    help=N_(
        "The campaign's segments, comma-separated: added ones get arms on every platform, "
        "removed ones have theirs ended."
    ),
)
@click.option(
    "--job-audience",
    "job_audience_size",
    type=click.IntRange(1),
    help=N_("Aim also at the job's N most likely consenting candidates (100 to 50000)."),
)
@click.option("--no-job-audience", is_flag=True, help=N_("Stop aiming at the job audience."))
@click.option("--headline", help=N_("Your own headline, in place of AdFlux's."))
@click.option("--description", help=N_("Your own description, in place of AdFlux's."))
@click.option("--primary-text", help=N_("Your own main text, in place of AdFlux's."))
@click.option(
    "--auto-allocate/--no-auto-allocate",
    default=None,
    help=N_("Whether AdFlux moves the daily budget between the arms by cost per application."),
)
@click.option(
    "--accept-age-proxy",
    is_flag=True,
    help=N_(
        "Confirm the offer is open to every age when an added segment is flagged as an age "
        "proxy, or age alone sets the job audience apart (recorded in the audit log)."
    ),
)
@json_option
def edit(campaign_id: int, **options: Any) -> None:
    as_json = options.pop("as_json")
    body = _edit_body(options)
    if not body:
        raise click.UsageError(_("nothing to change: give at least one option (see --help)"))
    shown = ApiClient().patch(f"/api/v1/campaigns/{campaign_id}", body)
    if as_json:
        print_json(shown)
        return
    pending = sum(1 for arm in shown.get("arms") or [] if arm["change_state"] == "pending")
    click.echo(
        ngettext(
            "campaign %(campaign)s changed: %(count)s arm pending on its platform",
            "campaign %(campaign)s changed: %(count)s arms pending on their platforms",
            pending,
            campaign=str(campaign_id),
        )
    )


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
            raise click.UsageError(_("give a value or %(flag)s, not both", flag=flag))
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


def _action(verb: str, help_text: str) -> click.Command:
    @click.command(verb, help=help_text)
    @click.argument("campaign_id", type=click.IntRange(1))
    @json_option
    def command(campaign_id: int, as_json: bool) -> None:
        shown = ApiClient().post(f"/api/v1/campaigns/{campaign_id}/{verb}")
        if as_json:
            print_json(shown)
        else:
            status = label("publication_status", shown["status"])
            click.echo(
                _("campaign %(campaign)s: %(status)s", campaign=str(campaign_id), status=status)
            )

    return command


for _verb, _help in (
    (
        "archive",
        N_("Archive a campaign: ended on every platform, kept with its results and history."),
    ),
    ("retry", N_("Queue the failed publications of a campaign again.")),
    ("pause", N_("Pause a campaign on every platform where it is published.")),
    ("resume", N_("Resume a paused campaign on every platform.")),
):
    campaign.add_command(_action(_verb, _help))
