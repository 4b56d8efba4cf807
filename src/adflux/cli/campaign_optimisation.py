"""`adflux campaign budget` and `adflux campaign rules`: the split across a campaign's arms, its
history and dry run, and the campaign's rules (clients of the API, in the recruiter's words)."""

from __future__ import annotations

from typing import Any

import click

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option
from adflux.cli.output import cop, emit, print_json

MAX_DRY_RUN_DAYS = 60  # the API's bound (GET .../budget/dry-run)
# What started a run, in the recruiter's words (the API answers the code).
TRIGGER_WORDS = {"daily": "reparto diario", "on_demand": "a pedido"}


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


def _change_state(arm: dict[str, Any]) -> str:
    return "pendiente" if arm["change_pending"] else "aplicado"


@click.command(
    "budget",
    epilog="Example: adflux campaign budget 12 --dry-run 14",
)
@click.argument("campaign_id", type=click.IntRange(1))
@click.option(
    "--rebalance", is_flag=True, help="Split today's budget again now and push the new budgets."
)
@click.option(
    "--dry-run",
    "dry_run_days",
    type=click.IntRange(1, MAX_DRY_RUN_DAYS),
    metavar="DAYS",
    help="Show what the allocator and the rules would have done over the last DAYS days "
    "(nothing is changed).",
)
@json_option
def budget(campaign_id: int, rebalance: bool, dry_run_days: int | None, as_json: bool) -> None:
    """Show how a campaign's daily budget is split across its arms (platform × segment) and
    why each move was made."""
    if rebalance and dry_run_days is not None:
        raise click.UsageError("--rebalance and --dry-run cannot go together")
    client = ApiClient()
    base = f"/api/v1/campaigns/{campaign_id}/budget"
    if rebalance:
        run = client.post(f"{base}/rebalance")
        _show(run, as_json, lambda: _echo_run(run))
    elif dry_run_days is not None:
        result = client.get(f"{base}/dry-run", days=dry_run_days)
        _show(result, as_json, lambda: _echo_dry_run(result))
    else:
        overview = client.get(base, limit=5)
        _show(overview, as_json, lambda: _echo_budget(overview))


def _show(body: Any, as_json: bool, for_people: Any) -> None:
    if as_json:
        print_json(body)
    else:
        for_people()


def _echo_budget(overview: dict[str, Any]) -> None:
    emit(
        overview["arms"],
        [
            ("Plataforma", lambda a: a["platform"]),
            ("Audiencia", lambda a: a["name"]),
            ("Presupuesto diario", lambda a: cop(a["daily_budget_cop"])),
            ("Participación", lambda a: _percent(a["share"])),
            ("Estado", lambda a: a["status"]),
            ("Cambio", _change_state),
        ],
        as_json=False,
        title=f"Campaña {overview['campaign_id']} · tope diario "
        f"{cop(overview['daily_budget_cop'])}",
    )
    if overview["allocation_paused_reason_es"]:
        click.echo(f"Sin reparto automático: {overview['allocation_paused_reason_es']}")
    for run in overview["runs"]["items"]:
        _echo_run(run)


def _echo_run(run: dict[str, Any]) -> None:
    trigger = TRIGGER_WORDS.get(run["trigger"], run["trigger"])
    click.echo(f"{run['day']} · {cop(run['total_daily_cop'])} al día ({trigger}):")
    for move in run["moves"]:
        click.echo(f"  {move['reason_es']}")


def _echo_dry_run(result: dict[str, Any]) -> None:
    emit(
        result["totals"],
        [
            ("Plataforma", lambda t: t["platform"]),
            ("Audiencia", lambda t: t["name"]),
            ("Gastado", lambda t: cop(t["spent_cop"])),
            ("Postulaciones", lambda t: t["applications"]),
            ("Habría asignado", lambda t: cop(t["budget_cop"])),
        ],
        as_json=False,
        title=f"Simulación {result['since']} → {result['until']} (no cambia nada)",
    )
    click.echo(
        f"Total gastado {cop(result['spent_cop'])} por {result['applications']} postulaciones; "
        f"el reparto automático habría asignado {cop(result['budget_cop'])}."
    )
    for day in result["days"]:
        for firing in day["firings"]:
            click.echo(
                f"{day['day']}: la regla {firing['rule_id']} ({firing['kind']}) se activaría"
            )


class CampaignFirstGroup(click.Group):
    """A group whose CAMPAIGN_ID comes before its command (`rules 12 add ...`). Arguments that
    start with a command's name (`rules add --help`) go to that command, with no campaign: its
    help shows, and anything else asks for the campaign (see `campaign_of`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] in self.commands:
            super().parse_args(ctx, [])
            ctx._protected_args, ctx.args = args[:1], args[1:]
            return ctx.args
        # The group's own flags may follow the campaign (`rules 12 --json`): a group stops
        # reading options at its first argument.
        flags = {name for param in self.get_params(ctx) for name in param.opts if name[0] == "-"}
        leading = args[:1]
        while len(args) > len(leading) and args[len(leading)] in flags:
            leading.append(args[len(leading)])
        return super().parse_args(ctx, [*leading[1:], *leading[:1], *args[len(leading) :]])

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return ["CAMPAIGN_ID", *super().collect_usage_pieces(ctx)]


class UnlistedArgument(click.Argument):
    """An argument its group's usage line names itself (CampaignFirstGroup), so that a command's
    usage reads `adflux campaign rules add`, as every other command's path does."""

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        return []


