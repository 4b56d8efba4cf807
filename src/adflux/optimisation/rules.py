"""Campaign rules that stop spending when a job is served, each firing exactly once.

Kinds (models.RuleKind):
- max_applications: stop the campaign after N applications, over its whole life ("campaign") or
  per ISO week ("week", Monday to Sunday in Bogotá). A weekly stop resumes the campaign when the
  next week starts, so "N a week" means what it says; it does so only when the stop was the last
  pause or resume of the campaign (a person's later pause or resume wins) and no other stop (the
  job closed, the end date, a whole-life limit) has fired.
- max_cpa: pause an arm whose cost per application is over X once it has spent Y; no
  application at all after Y counts as over.
- job_closed: pause the campaign when its job is closed or paused.
- end_date: pause the campaign once its end date has passed or its total budget is spent.

job_closed and end_date apply to every campaign without being added: they are created lazily,
as standing rules, the first time a campaign's rules are read or evaluated (under the
campaign's row lock, so two evaluations create one of each). They can be disabled, not removed.

Exactly once: a firing is the row (rule, scope) in rule_firings, unique, inserted and committed
alone before the action; only the evaluation whose insert won acts (two concurrent evaluations:
the loser's insert is refused and it does nothing). The action's outcome is written on the
firing with an audit entry; a firing left without one (the worker died between the two) is
acted on again by a later evaluation, which is harmless: pausing what is paused does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from adflux.audit import service as audit
from adflux.audit.models import AuditLog
from adflux.campaigns.arm_pausing import pause_arms
from adflux.campaigns.models import AdCampaign, PlatformPublication, PublicationStatus
from adflux.campaigns.service import campaign_today, get_campaign_or_404, set_campaign_active
from adflux.context import acting_as, actor_var
from adflux.db import DbSession, utcnow, write_or_recheck
from adflux.errors import AdfluxError, Conflict, NotFound, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Message
from adflux.jobs.models import JobOpening, JobStatus
from adflux.optimisation.models import CampaignRule, RuleFiring, RuleKind
from adflux.results.service import daily_by_publication

log = logging.getLogger(__name__)

STANDING_KINDS = (RuleKind.JOB_CLOSED, RuleKind.END_DATE)
ADDABLE_KINDS = (RuleKind.MAX_APPLICATIONS, RuleKind.MAX_CPA)
PERIODS = ("campaign", "week")
# The largest figures a rule takes (the API's schema declares the same bounds).
MAX_APPLICATIONS = 1_000_000
MAX_COP = 10_000_000_000
PAUSE_CAMPAIGN = "pause_campaign"
PAUSE_ARM = "pause_arm"
RESUME_CAMPAIGN = "resume_campaign"
# Who the standing rules were created by, and who a rule acts as (in the audit log).
STANDING_RULES_AUTHOR = "adflux"
# A firing without an outcome this long is taken for one whose worker died before acting.
UNFINISHED_AFTER = timedelta(minutes=10)
# The campaigns whose rules are evaluated: those with a tree running or paused on a platform.
EVALUATED_STATUSES = (PublicationStatus.PUBLISHED.value, PublicationStatus.PAUSED.value)


def rule_actor(rule: CampaignRule) -> str:
    return f"rule:{rule.id}"


@dataclass(frozen=True)
class Trigger:
    """A rule whose condition holds: the scope it fires in, the action and the figures."""

    rule: CampaignRule
    scope: str
    action: str
    publication_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """What the rules look at for one campaign as of a day: each arm's daily spend and
    applications (every arm, ended ones too), which arms run now and the job's status."""

    campaign: AdCampaign
    daily: dict[tuple[int, date], tuple[int, int]]
    running_arms: Sequence[int]
    job_status: str | None

    def totals(self, *, until: date, since: date | None = None) -> tuple[int, int]:
        """The campaign's spend and applications over the days from `since` to `until`."""
        spent = applications = 0
        for (_arm, day), (day_spent, day_applications) in self.daily.items():
            if day <= until and (since is None or day >= since):
                spent += day_spent
                applications += day_applications
        return spent, applications

    def arm_totals(self, arm_id: int, *, until: date) -> tuple[int, int]:
        spent = applications = 0
        for (arm, day), (day_spent, day_applications) in self.daily.items():
            if arm == arm_id and day <= until:
                spent += day_spent
                applications += day_applications
        return spent, applications


