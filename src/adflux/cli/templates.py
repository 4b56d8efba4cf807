"""`adflux template …`: campaign templates, a campaign for each new matching job of a feed."""

from __future__ import annotations

from typing import Any

import click

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit, print_json

PATH = "/api/v1/campaign-templates"


@click.group("template")
def template_group() -> None:
    """Campaign templates: every open job of a feed in an area / city / company gets a
    campaign of its own after each feed import, at most --daily-cap a day."""


def _criteria(row: dict[str, Any]) -> str:
    parts = [f"{name} {row[name]}" for name in ("area", "city", "company", "feed") if row.get(name)]
    return ", ".join(parts) or "every job"


@template_group.command("list")
@limit_option
@offset_option
@json_option
def list_templates(limit: int, offset: int, as_json: bool) -> None:
    """List campaign templates."""
    page = ApiClient().get(PATH, limit=limit, offset=offset)
    emit(
        page["items"],
        [
            ("ID", lambda r: r["id"]),
            ("Nombre", lambda r: r["name"]),
            ("Vacantes", _criteria),
            ("Plataformas", lambda r: ", ".join(r["platforms"])),
            ("Presupuesto diario (COP)", lambda r: cop(r["daily_budget_cop"])),
            ("Tope diario", lambda r: r["daily_cap"]),
            ("Activa", lambda r: "sí" if r["active"] else "no"),
        ],
        as_json=as_json,
        title="Plantillas de campaña",
        total=page["total"],
    )


def _show(template: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(template)
        return
    state = "active" if template["active"] else "inactive"
    click.echo(f"template {template['id']} «{template['name']}» ({state})")
    click.echo(f"jobs: {_criteria(template)}")
    budget = cop(template["daily_budget_cop"]) if template["daily_budget_cop"] else "default"
    click.echo(
        f"platforms: {', '.join(template['platforms'])}; daily budget per job: {budget}; "
        f"at most {template['daily_cap']} campaigns a day"
    )
    for rule in template["rules"]:
        click.echo("rule: " + ", ".join(f"{k} {v}" for k, v in rule.items()))
    created = ", ".join(map(str, template["campaign_ids"])) or "none yet"
    click.echo(f"campaigns created: {created}")


@template_group.command("show")
@click.argument("template_id", type=click.IntRange(1))
@json_option
def show_template(template_id: int, as_json: bool) -> None:
    """Show a template and the campaigns it created."""
    _show(ApiClient().get(f"{PATH}/{template_id}"), as_json)


@template_group.command("create")
@click.option("--name", required=True, help="A name of its own, e.g. 'Contabilidad en Cali'.")
@click.option(
    "--platforms", required=True, help="Comma-separated platforms, e.g. meta,google,x,tiktok."
)
@click.option("--area", help="Only jobs of this area (key or label), e.g. contabilidad.")
@click.option("--city", help="Only jobs in this city, e.g. Cali.")
@click.option("--company", help="Only jobs of this company, as the feed writes it.")
@click.option("--feed", help="Only jobs of this feed (default: any feed).")
@click.option("--daily-budget", type=click.IntRange(1), help="Each campaign's daily budget in COP.")
@click.option(
    "--daily-cap",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="At most this many campaigns a day, so a broken feed cannot spend the account.",
)
@click.option(
    "--stop-after", type=click.IntRange(1), help="Stop each campaign after N applications."
)
@click.option(
    "--per",
    type=click.Choice(["campaign", "week"]),
    default="campaign",
    show_default=True,
    help="--stop-after counts over the campaign's life or per week.",
)
@click.option(
    "--max-cpa", type=click.IntRange(1), help="Pause an arm whose CPA exceeds this (COP)…"
)
@click.option("--min-spend", type=click.IntRange(0), help="…once it has spent this much (COP).")
@json_option
def create_template(
    name: str,
    platforms: str,
    area: str | None,
    city: str | None,
    company: str | None,
    feed: str | None,
    daily_budget: int | None,
    daily_cap: int,
    stop_after: int | None,
    per: str,
    max_cpa: int | None,
    min_spend: int | None,
    as_json: bool,
) -> None:
    """Create a template: from the next feed import on, each new matching job gets a campaign,
    aimed at the segments recommended for it, with these platforms, budget and rules."""
    rules: list[dict[str, Any]] = []
    if stop_after is not None:
        rules.append({"kind": "max_applications", "max_applications": stop_after, "period": per})
    if (max_cpa is None) != (min_spend is None):
        raise click.UsageError("--max-cpa and --min-spend go together")
    if max_cpa is not None:
        rules.append({"kind": "max_cpa", "max_cpa_cop": max_cpa, "min_spend_cop": min_spend})
    body = {
        "name": name,
        "platforms": [p.strip() for p in platforms.split(",") if p.strip()],
        "area": area,
        "city": city,
        "company": company,
        "feed": feed,
        "daily_budget_cop": daily_budget,
        "daily_cap": daily_cap,
        "rules": rules,
    }
    _show(ApiClient().post(PATH, body), as_json)


def _switch(active: bool) -> click.Command:
    verb = "enable" if active else "disable"

    @click.command(
        verb,
        help="Let the template create campaigns again."
        if active
        else "Stop the template creating campaigns (those it created stay as they are).",
    )
    @click.argument("template_id", type=click.IntRange(1))
    @json_option
    def command(template_id: int, as_json: bool) -> None:
        _show(ApiClient().patch(f"{PATH}/{template_id}", {"active": active}), as_json)

    return command


template_group.add_command(_switch(True))
template_group.add_command(_switch(False))


@template_group.command("apply")
@json_option
def apply_templates(as_json: bool) -> None:
    """Create now the campaigns the templates owe (a feed import does it by itself)."""
    applied = ApiClient().post(f"{PATH}/apply")
    if as_json:
        print_json(applied)
        return
    click.echo(f"campaigns created: {', '.join(map(str, applied['created'])) or 'none'}")
    for template_id, left in applied["capped"].items():
        click.echo(f"template {template_id}: {left} jobs wait for tomorrow (daily cap)")
    for failure in applied["failed"]:
        click.echo(
            f"template {failure['template_id']}, job {failure['job_id']}: {failure['error']}",
            err=True,
        )