def campaign_of(campaign_id: int | None) -> int:
    if campaign_id is None:
        raise click.UsageError("give the campaign first: adflux campaign rules CAMPAIGN_ID ...")
    return campaign_id


@click.group("rules", cls=CampaignFirstGroup, invoke_without_command=True)
@click.argument("campaign_id", type=click.IntRange(1), required=False, cls=UnlistedArgument)
@json_option
@click.pass_context
def rules(ctx: click.Context, campaign_id: int | None, as_json: bool) -> None:
    """List a campaign's rules and their firings, or add, disable, enable or remove one:
    adflux campaign rules CAMPAIGN_ID [add|disable|enable|remove ...]."""
    ctx.obj = campaign_id
    if ctx.invoked_subcommand is None:
        listed = ApiClient().get(f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules")
        _show(listed, as_json, lambda: _echo_rules(listed))


RULE_WORDS = {
    "max_applications": "detener tras {max_applications} postulaciones{per}",
    "max_cpa": (
        "pausar la combinación que pase de {max_cpa} por postulación tras gastar {min_spend}"
    ),
    "job_closed": "pausar cuando la vacante se cierre o se pause",
    "end_date": "pausar al pasar la fecha de fin o gastar el total",
}


def describe_rule(rule: dict[str, Any]) -> str:
    """A rule in the recruiter's words."""
    return RULE_WORDS[rule["kind"]].format(
        max_applications=rule.get("max_applications"),
        per=" por semana" if rule.get("period") == "week" else "",
        max_cpa=cop(rule.get("max_cpa_cop")),
        min_spend=cop(rule.get("min_spend_cop")),
    )


def _echo_rules(listed: list[dict[str, Any]]) -> None:
    emit(
        listed,
        [
            ("ID", lambda r: r["id"]),
            ("Regla", describe_rule),
            ("Activa", lambda r: "sí" if r["enabled"] else "no"),
            ("Disparos", lambda r: ", ".join(f["scope"] for f in r["firings"]) or "—"),
        ],
        as_json=False,
        title="Reglas de la campaña",
    )


@rules.command("add")
@click.option("--stop-after", type=click.IntRange(1, 1_000_000), help="Stop after N applications.")
@click.option(
    "--per",
    type=click.Choice(["campaign", "week"]),
    default="campaign",
    show_default=True,
    help="Count --stop-after over the campaign's life or per week (a weekly stop resumes the "
    "next week).",
)
@click.option(
    "--max-cpa", type=click.IntRange(1), help="Pause an arm over this cost per application (COP)."
)
@click.option(
    "--min-spend", type=click.IntRange(0), help="...once the arm has spent this much (COP)."
)
@json_option
@click.pass_obj
def add_rule(
    campaign_id: int | None,
    stop_after: int | None,
    per: str,
    max_cpa: int | None,
    min_spend: int | None,
    as_json: bool,
) -> None:
    """Add a rule: --stop-after N [--per campaign|week], or --max-cpa X --min-spend Y."""
    if (stop_after is None) == (max_cpa is None and min_spend is None):
        raise click.UsageError("give either --stop-after, or --max-cpa with --min-spend")
    if stop_after is not None:
        body: dict[str, Any] = {
            "kind": "max_applications",
            "max_applications": stop_after,
            "period": per,
        }
    else:
        body = {"kind": "max_cpa", "max_cpa_cop": max_cpa, "min_spend_cop": min_spend}
    rule = ApiClient().post(f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules", body)
    _show(rule, as_json, lambda: click.echo(f"regla {rule['id']}: {describe_rule(rule)}"))


def _toggle(enabled: bool) -> click.Command:
    @click.command("enable" if enabled else "disable")
    @click.argument("rule_id", type=click.IntRange(1))
    @json_option
    @click.pass_obj
    def command(campaign_id: int | None, rule_id: int, as_json: bool) -> None:
        rule = ApiClient().patch(
            f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules/{rule_id}", {"enabled": enabled}
        )
        state = "activa" if rule["enabled"] else "desactivada"
        _show(rule, as_json, lambda: click.echo(f"regla {rule_id}: {state}"))

    command.help = "Switch a rule on again." if enabled else "Switch a rule off (it stays listed)."
    return command


rules.add_command(_toggle(True))
rules.add_command(_toggle(False))


@rules.command("remove")
@click.argument("rule_id", type=click.IntRange(1))
@click.pass_obj
def remove_rule(campaign_id: int | None, rule_id: int) -> None:
    """Remove a rule that was added (job_closed and end_date can only be disabled)."""
    ApiClient().delete(f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules/{rule_id}")
    click.echo(f"regla {rule_id} eliminada")
