"""Client commands about campaigns: the seed's create-campaign and view-campaigns, and more."""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from adflux.campaigns.compliance import (
    NARROWING_RULES,
    TARGETING_FIELD,
    TARGETING_REFUSAL,
    rule_for_field,
)
from adflux.cli.client import ApiClient
from adflux.cli.language import _, current, label, money
from adflux.cli.options import json_option, limit_option, offset_option, wait_limit_option
from adflux.cli.output import Column, emit, fitted_table, print_json
from adflux.i18n.catalogs import N_

TERMINAL = {"published", "failed", "paused", "ended"}
STATUSES = [
    "queued",
    "publishing",
    "published",
    "partially_published",
    "failed",
    "paused",
    "ended",
    "archived",
]
PACINGS = ("even", "fast")
total_budget_option = click.option(
    "--total-budget",
    "total_budget_cop",
    type=click.IntRange(1),
    help=N_("The most the campaign spends over its whole life, in COP (none unless given)."),
)


def _csv(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def csv_ints(ctx: click.Context, param: click.Parameter, value: str | None) -> list[int]:
    try:
        return [int(part) for part in _csv(ctx, param, value)]
    except ValueError:
        raise click.BadParameter(_("use comma-separated numbers, e.g. 3,5")) from None


def _refuse_narrowing(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """An option that would narrow a job ad's audience: refused, naming the rule (exit 1), in
    the CLI's language."""
    if value is None:
        return
    assert param.name is not None
    rule = rule_for_field(param.name)
    message = (rule.message if rule is not None else TARGETING_REFUSAL).render(current())
    raise click.ClickException(f"--{param.name.replace('_', '-')}: {message}")


def refused_narrowing_options(command: Any) -> Any:
    """`--age-min`, `--genders`, `--postal-codes`, `--targeting`...: each exists only to say which
    employment-ad rule forbids it (eager, so before any other check and before any API call)."""
    names = sorted({name for rule in NARROWING_RULES.values() for name in rule.fields})
    for name in [*names, TARGETING_FIELD]:
        command = click.option(
            f"--{name.replace('_', '-')}",
            name,
            # With or without a value: `--lookalike` and `--age-min 25` are both refused.
            is_flag=False,
            flag_value="",
            default=None,
            hidden=True,
            is_eager=True,
            expose_value=False,
            callback=_refuse_narrowing,
        )(command)
    return command


@click.command(
    "create-campaign",
    help=N_(
        "Create a campaign for a job on the given platforms; publishing runs in the background."
    ),
    epilog=N_(
        "Job ads cannot be narrowed by age, gender, postal code, family status or sensitive "
        "data (Ley 931 de 2004, Ley 1482 de 2011, Ley 1581 de 2012 and each platform's "
        "employment-ad policy): options such as --age-min are refused, naming the rule."
    ),
)
@click.option(
    "--job-id", type=click.IntRange(1), required=True, help=N_("The job opening to advertise.")
)
@click.option(
    "--platforms",
    required=True,
    callback=_csv,
    help=N_(
        "Comma-separated: meta (Meta), google (Google Ads), x (X), tiktok (TikTok), "
        "snapchat (Snapchat)."
    ),
)
@click.option(
    "--segment-ids",
    callback=csv_ints,
    help=N_(
        "Comma-separated target segment ids (default: the segments recommended for the job, "
        "see adflux view-audience JOB_ID)."
    ),
)
@click.option(
    "--job-audience",
    "job_audience_size",
    type=click.IntRange(1),
    help=N_(
        "Also target the job's N most likely consenting candidates (100 to 50000), uploaded "
        "as an audience of the job's own on each platform (the API checks the range)."
    ),
)
@click.option("--name", help=N_("Campaign name (default: job title · city)."))
@click.option(
    "--budget",
    "daily_budget_cop",
    type=click.IntRange(1),
    help=N_(
        "Daily budget in COP over all the campaign's arms (platform x segment), split between "
        "them (default: 50.000 per arm, or the platform's minimum when higher)."
    ),
)
@total_budget_option
@click.option(
    "--pacing",
    type=click.Choice(PACINGS),
    default="even",
    show_default=True,
    help=N_("even: the total spread over the days; fast: as the market allows."),
)
@click.option(
    "--start", "start_date", type=click.DateTime(["%Y-%m-%d"]), help=N_("First day, YYYY-MM-DD.")
)
@click.option(
    "--end", "end_date", type=click.DateTime(["%Y-%m-%d"]), help=N_("Last day, YYYY-MM-DD.")
)
@click.option("--wait", is_flag=True, help=N_("Show live progress until every platform is done."))
@wait_limit_option(300)
@click.option(
    "--accept-age-proxy",
    is_flag=True,
    help=N_(
        "Confirm the offer is open to every age when a segment is flagged as an age proxy, or "
        "when age alone sets the job audience's people apart (the confirmation is recorded "
        "with your token in the audit log)."
    ),
)
@json_option
@refused_narrowing_options
def create_campaign(
    job_id: int,
    platforms: list[str],
    segment_ids: list[int],
    job_audience_size: int | None,
    name: str | None,
    daily_budget_cop: int | None,
    total_budget_cop: int | None,
    pacing: str,
    start_date: Any,
    end_date: Any,
    wait: bool,
    timeout: int,
    accept_age_proxy: bool,
    as_json: bool,
) -> None:
    body: dict[str, Any] = {"job_id": job_id, "platforms": platforms, "segment_ids": segment_ids}
    if accept_age_proxy:
        # Both warnings of an indirect age filter; the API ignores one that does not apply.
        body["acknowledge_warnings"] = ["segment_age_proxy", "job_audience_age_skew"]
    if job_audience_size is not None:
        body["job_audience_size"] = job_audience_size
    if name:
        body["name"] = name
    if daily_budget_cop:
        body["daily_budget_cop"] = daily_budget_cop
    if total_budget_cop:
        body["total_budget_cop"] = total_budget_cop
    if pacing != "even":
        body["pacing"] = pacing
    if start_date:
        body["start_date"] = iso_day(start_date)
    if end_date:
        body["end_date"] = iso_day(end_date)
    client = ApiClient()
    # A key per invocation: if the connection drops and httpx retries, no second campaign appears.
    campaign = client.post(
        "/api/v1/campaigns", body, headers={"Idempotency-Key": f"cli-{uuid.uuid4().hex}"}
    )
    if wait:
        campaign = _follow(client, campaign["id"], timeout=timeout, quiet=as_json)
    if as_json:
        print_json(campaign)
    else:
        segments = ", ".join(map(str, campaign.get("segment_ids") or [])) or _("none")
        aimed_at = _("segments: %(segments)s", segments=segments)
        if campaign.get("job_audience_size"):
            aimed_at += "; " + _(
                "job audience: its %(size)s most likely candidates",
                size=campaign["job_audience_size"],
            )
        click.echo(
            _(
                "campaign %(campaign)s created: %(status)s (%(aimed_at)s)",
                campaign=str(campaign["id"]),
                status=label("publication_status", campaign["status"]),
                aimed_at=aimed_at,
            )
        )
        echo_warnings(campaign)
    if wait and campaign["status"] not in {"published"}:
        raise click.ClickException(
            _(
                "campaign %(campaign)s ended %(status)s: %(errors)s",
                campaign=str(campaign["id"]),
                status=label("publication_status", campaign["status"]),
                errors="; ".join(
                    f"{label('platform', p['platform'])}: {p['last_error']}"
                    for p in campaign["publications"]
                    if p["status"] == "failed"
                ),
            )
        )


def echo_warnings(campaign: dict[str, Any]) -> None:
    """The campaign's warnings, one line each: age-proxy segments, chosen segments that fit the
    job poorly, why no segment was recommended."""
    for warning in campaign.get("warnings") or []:
        click.echo(
            _(
                "warning: %(warning)s [rule %(rule)s]",
                warning=warning["message"],
                rule=warning["rule"],
            )
        )


def iso_day(value: Any) -> str:
    return (
        value.date().isoformat()
        if hasattr(value, "date")
        else date.fromisoformat(value).isoformat()
    )


def _follow(client: ApiClient, campaign_id: int, *, timeout: int, quiet: bool) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    console = Console(stderr=True)
    campaign = client.get(f"/api/v1/campaigns/{campaign_id}")
    with Live(
        progress_table(campaign, console.width),
        console=console,
        refresh_per_second=4,
        transient=quiet,
    ) as live:
        while any(p["status"] not in TERMINAL for p in campaign["publications"]):
            if time.monotonic() > deadline:
                raise click.ClickException(
                    _(
                        "campaign %(campaign)s still %(status)s after %(seconds)s s; check later "
                        "with: adflux campaign show %(campaign)s",
                        campaign=str(campaign_id),
                        status=label("publication_status", campaign["status"]),
                        seconds=timeout,
                    )
                )
            time.sleep(0.5)
            campaign = client.get(f"/api/v1/campaigns/{campaign_id}")
            live.update(progress_table(campaign, console.width))
    return campaign


def progress_table(campaign: dict[str, Any], width: int) -> Table:
    """Each platform's publication: its status, attempts, the platform's ids and last error."""
    table, _hidden = fitted_table(
        _(
            "Campaign %(campaign)s · %(status)s",
            campaign=str(campaign["id"]),
            status=label("publication_status", campaign["status"]),
        ),
        [
            Column(_("Platform"), lambda p: label("platform", p["platform"])),
            Column(_("Status"), lambda p: label("publication_status", p["status"])),
            Column(_("Attempts"), lambda p: p["attempts"], drop=2),
            Column(
                _("Platform ids"),
                lambda p: ", ".join(f"{k}={v}" for k, v in (p.get("external_ids") or {}).items()),
                drop=1,
            ),
            Column(_("Error"), lambda p: p.get("last_error")),
        ],
        campaign["publications"],
        width=width,
    )
    return table


@click.command("view-campaigns", help=N_("List campaigns with each platform's status."))
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    help=N_(
        "Only campaigns in this status: queued, publishing, published, partially_published, "
        "failed, paused, ended or archived."
    ),
)
@click.option("--job-id", type=click.IntRange(1), help=N_("Only campaigns of this job."))
@limit_option
@offset_option
@json_option
def view_campaigns(
    status: str | None, job_id: int | None, limit: int, offset: int, as_json: bool
) -> None:
    page = ApiClient().get(
        "/api/v1/campaigns", status=status, job_id=job_id, limit=limit, offset=offset
    )
    emit(
        page["items"],
        [
            Column(_("ID"), lambda r: r["id"]),
            Column(_("Name"), lambda r: r["name"]),
            Column(_("Job"), lambda r: r["job_id"], drop=2),
            Column(_("Status"), lambda r: label("publication_status", r["status"])),
            Column(_("Platforms"), _platform_states, drop=1),
            Column(
                _("Daily budget"), lambda r: money(r["daily_budget_cop"]), justify="right", drop=3
            ),
        ],
        as_json=as_json,
        title=_("Campaigns"),
        empty=_("No campaign matches."),
        page=page,
    )


def _platform_states(campaign: dict[str, Any]) -> str:
    """ "Meta: publicada, Google Ads: fallida": each platform and its publication's status."""
    return ", ".join(
        f"{label('platform', p['platform'])}: {label('publication_status', p['status'])}"
        for p in campaign["publications"]
    )