def campaign_facts(db_session: DbSession, campaign: AdCampaign, *, until: date) -> Facts:
    daily = daily_by_publication(
        db_session=db_session,
        publication_ids=[arm.id for arm in campaign.publications],
        since=campaign.start_date,
        until=until,
    )
    running = [a.id for a in campaign.publications if a.status == PublicationStatus.PUBLISHED]
    job = db_session.get(JobOpening, campaign.job_id)
    return Facts(campaign, daily, running, None if job is None else job.status)


def week_of(day: date) -> tuple[date, str]:
    """The ISO week's Monday and its name ("2026-W49")."""
    year, week, _ = day.isocalendar()
    return day - timedelta(days=day.weekday()), f"{year}-W{week:02d}"


def triggers(rule: CampaignRule, facts: Facts, today: date) -> list[Trigger]:
    """Where `rule` fires as of `today` (its condition alone: whether it fired is not asked)."""
    campaign = facts.campaign
    if rule.kind == RuleKind.MAX_APPLICATIONS and rule.max_applications is not None:
        if rule.period == "week":
            monday, week = week_of(today)
            _, count = facts.totals(since=monday, until=today)
            scope = f"week:{week}"
        else:
            _, count = facts.totals(until=today)
            scope = "campaign"
        if count >= rule.max_applications:
            details = {"applications": count, "limit": rule.max_applications}
            return [Trigger(rule, scope, PAUSE_CAMPAIGN, details=details)]
    elif rule.kind == RuleKind.MAX_CPA and rule.max_cpa_cop is not None:
        return [
            trigger
            for arm_id in facts.running_arms
            if (trigger := _over_cpa(rule, arm_id, *facts.arm_totals(arm_id, until=today)))
        ]
    elif rule.kind == RuleKind.JOB_CLOSED:
        if facts.job_status is not None and facts.job_status != JobStatus.OPEN:
            return [Trigger(rule, "campaign", PAUSE_CAMPAIGN, details={"job": facts.job_status})]
    elif rule.kind == RuleKind.END_DATE:
        found = []
        if campaign.end_date is not None and today > campaign.end_date:
            ended = {"end_date": campaign.end_date.isoformat()}
            found.append(Trigger(rule, "campaign", PAUSE_CAMPAIGN, details=ended))
        if campaign.total_budget_cop is not None:
            spent, _ = facts.totals(until=today)
            if spent >= campaign.total_budget_cop:
                spent_all = {"spent_cop": spent, "total_budget_cop": campaign.total_budget_cop}
                found.append(Trigger(rule, "total", PAUSE_CAMPAIGN, details=spent_all))
        return found
    return []


def _over_cpa(rule: CampaignRule, arm_id: int, spent: int, applications: int) -> Trigger | None:
    assert rule.max_cpa_cop is not None
    if spent < (rule.min_spend_cop or 0) or spent == 0:
        return None
    if applications and spent <= rule.max_cpa_cop * applications:
        return None
    details = {
        "spent_cop": spent,
        "applications": applications,
        "cost_per_application_cop": round(spent / applications) if applications else None,
        "max_cpa_cop": rule.max_cpa_cop,
    }
    return Trigger(rule, f"publication:{arm_id}", PAUSE_ARM, arm_id, details)


# --- the rules of a campaign -------------------------------------------------------------


def list_rules(db_session: DbSession, campaign_id: int) -> list[CampaignRule]:
    """The campaign's rules with their firings, the standing ones included (created now if
    this is the first look)."""
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    ensure_standing_rules(db_session, campaign)
    return list(
        db_session.scalars(
            sa.select(CampaignRule)
            .where(CampaignRule.campaign_id == campaign_id)
            .options(selectinload(CampaignRule.firings))
            .order_by(CampaignRule.id)
        ).all()
    )


