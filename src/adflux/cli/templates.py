"""`adflux template …`: campaign templates, a campaign for each new matching job of a feed."""

from __future__ import annotations

from typing import Any

import click

from adflux.cli.campaign_optimisation import describe_rule
from adflux.cli.client import ApiClient
from adflux.cli.language import _, label, money, yes_no
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import Column, emit, print_json
from adflux.i18n.catalogs import N_

PATH = "/api/v1/campaign-templates"


@click.group(
    "template",
    help=N_(
        "Campaign templates: every open job of a feed in an area / city / company gets a "
        "campaign of its own after each feed import, at most --daily-cap a day."
    ),
)
def template_group() -> None:
    pass


def _criteria(row: dict[str, Any]) -> str:
    names = {"area": _("area"), "city": _("city"), "company": _("company"), "feed": _("feed")}
    parts = [f"{names[name]} {row[name]}" for name in names if row.get(name)]
    return ", ".join(parts) or _("every job")


def _platforms(row: dict[str, Any]) -> str:
    return ", ".join(label("platform", p) for p in row["platforms"])


@template_group.command("list", help=N_("List campaign templates."))
@limit_option
@offset_option
@json_option
def list_templates(limit: int, offset: int, as_json: bool) -> None:
    page = ApiClient().get(PATH, limit=limit, offset=offset)
    emit(
        page["items"],
        [
            Column(_("ID"), lambda r: r["id"]),
            Column(_("Name"), lambda r: r["name"]),
            Column(_("Jobs"), _criteria, drop=2),
            Column(_("Platforms"), _platforms, drop=1),
            Column(_("Daily budget"), lambda r: money(r["daily_budget_cop"]), drop=3),
            Column(_("Daily cap"), lambda r: r["daily_cap"], drop=4),
            Column(_("On"), lambda r: yes_no(r["active"])),
        ],
        as_json=as_json,
        title=_("Campaign templates"),
        empty=_("No campaign template yet; create one with: adflux template create"),
        page=page,
    )


def _show(template: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(template)
        return
    state = _("on") if template["active"] else _("off")
    click.echo(
        _(
            "template %(template)s «%(name)s» (%(state)s)",
            template=str(template["id"]),
            name=template["name"],
            state=state,
        )
    )
    click.echo(_("jobs: %(criteria)s", criteria=_criteria(template)))
    budget = (
        money(template["daily_budget_cop"]) if template["daily_budget_cop"] else _("the default")
    )
    click.echo(
        _(
            "platforms: %(platforms)s; daily budget per job: %(budget)s; at most %(cap)s "
            "campaigns a day",
            platforms=_platforms(template),
            budget=budget,
            cap=template["daily_cap"],
        )
    )
    for rule in template["rules"]:
        click.echo(_("rule: %(rule)s", rule=describe_rule(rule)))
    created = ", ".join(map(str, template["campaign_ids"])) or _("none yet")
    click.echo(_("campaigns created: %(campaigns)s", campaigns=created))


@template_group.command("show", help=N_("Show a template and the campaigns it created."))
@click.argument("template_id", type=click.IntRange(1))
@json_option
def show_template(template_id: int, as_json: bool) -> None:
    _show(ApiClient().get(f"{PATH}/{template_id}"), as_json)


@template_group.command(
    "create",
    help=N_(
        "Create a template: from the next feed import on, each new matching job gets a "
        "campaign, aimed at the segments recommended for it, with these platforms, budget and "
        "rules."
    ),
)
@click.option("--name", required=True, help=N_("A name of its own, e.g. 'Contabilidad en Cali'."))
@click.option(
    "--platforms",
    required=True,
    help=N_("Comma-separated platforms, e.g. meta,google,x,tiktok."),
)
@click.option("--area", help=N_("Only jobs of this area (key or label), e.g. contabilidad."))
@click.option("--city", help=N_("Only jobs in this city, e.g. Cali."))
@click.option("--company", help=N_("Only jobs of this company, as the feed writes it."))
@click.option("--feed", help=N_("Only jobs of this feed (default: any feed)."))
@click.option(
    "--daily-budget", type=click.IntRange(1), help=N_("Each campaign's daily budget in COP.")
)
@click.option(
    "--daily-cap",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help=N_("At most this many campaigns a day, so a broken feed cannot spend the account."),
)
@click.option(
    "--stop-after", type=click.IntRange(1), help=N_("Stop each campaign after N applications.")
)
@click.option(
    "--per",
    type=click.Choice(["campaign", "week"]),
    default="campaign",
    show_default=True,
    help=N_("--stop-after counts over the campaign's life or per week."),
)
@click.option(
    "--max-cpa",
    type=click.IntRange(1),
    help=N_("Pause an arm over this cost per application (COP)."),
)
@click.option(
    "--min-spend", type=click.IntRange(0), help=N_("...once the arm has spent this much (COP).")
)
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
    rules: list[dict[str, Any]] = []
    if stop_after is not None:
        rules.append({"kind": "max_applications", "max_applications": stop_after, "period": per})
    if (max_cpa is None) != (min_spend is None):
        raise click.UsageError(_("--max-cpa and --min-spend go together"))
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
        help=N_("Let the template create campaigns again.")
        if active
        else N_("Stop the template creating campaigns (those it created stay as they are)."),
    )
    @click.argument("template_id", type=click.IntRange(1))
    @json_option
    def command(template_id: int, as_json: bool) -> None:
        _show(ApiClient().patch(f"{PATH}/{template_id}", {"active": active}), as_json)

    return command


template_group.add_command(_switch(True))
template_group.add_command(_switch(False))


@template_group.command(
    "apply",
    help=N_("Create now the campaigns the templates owe (a feed import does it by itself)."),
)
@json_option
def apply_templates(as_json: bool) -> None:
    applied = ApiClient().post(f"{PATH}/apply")
    if as_json:
        print_json(applied)
        return
    if applied["created"]:
        created = ", ".join(map(str, applied["created"]))
        click.echo(_("campaigns created: %(campaigns)s", campaigns=created))
    else:
        click.echo(_("no campaign created"))
    for template_id, left in applied["capped"].items():
        click.echo(
            _(
                "template %(template)s: %(count)s jobs wait for tomorrow (daily cap)",
                template=template_id,
                count=left,
            )
        )
    for failure in applied["failed"]:
        click.echo(
            _(
                "template %(template)s, job %(job)s: %(error)s",
                template=str(failure["template_id"]),
                job=str(failure["job_id"]),
                error=failure["error"],
            ),
            err=True,
        )
