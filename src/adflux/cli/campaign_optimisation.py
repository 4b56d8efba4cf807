"""`adflux campaign budget` and `adflux campaign rules`: the split across a campaign's arms, its
history and dry run, and the campaign's rules (clients of the API, in the recruiter's words)."""

from __future__ import annotations

from typing import Any

import click

from adflux.cli.client import ApiClient
from adflux.cli.language import _, label, moment, money, number, percent, yes_no
from adflux.cli.options import json_option
from adflux.cli.output import Column, emit, print_json
from adflux.i18n.catalogs import N_

MAX_DRY_RUN_DAYS = 60  # the API's bound (GET .../budget/dry-run)


def _change_state(arm: dict[str, Any]) -> str:
    return label("change_state", "pending" if arm["change_pending"] else "applied")


@click.command(
    "budget",
    help=N_(
        "Show how a campaign's daily budget is split across its arms (platform × segment) and "
        "why each move was made."
    ),
    epilog=N_("Example: adflux campaign budget 12 --dry-run 14"),
)
@click.argument("campaign_id", type=click.IntRange(1))
@click.option(
    "--rebalance",
    is_flag=True,
    help=N_("Split today's budget again now and push the new budgets."),
)
@click.option(
    "--dry-run",
    "dry_run_days",
    type=click.IntRange(1, MAX_DRY_RUN_DAYS),
    metavar="DAYS",
    help=N_(
        "Show what the allocator and the rules would have done over the last DAYS days "
        "(nothing is changed)."
    ),
)
@json_option
def budget(campaign_id: int, rebalance: bool, dry_run_days: int | None, as_json: bool) -> None:
    if rebalance and dry_run_days is not None:
        raise click.UsageError(_("--rebalance and --dry-run cannot go together"))
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
            Column(_("Platform"), lambda a: label("platform", a["platform"])),
            Column(_("Audience"), lambda a: a["name"]),
            Column(_("Daily budget"), lambda a: money(a["daily_budget_cop"]), justify="right"),
            Column(_("Share"), lambda a: percent(a["share"], decimals=0), justify="right"),
            Column(_("Status"), lambda a: label("publication_status", a["status"]), drop=1),
            Column(_("Change"), _change_state, drop=2),
        ],
        as_json=False,
        title=_(
            "Campaign %(campaign)s · daily cap %(budget)s",
            campaign=str(overview["campaign_id"]),
            budget=money(overview["daily_budget_cop"]),
        ),
        empty=_("The campaign has no arms."),
    )
    if overview["allocation_paused_reason"]:
        click.echo(_("No automatic split: %(reason)s", reason=overview["allocation_paused_reason"]))
    for run in overview["runs"]["items"]:
        _echo_run(run)


def _echo_run(run: dict[str, Any]) -> None:
    click.echo(
        _(
            "%(day)s · %(budget)s a day (%(trigger)s):",
            day=moment(run["day"]),
            budget=money(run["total_daily_cop"]),
            trigger=label("allocation_trigger", run["trigger"]),
        )
    )
    for move in run["moves"]:
        click.echo(f"  {move['reason']}")