def stored_or_standing_rules(db_session: DbSession, campaign: AdCampaign) -> list[CampaignRule]:
    """The campaign's rules, with its standing ones as unsaved rules (id None) where they were
    not created yet: for reading without writing (the dry run)."""
    stored = list(
        db_session.scalars(
            sa.select(CampaignRule)
            .where(CampaignRule.campaign_id == campaign.id)
            .options(selectinload(CampaignRule.firings))
            .order_by(CampaignRule.id)
        ).all()
    )
    kinds = {rule.kind for rule in stored}
    standing = [
        CampaignRule(campaign_id=campaign.id, kind=kind, enabled=True, firings=[])
        for kind in STANDING_KINDS
        if kind not in kinds
    ]
    return [*standing, *stored]


def ensure_standing_rules(db_session: DbSession, campaign: AdCampaign) -> None:
    """Create the campaign's job_closed and end_date rules if missing (and commit), holding the
    campaign's row so that two callers create one of each."""
    kinds = set(
        db_session.scalars(
            sa.select(CampaignRule.kind).where(CampaignRule.campaign_id == campaign.id)
        )
    )
    if all(kind in kinds for kind in STANDING_KINDS):
        return
    db_session.execute(
        sa.select(AdCampaign.id).where(AdCampaign.id == campaign.id).with_for_update()
    )
    kinds = set(
        db_session.scalars(
            sa.select(CampaignRule.kind).where(CampaignRule.campaign_id == campaign.id)
        )
    )
    for kind in STANDING_KINDS:
        if kind not in kinds:
            db_session.add(
                CampaignRule(campaign_id=campaign.id, kind=kind, created_by=STANDING_RULES_AUTHOR)
            )
    db_session.commit()


def create_rule(
    db_session: DbSession,
    campaign_id: int,
    *,
    kind: str,
    period: str = "campaign",
    max_applications: int | None = None,
    max_cpa_cop: int | None = None,
    min_spend_cop: int | None = None,
    actor: str | None = None,
) -> CampaignRule:
    """Add a stop after N applications, or a cost-per-application limit on each arm."""
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    _refuse_archived(campaign)
    problems: dict[str, list[str | Message]] = {}
    required = N_("required for this rule")
    addable = Choices(None, list(ADDABLE_KINDS), "or")
    if kind == RuleKind.MAX_APPLICATIONS:
        if max_applications is None:
            problems["max_applications"] = [required]
        if period not in PERIODS:
            problems["period"] = [
                Message("campaign or week (not '%(period)s')", period=str(period))
            ]
        if max_cpa_cop is not None or min_spend_cop is not None:
            problems["max_cpa_cop"] = [N_("only for max_cpa rules")]
    elif kind == RuleKind.MAX_CPA:
        if max_cpa_cop is None:
            problems["max_cpa_cop"] = [required]
        if min_spend_cop is None:
            problems["min_spend_cop"] = [required]
        if max_applications is not None:
            problems["max_applications"] = [N_("only for max_applications rules")]
    else:
        problems["kind"] = [
            Message(
                "%(addable)s can be added; %(kind)s applies to every campaign",
                addable=addable,
                kind=str(kind),
            )
            if kind in STANDING_KINDS
            else Message("must be %(addable)s", addable=addable)
        ]
    for name, value, low, high in (
        ("max_applications", max_applications, 1, MAX_APPLICATIONS),
        ("max_cpa_cop", max_cpa_cop, 1, MAX_COP),
        ("min_spend_cop", min_spend_cop, 0, MAX_COP),
    ):
        if value is not None and not low <= value <= high:
            problems.setdefault(name, []).append(
                Message("between %(low)s and %(high)s", low=low, high=high)
            )
    if problems:
        raise ValidationFailed("invalid rule", fields=problems)
    ensure_standing_rules(db_session, campaign)  # listed first, as they apply first
    rule = CampaignRule(
        campaign_id=campaign.id,
        kind=kind,
        period=period if kind == RuleKind.MAX_APPLICATIONS else "campaign",
        max_applications=max_applications,
        max_cpa_cop=max_cpa_cop,
        min_spend_cop=min_spend_cop,
        created_by=actor or actor_var.get(),
    )
    db_session.add(rule)
    db_session.flush()
    audit.record(
        db_session=db_session,
        action="campaign.rule_add",
        entity_type="campaign",
        entity_id=campaign.id,
        details={"rule_id": rule.id, **describe(rule)},
    )
    db_session.commit()
    return rule


