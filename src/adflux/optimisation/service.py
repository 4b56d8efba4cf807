"""Each campaign's daily split across its arms, decided from its results (adflux.results) by the
allocator (allocator.py) and applied through the campaigns' change service, never the adapters.

A run is recorded with one move per arm (from, to, why) in the same transaction as the arms'
new budgets, then the changes are queued. The daily run has a key ("daily:{campaign}:{day}"), so
a second call, or a worker re-running it after a crash, finds the run done and moves nothing
twice; what was decided but not yet pushed stays pending on its arm, and the relay pushes it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from adflux.audit import service as audit
from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.arm_pausing import pause_arms
from adflux.campaigns.changes import dispatch_changes, set_arm_budgets
from adflux.campaigns.models import (
    JOB_AUDIENCE_ARM,
    AdCampaign,
    Pacing,
    PlatformPublication,
    PublicationStatus,
)
from adflux.campaigns.service import get_campaign_or_404
from adflux.campaigns.status import PARTIALLY_PUBLISHED, PAUSED, PUBLISHED
from adflux.context import actor_var
from adflux.db import DbSession, write_or_recheck
from adflux.errors import Conflict
from adflux.i18n.messages import Message
from adflux.optimisation.allocator import (
    Allocation,
    ArmHistory,
    ArmLimits,
    DayResult,
    PlatformPrior,
    allocate,
    platform_priors,
)
from adflux.optimisation.models import AllocationMove, AllocationRun, RunTrigger
from adflux.pagination import Page, paginate
from adflux.results.models import CampaignMetric
from adflux.results.service import daily_by_platform, daily_by_publication

log = logging.getLogger(__name__)

# The days of history an allocation reads: with the allocator's forgetting (0.9 a day) a day
# eight weeks old weighs 0.3 % of yesterday, so older days would change nothing.
HISTORY_DAYS = 56
# ArmHistory groups arms by (platform, segment) to pool them; the arms without a segment pool
# with their own kind across platforms.
JOB_AUDIENCE_GROUP = -1
CAMPAIGN_GROUP = 0
# How the arms without a segment are named in the reasons (the segments' own names are Spanish).
JOB_AUDIENCE_NAME = "Audiencia de la vacante"
CAMPAIGN_ARM_NAME = "Toda la campaña"
# Arms that no longer take part: their trees ended, or were never created.
GONE = (PublicationStatus.ENDED.value, PublicationStatus.FAILED.value)
ALLOCATED_STATUSES = (PUBLISHED, PARTIALLY_PUBLISHED)


def live_arms(campaign: AdCampaign) -> list[PlatformPublication]:
    """The campaign's arms that have not ended or failed, in id order."""
    return sorted(
        (arm for arm in campaign.publications if arm.status not in GONE), key=lambda a: a.id
    )


def arm_name(arm: PlatformPublication) -> str:
    """The arm's audience as the reasons name it: its segment, or the job's audience."""
    if arm.segment is not None:
        return arm.segment.name
    return JOB_AUDIENCE_NAME if arm.arm_key == JOB_AUDIENCE_ARM else CAMPAIGN_ARM_NAME


def history_start(campaign: AdCampaign, before: date) -> date:
    return max(campaign.start_date, before - timedelta(days=HISTORY_DAYS))


def arm_histories(
    db_session: DbSession,
    campaign: AdCampaign,
    *,
    before: date,
    arms: Sequence[PlatformPublication] | None = None,
) -> list[ArmHistory]:
    """Each live arm's days (spend and applications) from the campaign's start, or the last
    HISTORY_DAYS, to the day before `before`: what was known when that day began."""
    arms = live_arms(campaign) if arms is None else arms
    since = history_start(campaign, before)
    facts = daily_by_publication(
        db_session=db_session,
        publication_ids=[arm.id for arm in arms],
        since=since,
        until=before - timedelta(days=1),
    )
    return histories_from(arms, facts, since=since, before=before)


