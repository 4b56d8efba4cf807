"""What the allocator and the rules would have done over a campaign's last days: computed from
its results, never stored, never pushed.

Each day is decided with what was known before it began (the days before it), as the daily run
would have: its budget from the pacing and what had been spent, each arm's budget starting from
the dry run's own decision of the day before (the first day from the budget the arm held then,
as the moves recorded it). Rules are evaluated with each day's figures included, as the hourly
evaluation would have seen them by the day's end, and a rule shows on the first day it would
have fired (a firing stored before the window counts as fired). The job's status has no
history, so job_closed is left out of past days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from adflux.campaigns.models import PlatformPublication
from adflux.campaigns.service import campaign_today, get_campaign_or_404
from adflux.db import DbSession
from adflux.i18n.messages import Message
from adflux.optimisation.allocator import allocate
from adflux.optimisation.models import AllocationMove, AllocationRun, CampaignRule, RuleKind
from adflux.optimisation.rules import Facts, campaign_facts, stored_or_standing_rules, triggers
from adflux.optimisation.service import (
    arm_limits,
    arm_name,
    budget_for_day,
    histories_from,
    history_start,
    live_arms,
    seeded_rng,
)

MAX_DAYS = 60


@dataclass(frozen=True)
class DryRunTotal:
    """One arm over the window, or one day of it: what it spent and brought, and what the
    allocator would have budgeted for it."""

    publication_id: int
    platform: str
    name: str
    spent_cop: int
    applications: int
    budget_cop: int


@dataclass(frozen=True)
class DryRunArm(DryRunTotal):
    """One arm on one day, with the allocator's reason."""

    reason: Message | None  # None: the allocator did not budget it that day


@dataclass(frozen=True)
class DryRunFiring:
    rule_id: int | None  # None: a standing rule not created yet (job_closed, end_date)
    kind: str
    scope: str
    action: str
    details: dict[str, object]


@dataclass(frozen=True)
class DryRunDay:
    day: date
    total_daily_cop: int
    arms: list[DryRunArm]
    firings: list[DryRunFiring]


@dataclass(frozen=True)
class DryRun:
    campaign_id: int
    since: date
    until: date
    days: list[DryRunDay]
    totals: list[DryRunTotal]

    @property
    def spent_cop(self) -> int:
        return sum(total.spent_cop for total in self.totals)

    @property
    def applications(self) -> int:
        return sum(total.applications for total in self.totals)

    @property
    def budget_cop(self) -> int:
        return sum(total.budget_cop for total in self.totals)


def dry_run(db_session: DbSession, campaign_id: int, *, days: int) -> DryRun:
    """The last `days` complete days (yesterday the last), decided again; reads only."""
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    rules = [rule for rule in stored_or_standing_rules(db_session, campaign) if rule.enabled]
    until = campaign_today() - timedelta(days=1)
    since = until - timedelta(days=days - 1)
    facts = campaign_facts(db_session, campaign, until=until)
    arms = [arm for arm in live_arms(campaign) if arm.published_at is not None]
    budgets = _budgets_before(db_session, arms, since)
    fired = {
        (firing.rule_id, firing.scope)
        for rule in rules
        for firing in rule.firings
        if firing.fired_at.date() < since
    }
    result_days: list[DryRunDay] = []
    for offset in range((until - since).days + 1):
        day = since + timedelta(days=offset)
        total, rows = _decide_day(arms, facts, budgets, day)
        budgets.update({row.publication_id: row.budget_cop for row in rows if row.budget_cop})
        result_days.append(DryRunDay(day, total, rows, _firings(rules, facts, day, fired)))
    return DryRun(campaign.id, since, until, result_days, _totals(arms, result_days))


def _decide_day(
    arms: list[PlatformPublication], facts: Facts, budgets: dict[int, int], day: date
) -> tuple[int, list[DryRunArm]]:
    """The day's budget and each arm's share of it, from the days before `day`."""
    campaign = facts.campaign
    running = [arm for arm in arms if arm.published_at and arm.published_at.date() <= day]
    spent_before, _ = facts.totals(until=day - timedelta(days=1))
    total = budget_for_day(campaign, spent_before, day)
    allocations = []
    if total > 0 and running:
        histories = histories_from(
            running, facts.daily, since=history_start(campaign, day), before=day
        )
        limits = arm_limits(running, current=budgets)
        allocations = allocate(histories, limits, total, rng=seeded_rng(campaign.id, day))
    decided = {int(a.arm_id): a for a in allocations}
    rows = []
    for arm in running:
        spent, applications = facts.daily.get((arm.id, day), (0, 0))
        allocation = decided.get(arm.id)
        rows.append(
            DryRunArm(
                publication_id=arm.id,
                platform=arm.platform,
                name=arm_name(arm),
                spent_cop=spent,
                applications=applications,
                budget_cop=allocation.daily_cop if allocation else 0,
                reason=allocation.reason if allocation else None,
            )
        )
    return total, rows


def _budgets_before(
    db_session: DbSession, arms: list[PlatformPublication], day: date
) -> dict[int, int]:
    """Each arm's budget when `day` began: the last move before it, else its budget now."""
    budgets = {arm.id: arm.daily_budget_cop for arm in arms}
    moves = db_session.execute(
        sa.select(AllocationMove.publication_id, AllocationMove.to_cop)
        .join(AllocationRun, AllocationRun.id == AllocationMove.run_id)
        .where(AllocationMove.publication_id.in_(list(budgets)), AllocationRun.day < day)
        .order_by(AllocationRun.day, AllocationRun.id)
    ).all()
    for publication_id, to_cop in moves:
        if to_cop > 0:
            budgets[publication_id] = to_cop
    return budgets


def _firings(
    rules: list[CampaignRule], facts: Facts, day: date, fired: set[tuple[int, str]]
) -> list[DryRunFiring]:
    found = []
    for rule in rules:
        if rule.kind == RuleKind.JOB_CLOSED:
            continue
        for trigger in triggers(rule, facts, day):
            if (rule.id, trigger.scope) in fired:
                continue
            fired.add((rule.id, trigger.scope))
            found.append(
                DryRunFiring(rule.id, rule.kind, trigger.scope, trigger.action, trigger.details)
            )
    return found


def _totals(arms: list[PlatformPublication], days: list[DryRunDay]) -> list[DryRunTotal]:
    totals = []
    for arm in arms:
        rows = [row for day in days for row in day.arms if row.publication_id == arm.id]
        totals.append(
            DryRunTotal(
                publication_id=arm.id,
                platform=arm.platform,
                name=arm_name(arm),
                spent_cop=sum(row.spent_cop for row in rows),
                applications=sum(row.applications for row in rows),
                budget_cop=sum(row.budget_cop for row in rows),
            )
        )
    return totals