def get_rule_or_404(db_session: DbSession, campaign_id: int, rule_id: int) -> CampaignRule:
    rule = db_session.get(CampaignRule, rule_id)
    if rule is None or rule.campaign_id != campaign_id:
        get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
        raise NotFound(
            "rule %(rule_id)s does not exist in campaign %(campaign_id)s",
            rule_id=rule_id,
            campaign_id=campaign_id,
        )
    return rule


def set_rule_enabled(
    db_session: DbSession, campaign_id: int, rule_id: int, *, enabled: bool
) -> CampaignRule:
    """Switch a rule on or off; its past firings stay (a firing never repeats)."""
    rule = get_rule_or_404(db_session, campaign_id, rule_id)
    _refuse_archived(rule_campaign(db_session, rule))
    if rule.enabled != enabled:
        rule.enabled = enabled
        audit.record(
            db_session=db_session,
            action="campaign.rule_enable" if enabled else "campaign.rule_disable",
            entity_type="campaign",
            entity_id=campaign_id,
            details={"rule_id": rule.id},
        )
    db_session.commit()
    return rule


def delete_rule(db_session: DbSession, campaign_id: int, rule_id: int) -> None:
    """Remove a rule the recruiter added (and its firings); the standing ones are disabled."""
    rule = get_rule_or_404(db_session, campaign_id, rule_id)
    _refuse_archived(rule_campaign(db_session, rule))
    if rule.kind in STANDING_KINDS:
        raise Conflict(
            "the %(kind)s rule applies to every campaign: disable it instead", kind=str(rule.kind)
        )
    audit.record(
        db_session=db_session,
        action="campaign.rule_remove",
        entity_type="campaign",
        entity_id=campaign_id,
        details={"rule_id": rule.id, **describe(rule)},
    )
    db_session.delete(rule)
    db_session.commit()


def rule_campaign(db_session: DbSession, rule: CampaignRule) -> AdCampaign:
    return get_campaign_or_404(db_session=db_session, campaign_id=rule.campaign_id)


def _refuse_archived(campaign: AdCampaign) -> None:
    if campaign.archived_at is not None:
        raise Conflict("campaign %(campaign_id)s is archived", campaign_id=campaign.id)


def describe(rule: CampaignRule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "period": rule.period,
        "max_applications": rule.max_applications,
        "max_cpa_cop": rule.max_cpa_cop,
        "min_spend_cop": rule.min_spend_cop,
    }


# --- evaluation ---------------------------------------------------------------------------


def evaluate_rules(db_session: DbSession, campaign_id: int, *, today: date | None = None) -> int:
    """Fire what holds now among the campaign's enabled rules, each (rule, scope) once, and act;
    returns how many firings this evaluation made."""
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    if campaign.archived_at is not None:
        return 0
    today = today or campaign_today()
    rules = [rule for rule in list_rules(db_session, campaign_id) if rule.enabled]
    _finish_unfinished(db_session, campaign, rules)
    facts = campaign_facts(db_session, campaign, until=today)
    fired = _fire_and_act(db_session, [t for rule in rules for t in triggers(rule, facts, today)])
    # After the stops: a weekly stop of this week that just fired keeps the campaign paused.
    resumes = [
        Trigger(rule, f"resume:{week_of(today)[1]}", RESUME_CAMPAIGN)
        for rule in rules
        if _weekly_resume_due(db_session, campaign, rule, rules, today)
    ]
    return fired + _fire_and_act(db_session, resumes)


def _fire_and_act(db_session: DbSession, found: Sequence[Trigger]) -> int:
    """Fire each trigger that has not fired, and act on those this call fired."""
    fired = 0
    for trigger in found:
        firing = _fire(db_session, trigger)
        if firing is not None:
            fired += 1
            _act(db_session, firing)
    return fired


