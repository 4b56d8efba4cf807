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
    TARGETING_REFUSAL_EN,
    rule_for_field,
)
from adflux.cli.client import ApiClient
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit, print_json

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
    help="The most the campaign spends over its whole life, in COP (none unless given).",
)


def _csv(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def csv_ints(ctx: click.Context, param: click.Parameter, value: str | None) -> list[int]:
    try:
        return [int(part) for part in _csv(ctx, param, value)]
    except ValueError:
        raise click.BadParameter("use comma-separated numbers, e.g. 3,5") from None


def _refuse_narrowing(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """An option that would narrow a job ad's audience: refused, naming the rule (exit 1).

    In English, as the CLI's other messages; the API and the dashboard say the same in Spanish.
    """
    if value is None:
        return
    assert param.name is not None
    rule = rule_for_field(param.name)
    message = rule.message_en if rule is not None else TARGETING_REFUSAL_EN
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
    epilog=(
        "Job ads cannot be narrowed by age, gender, postal code, family status or sensitive "
        "data (Ley 931 de 2004, Ley 1482 de 2011, Ley 1581 de 2012 and each platform's "
        "employment-ad policy): options such as --age-min are refused, naming the rule."
    ),
)
@click.option(
    "--job-id", type=click.IntRange(1), required=True, help="The job opening to advertise."
)
@click.option(
    "--platforms",
    required=True,
    callback=_csv,
    help="Comma-separated: meta,google,x,tiktok,snapchat.",
)
@click.option(
    "--segment-ids",
    callback=csv_ints,
    help="Comma-separated target segment ids (default: the segments recommended for the job, "
    "see GET /api/v1/jobs/ID/audience).",
)
@click.option(
    "--job-audience",
    "job_audience_size",
    type=click.IntRange(1),
    help="Also target the job's N most likely consenting candidates (100 to 50000), uploaded "
    "as an audience of the job's own on each platform (the API checks the range).",
)
@click.option("--name", help="Campaign name (default: job title · city).")
@click.option(
    "--budget",
    "daily_budget_cop",
    type=click.IntRange(1),
    help="Daily budget in COP over all the campaign's arms (platform x segment), split between "
    "them (default: 50.000 per arm, or the platform's minimum when higher).",
)
@total_budget_option
@click.option(
    "--pacing",
    type=click.Choice(PACINGS),
    default="even",
    show_default=True,
    help="even: the total spread over the days; fast: as the market allows.",
)
@click.option("--start", "start_date", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD.")
@click.option("--end", "end_date", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD.")
@click.option("--wait", is_flag=True, help="Show live progress until every platform is done.")
@click.option(
    "--timeout", type=click.IntRange(1), default=300, show_default=True, help="--wait limit (s)."
)
@click.option(
    "--accept-age-proxy",
    is_flag=True,
    help="Confirm the offer is open to every age when a segment is flagged as an age proxy, or "
    "when age alone sets the job audience's people apart (the confirmation is recorded with "
    "your token in the audit log).",
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
    """Create a campaign for a job on the given platforms; publishing runs in the background."""
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
        segments = ", ".join(map(str, campaign.get("segment_ids") or [])) or "none"
        aimed_at = f"segments: {segments}"
        if campaign.get("job_audience_size"):
            aimed_at += f"; job audience: its {campaign['job_audience_size']:,} most likely"
        status = campaign["status"]
        click.echo(f"campaign {campaign['id']} created: {status} ({aimed_at})")
        echo_warnings(campaign)
    if wait and campaign["status"] not in {"published"}:
        raise click.ClickException(
            f"campaign {campaign['id']} ended {campaign['status']}: "
            + "; ".join(
                f"{p['platform']}: {p['last_error']}"
                for p in campaign["publications"]
                if p["status"] == "failed"
            )
        )


def echo_warnings(campaign: dict[str, Any]) -> None:
    """The campaign's warnings, one line each, in Spanish as the recruiter reads them: age-proxy
    segments, chosen segments that fit the job poorly, why no segment was recommended."""
    for warning in campaign.get("warnings") or []:
        click.echo(f"advertencia: {warning['message_es']} [regla {warning['rule']}]")


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
        progress_table(campaign), console=console, refresh_per_second=4, transient=quiet
    ) as live:
        while any(p["status"] not in TERMINAL for p in campaign["publications"]):
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"campaign {campaign_id} still {campaign['status']} after {timeout} s; "
                    f"check later with: adflux campaign show {campaign_id}"
                )
            time.sleep(0.5)
            campaign = client.get(f"/api/v1/campaigns/{campaign_id}")
            live.update(progress_table(campaign))
    return campaign


def progress_table(campaign: dict[str, Any]) -> Table:
    table = Table(title=f"Campaña {campaign['id']} · {campaign['status']}")
    for header in ("Plataforma", "Estado", "Intentos", "IDs externos", "Error"):
        table.add_column(header, overflow="fold")
    for p in campaign["publications"]:
        ids = ", ".join(f"{k}={v}" for k, v in (p.get("external_ids") or {}).items())
        table.add_row(
            p["platform"], p["status"], str(p["attempts"]), ids, p.get("last_error") or ""
        )
    return table


@click.command("view-campaigns")
@click.option("--status", type=click.Choice(STATUSES), help="Only campaigns in this status.")
@click.option("--job-id", type=click.IntRange(1), help="Only campaigns of this job.")
@limit_option
@offset_option
@json_option
def view_campaigns(
    status: str | None, job_id: int | None, limit: int, offset: int, as_json: bool
) -> None:
    """List campaigns with each platform's status."""
    page = ApiClient().get(
        "/api/v1/campaigns", status=status, job_id=job_id, limit=limit, offset=offset
    )
    emit(
        page["items"],
        [
            ("ID", lambda r: r["id"]),
            ("Nombre", lambda r: r["name"]),
            ("Vacante", lambda r: r["job_id"]),
            ("Estado", lambda r: r["status"]),
            (
                "Plataformas",
                lambda r: ", ".join(f"{p['platform']}:{p['status']}" for p in r["publications"]),
            ),
            ("Presupuesto/día", lambda r: cop(r["daily_budget_cop"])),
        ],
        as_json=as_json,
        title="Campañas",
        total=page["total"],
    )