def _echo_dry_run(result: dict[str, Any]) -> None:
    emit(
        result["totals"],
        [
            Column(_("Platform"), lambda t: label("platform", t["platform"])),
            Column(_("Audience"), lambda t: t["name"]),
            Column(_("Spent"), lambda t: money(t["spent_cop"]), justify="right"),
            Column(_("Applications"), lambda t: number(t["applications"]), justify="right"),
            Column(_("Would have set"), lambda t: money(t["budget_cop"]), justify="right"),
        ],
        as_json=False,
        title=_(
            "Simulation %(since)s → %(until)s (nothing changes)",
            since=moment(result["since"]),
            until=moment(result["until"]),
        ),
        empty=_("No figures over those days."),
    )
    click.echo(
        _(
            "Spent %(spent)s in all for %(applications)s applications; the automatic split "
            "would have set %(budget)s.",
            spent=money(result["spent_cop"]),
            applications=result["applications"],
            budget=money(result["budget_cop"]),
        )
    )
    for day in result["days"]:
        for firing in day["firings"]:
            click.echo(
                _(
                    "%(day)s: rule %(rule)s (%(kind)s) would fire",
                    day=moment(day["day"]),
                    rule=str(firing["rule_id"]),
                    kind=describe_kind(firing["kind"]),
                )
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
        raise click.UsageError(_("give the campaign first: adflux campaign rules CAMPAIGN_ID ..."))
    return campaign_id


@click.group(
    "rules",
    cls=CampaignFirstGroup,
    invoke_without_command=True,
    help=N_(
        "List a campaign's rules and their firings, or add, disable, enable or remove one: "
        "adflux campaign rules CAMPAIGN_ID [add|disable|enable|remove ...]."
    ),
)
@click.argument("campaign_id", type=click.IntRange(1), required=False, cls=UnlistedArgument)
@json_option
@click.pass_context
def rules(ctx: click.Context, campaign_id: int | None, as_json: bool) -> None:
    ctx.obj = campaign_id
    if ctx.invoked_subcommand is None:
        listed = ApiClient().get(f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules")
        _show(listed, as_json, lambda: _echo_rules(listed))


# A rule's kind in the recruiter's words.
RULE_KINDS = {
    "max_applications": N_("stop after a number of applications"),
    "max_cpa": N_("pause an arm over a cost per application"),
    "job_closed": N_("pause when the job closes or is paused"),
    "end_date": N_("pause past the end date or once the total is spent"),
}


def describe_kind(kind: str) -> str:
    return _(RULE_KINDS[kind]) if kind in RULE_KINDS else kind


def describe_rule(rule: dict[str, Any]) -> str:
    """A rule in the recruiter's words."""
    kind = rule["kind"]
    if kind == "max_applications":
        if rule.get("period") == "week":
            return _("stop after %(count)s applications a week", count=rule.get("max_applications"))
        return _("stop after %(count)s applications", count=rule.get("max_applications"))
    if kind == "max_cpa":
        return _(
            "pause the arm that goes over %(cpa)s per application once it has spent %(spend)s",
            cpa=money(rule.get("max_cpa_cop")),
            spend=money(rule.get("min_spend_cop")),
        )
    return describe_kind(kind)


def _echo_rules(listed: list[dict[str, Any]]) -> None:
    emit(
        listed,
        [
            Column(_("ID"), lambda r: r["id"]),
            Column(_("Rule"), describe_rule),
            Column(_("On"), lambda r: yes_no(r["enabled"])),
            Column(_("Fired on"), lambda r: ", ".join(f["scope"] for f in r["firings"]) or "—"),
        ],
        as_json=False,
        title=_("The campaign's rules"),
        empty=_("The campaign has no rules."),
    )


@rules.command(
    "add",
    help=N_("Add a rule: --stop-after N [--per campaign|week], or --max-cpa X --min-spend Y."),
)
@click.option(
    "--stop-after", type=click.IntRange(1, 1_000_000), help=N_("Stop after N applications.")
)
@click.option(
    "--per",
    type=click.Choice(["campaign", "week"]),
    default="campaign",
    show_default=True,
    help=N_(
        "Count --stop-after over the campaign's life or per week (a weekly stop resumes the "
        "next week)."
    ),
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
@click.pass_obj
def add_rule(
    campaign_id: int | None,
    stop_after: int | None,
    per: str,
    max_cpa: int | None,
    min_spend: int | None,
    as_json: bool,
) -> None:
    if (stop_after is None) == (max_cpa is None and min_spend is None):
        raise click.UsageError(_("give either --stop-after, or --max-cpa with --min-spend"))
    if stop_after is not None:
        body: dict[str, Any] = {
            "kind": "max_applications",
            "max_applications": stop_after,
            "period": per,
        }
    else:
        body = {"kind": "max_cpa", "max_cpa_cop": max_cpa, "min_spend_cop": min_spend}
    rule = ApiClient().post(f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules", body)
    _show(
        rule,
        as_json,
        lambda: click.echo(
            _(
                "rule %(rule)s: %(description)s",
                rule=str(rule["id"]),
                description=describe_rule(rule),
            )
        ),
    )


def _toggle(enabled: bool) -> click.Command:
    @click.command(
        "enable" if enabled else "disable",
        help=N_("Switch a rule on again.")
        if enabled
        else N_("Switch a rule off (it stays listed)."),
    )
    @click.argument("rule_id", type=click.IntRange(1))
    @json_option
    @click.pass_obj
    def command(campaign_id: int | None, rule_id: int, as_json: bool) -> None:
        rule = ApiClient().patch(
            f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules/{rule_id}", {"enabled": enabled}
        )
        state = _("on") if rule["enabled"] else _("off")
        _show(
            rule,
            as_json,
            lambda: click.echo(_("rule %(rule)s: %(state)s", rule=str(rule_id), state=state)),
        )

    return command


rules.add_command(_toggle(True))
rules.add_command(_toggle(False))


@rules.command(
    "remove",
    help=N_(
        "Remove a rule that was added (those that pause on a closed job or at the end date can "
        "only be disabled)."
    ),
)
@click.argument("rule_id", type=click.IntRange(1))
@click.pass_obj
def remove_rule(campaign_id: int | None, rule_id: int) -> None:
    ApiClient().delete(f"/api/v1/campaigns/{campaign_of(campaign_id)}/rules/{rule_id}")
    click.echo(_("rule %(rule)s removed", rule=str(rule_id)))