def histories_from(
    arms: Sequence[PlatformPublication],
    facts: dict[tuple[int, date], tuple[int, int]],
    *,
    since: date,
    before: date,
) -> list[ArmHistory]:
    """ArmHistory of each arm from daily facts, one entry per day from `since` to the day before
    `before` (a day without figures is a day without spend: it ages the older ones)."""
    days = [since + timedelta(days=n) for n in range(max(0, (before - since).days))]
    return [
        ArmHistory(
            arm_id=str(arm.id),
            platform=arm.platform,
            segment_id=arm.segment_id or _group_without_segment(arm),
            days=[DayResult(*facts.get((arm.id, day), (0, 0))) for day in days],
            segment_name=arm_name(arm),
        )
        for arm in arms
    ]


def _group_without_segment(arm: PlatformPublication) -> int:
    return JOB_AUDIENCE_GROUP if arm.arm_key == JOB_AUDIENCE_ARM else CAMPAIGN_GROUP


def budget_for_day(campaign: AdCampaign, spent_so_far: int, day: date) -> int:
    """What the campaign may spend on `day` over all its arms, having spent `spent_so_far` before.

    Without a total: the daily cap. With one: never more than what is left of it (so the days'
    budgets, spent in full, never add up to more than the total), and with even pacing what is
    left spread over the days left, today included (fast pacing, or no end date: as much as the
    cap allows). Outside the campaign's dates: nothing."""
    if day < campaign.start_date or (campaign.end_date is not None and day > campaign.end_date):
        return 0
    cap = campaign.daily_budget_cop
    if campaign.total_budget_cop is None:
        return cap
    remaining = max(0, campaign.total_budget_cop - spent_so_far)
    if campaign.pacing == Pacing.FAST or campaign.end_date is None:
        return min(cap, remaining)
    days_left = (campaign.end_date - day).days + 1
    return min(cap, remaining // days_left)


def spent_before(db_session: DbSession, campaign: AdCampaign, day: date) -> int:
    """What the campaign's arms spent before `day`, as the platforms last reported it."""
    spent = db_session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(CampaignMetric.spend_cop), 0))
        .join(PlatformPublication, PlatformPublication.id == CampaignMetric.publication_id)
        .where(PlatformPublication.campaign_id == campaign.id, CampaignMetric.day < day)
    )
    return int(spent or 0)


def arm_limits(
    arms: Sequence[PlatformPublication], *, current: Mapping[int, int] | None = None
) -> dict[str, ArmLimits]:
    """Each arm's platform minimum and the budget it runs on (now, or as `current` says)."""
    return {
        str(arm.id): ArmLimits(
            min_daily_cop=MIN_DAILY_BUDGET_COP.get(arm.platform, 1),
            current_daily_cop=(current or {}).get(arm.id, arm.daily_budget_cop),
        )
        for arm in arms
    }


def seeded_rng(campaign_id: int, day: date) -> np.random.Generator:
    """The allocator's randomness for one campaign and day: a re-run decides the same."""
    return np.random.default_rng([campaign_id, day.toordinal()])


def run_key(campaign_id: int, day: date, trigger: RunTrigger) -> str:
    if trigger == RunTrigger.DAILY:
        return f"daily:{campaign_id}:{day.isoformat()}"
    return f"on_demand:{campaign_id}:{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Skip:
    """Why a campaign's budget is not split today: a catalog message, shown in the reader's
    language."""

    reason: Message


ONE_ARM = Skip(Message("it takes at least two running arms (platform × segment)"))
OUTSIDE_DATES = Skip(Message("outside the campaign's dates"))


def why_not_allocated(campaign: AdCampaign) -> Skip | None:
    """The reason the allocator leaves this campaign alone, or None when it splits it."""
    skip = _campaign_skip(campaign)
    if skip is None and len(allocated_arms(campaign)) < 2:
        return ONE_ARM
    return skip


def _campaign_skip(campaign: AdCampaign) -> Skip | None:
    if campaign.archived_at is not None:
        return Skip(Message("the campaign is archived"))
    if not campaign.auto_allocate:
        return Skip(Message("automatic allocation is switched off"))
    if campaign.status == PAUSED:
        return Skip(Message("the campaign is paused"))
    if campaign.status not in ALLOCATED_STATUSES:
        return Skip(Message("the campaign is not published yet"))
    return None


