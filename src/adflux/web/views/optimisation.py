"""The campaign page's optimiser panel (web/_campaign_optimisation.html): the budget split and its
history, a rebalance now, the dry run, and the rules with their firings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from adflux.auth.models import Role
from adflux.campaigns import service as campaigns
from adflux.campaigns.models import AdCampaign
from adflux.errors import ValidationFailed
from adflux.extensions import db
from adflux.i18n.catalogs import N_
from adflux.i18n.http import gettext
from adflux.i18n.messages import Money
from adflux.optimisation import dry_run, rules, service
from adflux.optimisation.models import CampaignRule, RuleKind, RunTrigger
from adflux.web.blueprint import bp
from adflux.web.helpers import run_or_flash
from adflux.web.session import requires

PANEL_RUNS = 10
DRY_RUN_DAYS = 7


@dataclass(frozen=True)
class RuleLine:
    """A rule as the panel lists it: in words, with its firings."""

    rule: CampaignRule
    text: str
    standing: bool


STANDING_RULE_TEXTS = {
    RuleKind.JOB_CLOSED: N_("Pause when the job is closed or paused"),
    RuleKind.END_DATE: N_("Pause once the end date has passed or the total budget is spent"),
}


def rule_text(rule: CampaignRule) -> str:
    """A rule in the recruiter's words, in the page's language."""
    if rule.kind == RuleKind.MAX_APPLICATIONS:
        message = (
            N_("Stop the campaign after %(count)s applications in a week (it resumes the next)")
            if rule.period == "week"
            else N_("Stop the campaign after %(count)s applications")
        )
        return gettext(message, count=rule.max_applications)
    if rule.kind == RuleKind.MAX_CPA:
        return gettext(
            "Pause an arm over %(cpa)s per application once it has spent %(spend)s",
            cpa=Money(rule.max_cpa_cop or 0),
            spend=Money(rule.min_spend_cop or 0),
        )
    return gettext(STANDING_RULE_TEXTS[RuleKind(rule.kind)])


def optimisation_context(campaign: AdCampaign) -> dict[str, Any]:
    """What web/_campaign_optimisation.html shows for `campaign` (the standing rules are created
    on the first look, as the API does)."""
    overview = service.budget_overview(db.session, campaign.id, limit=PANEL_RUNS)
    return {
        "runs": overview.runs.items,
        "runs_total": overview.runs.total,
        "skip": overview.skip,
        "rules": [
            RuleLine(rule, rule_text(rule), rule.kind in rules.STANDING_KINDS)
            for rule in rules.list_rules(db.session, campaign.id)
        ],
        "dry_run_days": DRY_RUN_DAYS,
        "dry_run_max": dry_run.MAX_DAYS,
    }


@bp.context_processor
def optimisation_helpers() -> dict[str, Any]:
    # The partial builds its own context from `campaign`, so the campaign page needs no more.
    return {"campaign_optimisation": optimisation_context}


@bp.post("/campaigns/<int:campaign_id>/budget/rebalance")
@requires(Role.OPERATOR)
def campaign_rebalance(campaign_id: int) -> Response:
    return _act(
        campaign_id,
        N_("Budget split again; the platforms receive it in the background."),
        lambda: service.allocate_campaign(
            db.session, campaign_id, day=campaigns.campaign_today(), trigger=RunTrigger.ON_DEMAND
        ),
    )


@bp.post("/campaigns/<int:campaign_id>/rules")
@requires(Role.OPERATOR)
def campaign_rule_add(campaign_id: int) -> Response:
    def add() -> object:
        return rules.create_rule(
            db.session,
            campaign_id,
            kind=request.form.get("kind", ""),
            period=request.form.get("period", "campaign"),
            max_applications=_whole_number("max_applications"),
            max_cpa_cop=_whole_number("max_cpa_cop"),
            min_spend_cop=_whole_number("min_spend_cop"),
        )

    return _act(campaign_id, N_("Rule added."), add)


@bp.post("/campaigns/<int:campaign_id>/rules/<int:rule_id>/enabled")
@requires(Role.OPERATOR)
def campaign_rule_enabled(campaign_id: int, rule_id: int) -> Response:
    enabled = request.form.get("enabled") == "true"
    return _act(
        campaign_id,
        N_("Rule enabled.") if enabled else N_("Rule disabled."),
        lambda: rules.set_rule_enabled(db.session, campaign_id, rule_id, enabled=enabled),
    )


@bp.post("/campaigns/<int:campaign_id>/rules/<int:rule_id>/delete")
@requires(Role.OPERATOR)
def campaign_rule_delete(campaign_id: int, rule_id: int) -> Response:
    return _act(
        campaign_id,
        N_("Rule removed."),
        lambda: rules.delete_rule(db.session, campaign_id, rule_id),
    )


@bp.get("/campaigns/<int:campaign_id>/budget/dry-run")
def campaign_dry_run(campaign_id: int) -> str:
    campaign = campaigns.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
    try:
        days = int(request.args.get("days", DRY_RUN_DAYS))
    except ValueError:
        abort(
            400, gettext("Days must be a whole number between 1 and %(max)s.", max=dry_run.MAX_DAYS)
        )
    if not 1 <= days <= dry_run.MAX_DAYS:
        abort(
            400, gettext("Days must be a whole number between 1 and %(max)s.", max=dry_run.MAX_DAYS)
        )
    result = dry_run.dry_run(db.session, campaign_id, days=days)
    return render_template(
        "web/campaign_dry_run.html",
        campaign=campaign,
        result=result,
        days=days,
        max_days=dry_run.MAX_DAYS,
        names={t.publication_id: t.name for t in result.totals},
        # By (id, kind): a standing rule not stored yet has no id.
        rule_texts={
            (rule.id, rule.kind): rule_text(rule)
            for rule in rules.stored_or_standing_rules(db.session, campaign)
        },
    )


def _whole_number(name: str) -> int | None:
    """A form's whole number (None when left empty); refused naming the field otherwise."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise ValidationFailed(
            gettext("%(field)s: not a whole number", field=name),
            fields={name: [gettext("a whole number, without separators")]},
        )
    return int(text)


def _act(campaign_id: int, done_message: str, operation: Callable[[], object]) -> Response:
    if run_or_flash(operation):
        flash(gettext(done_message), "success")
    return redirect(
        url_for("web.campaign_detail", campaign_id=campaign_id, _anchor="campaign-optimisation")
    )