def evaluate_all(db_session: DbSession, *, today: date | None = None) -> int:
    """Evaluate the rules of every campaign running or paused on a platform; one campaign
    failing is logged and leaves the others."""
    campaign_ids = db_session.scalars(
        sa.select(AdCampaign.id)
        .where(
            AdCampaign.archived_at.is_(None),
            AdCampaign.id.in_(
                sa.select(PlatformPublication.campaign_id).where(
                    PlatformPublication.status.in_(EVALUATED_STATUSES)
                )
            ),
        )
        .order_by(AdCampaign.id)
    ).all()
    fired = 0
    for campaign_id in campaign_ids:
        try:
            fired += evaluate_rules(db_session, campaign_id, today=today)
        except Exception:
            db_session.rollback()
            log.exception("rules of campaign %s failed", campaign_id)
    return fired


def _fire(db_session: DbSession, trigger: Trigger) -> RuleFiring | None:
    """Insert the firing, alone in its transaction; the firing if this call inserted it, None if
    it had fired already (before, or in a concurrent evaluation that won the insert)."""
    rule = trigger.rule

    def stored() -> RuleFiring | None:
        return db_session.scalar(
            sa.select(RuleFiring).where(
                RuleFiring.rule_id == rule.id, RuleFiring.scope == trigger.scope
            )
        )

    if stored() is not None:
        return None
    firing = RuleFiring(
        rule_id=rule.id,
        scope=trigger.scope,
        action=trigger.action,
        publication_id=trigger.publication_id,
        details=trigger.details,
    )

    def insert() -> RuleFiring:
        db_session.add(firing)
        db_session.commit()
        return firing

    won = write_or_recheck(db_session, insert, recheck=stored)
    return firing if won is firing else None


def _act(db_session: DbSession, firing: RuleFiring) -> None:
    """Do what the firing says, as the rule (in the audit log), and record how it went."""
    rule = firing.rule
    campaign_id = rule.campaign_id
    with acting_as(rule_actor(rule)):
        try:
            if firing.action == PAUSE_ARM:
                assert firing.publication_id is not None
                done = pause_arms(db_session, [firing.publication_id], reason=firing.scope)
                outcome = "paused" if done else "not running"
            else:
                active = firing.action == RESUME_CAMPAIGN
                set_campaign_active(db_session=db_session, campaign_id=campaign_id, active=active)
                outcome = "resumed" if active else "paused"
        except AdfluxError as exc:
            db_session.rollback()
            # Nothing to pause (already paused, not yet published) or a platform refused.
            outcome = exc.message
        firing.details = {**firing.details, "outcome": outcome}
        audit.record(
            db_session=db_session,
            action="campaign.rule_fired",
            entity_type="campaign",
            entity_id=campaign_id,
            details={
                "rule_id": rule.id,
                "firing_id": firing.id,
                "scope": firing.scope,
                "action": firing.action,
                **firing.details,
            },
        )
        db_session.commit()


def _finish_unfinished(
    db_session: DbSession, campaign: AdCampaign, rules: Iterable[CampaignRule]
) -> None:
    """Act on firings whose evaluation died between the firing and its action."""
    stale = utcnow() - UNFINISHED_AFTER
    for rule in rules:
        for firing in rule.firings:
            if "outcome" not in (firing.details or {}) and firing.fired_at < stale:
                log.warning("acting again on rule firing %s of campaign %s", firing.id, campaign.id)
                _act(db_session, firing)


def _weekly_resume_due(
    db_session: DbSession,
    campaign: AdCampaign,
    rule: CampaignRule,
    rules: Sequence[CampaignRule],
    today: date,
) -> bool:
    """Whether a weekly stop of an earlier week should give way to this week."""
    if rule.kind != RuleKind.MAX_APPLICATIONS or rule.period != "week":
        return False
    this_week = f"week:{week_of(today)[1]}"
    stops = [f for f in rule.firings if f.scope.startswith("week:")]
    if not stops or any(f.scope == this_week for f in stops):
        return False
    others_stopped = any(
        firing.action == PAUSE_CAMPAIGN
        for other in rules
        if other.id != rule.id
        for firing in other.firings
    )
    if others_stopped:
        return False
    last = db_session.scalar(
        sa.select(AuditLog)
        .where(
            AuditLog.entity_type == "campaign",
            AuditLog.entity_id == str(campaign.id),
            AuditLog.action.in_(("campaign.pause", "campaign.resume")),
        )
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    return last is not None and last.action == "campaign.pause" and last.actor == rule_actor(rule)