def allocated_arms(campaign: AdCampaign) -> list[PlatformPublication]:
    """The arms whose budgets the allocator moves: those running on their platform (a paused
    arm spends nothing, and one not yet published has no history)."""
    return [arm for arm in live_arms(campaign) if arm.status == PublicationStatus.PUBLISHED]


def decide(
    db_session: DbSession, campaign: AdCampaign, day: date
) -> tuple[int, list[PlatformPublication], list[Allocation]] | Skip:
    """The day's budget, the arms and what the allocator gives each, from what was known
    before `day`, or why nothing is decided; reads only.

    One running arm has nothing to split with, unless the day's budget (what is left of a
    total) is under what it holds: then it is cut, or paused, like any arm, so that no total is
    overspent. A day without budget within the dates (the total spent) pauses every arm."""
    if day < campaign.start_date or (campaign.end_date is not None and day > campaign.end_date):
        return OUTSIDE_DATES  # the platforms hold the schedule; the end-date rule pauses
    arms = allocated_arms(campaign)
    total = budget_for_day(campaign, spent_before(db_session, campaign, day), day)
    if len(arms) < 2 and sum(arm.daily_budget_cop for arm in arms) <= total:
        return ONE_ARM
    histories = arm_histories(db_session, campaign, before=day, arms=arms)
    allocations = allocate(
        histories,
        arm_limits(arms),
        total,
        rng=seeded_rng(campaign.id, day),
        priors=priors_from_other_campaigns(db_session, campaign, before=day),
    )
    return total, arms, allocations


def priors_from_other_campaigns(
    db_session: DbSession, campaign: AdCampaign, *, before: date
) -> dict[str, PlatformPrior]:
    """What each platform bought per peso for the other campaigns over the last HISTORY_DAYS:
    the issue's pooling "toward the platform's average while data is thin", so a new campaign
    does not relearn alone that one platform buys applications cheaper than another. One
    history per platform (the other campaigns' arms summed day by day: the prior only adds
    spend and applications, so summing first gives the same figure in one small query)."""
    since = before - timedelta(days=HISTORY_DAYS)
    facts = daily_by_platform(
        db_session=db_session,
        since=since,
        until=before - timedelta(days=1),
        excluding_campaign_id=campaign.id,
    )
    days = [since + timedelta(days=n) for n in range(HISTORY_DAYS)]
    platforms = sorted({platform for platform, _ in facts})
    return platform_priors(
        [
            ArmHistory(
                arm_id=platform,
                platform=platform,
                segment_id=CAMPAIGN_GROUP,  # unused: platform_priors groups by platform
                days=[DayResult(*facts.get((platform, day), (0, 0))) for day in days],
            )
            for platform in platforms
        ]
    )


def allocate_campaign(
    db_session: DbSession,
    campaign_id: int,
    *,
    day: date,
    trigger: RunTrigger = RunTrigger.DAILY,
    actor: str | None = None,
) -> AllocationRun | None:
    """Split the campaign's budget for `day` and apply it; the run, or None when skipped.

    The daily run happens once per campaign and day (a repeat returns the first run); an
    on-demand run always decides again, and is refused (409, with the reason) when the campaign
    cannot be split. Arms the day's budget cannot keep at their platform's minimum get a move
    to 0 and are paused (the allocator drops the arms that buy least at their minimum first).
    """
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    key = run_key(campaign_id, day, trigger)
    if trigger == RunTrigger.DAILY:
        done = _run_by_key(db_session, key)
        if done is not None:
            _pause_dropped(db_session, done)
            return done
    decision = _campaign_skip(campaign) or decide(db_session, campaign, day)
    if isinstance(decision, Skip):
        skip = decision
        if trigger == RunTrigger.ON_DEMAND:
            raise Conflict("the budget cannot be split: %(reason)s", reason=skip.reason)
        log.info("campaign %s not allocated on %s: %s", campaign_id, day, skip.reason)
        return None
    total, arms, allocations = decision
    before = {str(arm.id): arm.daily_budget_cop for arm in arms}
    moves = [
        AllocationMove(
            publication_id=int(allocation.arm_id),
            from_cop=before[allocation.arm_id],
            to_cop=allocation.daily_cop,
            reason=allocation.reason,
        )
        for allocation in allocations
    ]
    run = AllocationRun(
        campaign_id=campaign.id,
        key=key,
        day=day,
        trigger=trigger.value,
        total_daily_cop=total,
        created_by=actor or actor_var.get(),
    )

    def write() -> tuple[AllocationRun, list[int]]:
        db_session.add(run)
        db_session.flush()  # a concurrent run of the same key stops here, before any budget
        run.moves.extend(moves)
        changed = set_arm_budgets(
            db_session, {int(a.arm_id): a.daily_cop for a in allocations if a.daily_cop > 0}
        )
        audit.record(
            db_session=db_session,
            action="campaign.allocate",
            entity_type="campaign",
            entity_id=campaign.id,
            details={
                "run_id": run.id,
                "trigger": trigger.value,
                "day": day.isoformat(),
                "total_daily_cop": total,
                "moves": [
                    {"publication_id": m.publication_id, "from_cop": m.from_cop, "to_cop": m.to_cop}
                    for m in moves
                ],
            },
        )
        db_session.commit()
        return run, changed

    def recheck() -> tuple[AllocationRun, list[int]] | None:
        winner = _run_by_key(db_session, key)
        return None if winner is None else (winner, [])

    done_run, changed = write_or_recheck(db_session, write, recheck=recheck)
    dispatch_changes(db_session, changed)
    _pause_dropped(db_session, done_run)
    return done_run


def _run_by_key(db_session: DbSession, key: str) -> AllocationRun | None:
    return db_session.scalar(sa.select(AllocationRun).where(AllocationRun.key == key))


def _pause_dropped(db_session: DbSession, run: AllocationRun) -> None:
    """Pause the arms the run gave nothing (still running only: pausing twice is skipped), so a
    run found done after a crash finishes what it decided."""
    dropped = [move.publication_id for move in run.moves if move.to_cop == 0]
    if dropped:
        pause_arms(db_session, dropped, reason=f"allocation run {run.id}")


def allocate_all(db_session: DbSession, day: date) -> list[int]:
    """The daily run of every campaign the allocator looks after; returns the runs' ids. One
    campaign failing is logged and leaves the others to run."""
    campaign_ids = db_session.scalars(
        sa.select(AdCampaign.id)
        .where(
            AdCampaign.archived_at.is_(None),
            AdCampaign.auto_allocate.is_(True),
            AdCampaign.status.in_(ALLOCATED_STATUSES),
        )
        .order_by(AdCampaign.id)
    ).all()
    runs: list[int] = []
    for campaign_id in campaign_ids:
        try:
            run = allocate_campaign(db_session, campaign_id, day=day, trigger=RunTrigger.DAILY)
        except Exception:
            db_session.rollback()
            log.exception("allocation of campaign %s on %s failed", campaign_id, day)
            continue
        if run is not None:
            runs.append(run.id)
    return runs


@dataclass(frozen=True)
class ArmBudget:
    """One arm's budget now, and its share of the campaign's running arms' budgets."""

    arm: PlatformPublication
    name: str
    share: float  # 0 for an arm that is not running


@dataclass(frozen=True)
class BudgetOverview:
    """The split now and the runs that made it, newest first."""

    campaign: AdCampaign
    arms: list[ArmBudget]
    runs: Page[AllocationRun]
    skip: Skip | None


def budget_overview(
    db_session: DbSession, campaign_id: int, *, limit: int, offset: int = 0
) -> BudgetOverview:
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    arms = live_arms(campaign)
    running = sum(a.daily_budget_cop for a in arms if a.status == PublicationStatus.PUBLISHED)
    runs = paginate(
        db_session,
        sa.select(AllocationRun)
        .where(AllocationRun.campaign_id == campaign.id)
        .options(selectinload(AllocationRun.moves))
        .order_by(AllocationRun.created_at.desc(), AllocationRun.id.desc()),
        limit=limit,
        offset=offset,
    )
    return BudgetOverview(
        campaign=campaign,
        arms=[
            ArmBudget(
                arm=arm,
                name=arm_name(arm),
                share=arm.daily_budget_cop / running
                if running and arm.status == PublicationStatus.PUBLISHED
                else 0.0,
            )
            for arm in arms
        ],
        runs=runs,
        skip=why_not_allocated(campaign),
    )
