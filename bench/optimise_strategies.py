"""The benchmark's campaigns and arms, and the four ways of splitting a campaign's daily budget
across its arms each morning (bench/optimise_market.py runs them on the simulated market)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from adflux.optimisation.allocator import (
    ArmHistory,
    ArmLimits,
    Bounds,
    DayResult,
    allocate,
    choose_active,
    platform_priors,
    split_budget,
)
from adflux.sandbox.market import Market

ORACLE_GRID_POINTS = 400  # budgets each arm's expected curve is known at, 0 to the daily total


@dataclass(frozen=True)
class Arm:
    """One published tree: a platform x segment of a benchmark campaign."""

    arm_id: str
    campaign: int
    platform: str
    segment_id: int
    ad_id: str  # the delivering object the market keys its truth by
    min_daily_cop: int
    external_ids: Mapping[str, str]  # the published tree, as AdFlux holds it
    publication_key: str


@dataclass
class Campaign:
    """A job advertised on its arms, with the same daily budget as every other campaign."""

    index: int
    job_ref: str
    daily_cop: int
    arms: list[Arm] = field(default_factory=list)

    def even_split(self) -> dict[str, int]:
        share = self.daily_cop // len(self.arms)
        return {arm.arm_id: share for arm in self.arms}


@dataclass
class Knowledge:
    """What AdFlux knows at a morning: each arm's days so far, from the platform's reports and
    the job site's applications, and the budget each arm runs on (0 while paused)."""

    days: dict[str, list[DayResult]]
    current: dict[str, int]

    def histories(self, campaign: Campaign) -> list[ArmHistory]:
        return [
            ArmHistory(arm.arm_id, arm.platform, arm.segment_id, self.days[arm.arm_id])
            for arm in campaign.arms
        ]


Strategy = Callable[[Campaign, Knowledge, date], dict[str, int]]


def even(campaign: Campaign, _knowledge: Knowledge, _day: date) -> dict[str, int]:
    """The daily budget split evenly across the arms, never moved."""
    return campaign.even_split()


def adflux(
    *, seed: int, everyone: Sequence[Campaign] = (), pausing: bool = False, **settings: float
) -> Strategy:
    """AdFlux's allocator each morning, from the reported days: with its own defaults, or the
    `settings` (exploration_floor, max_daily_change) a sweep tries. `pausing`: the allocator
    may pause an arm; `everyone`: the campaigns whose results (the others') pool each platform's
    prior, as AdFlux knows its own campaigns' results."""
    rng = np.random.default_rng(seed)

    def decide(campaign: Campaign, knowledge: Knowledge, _day: date) -> dict[str, int]:
        arms = knowledge.histories(campaign)
        others = [
            arm
            for other in everyone
            if other.index != campaign.index
            for arm in knowledge.histories(other)
        ]
        limits = {
            arm.arm_id: ArmLimits(arm.min_daily_cop, knowledge.current[arm.arm_id])
            for arm in campaign.arms
        }
        allocations = allocate(
            arms,
            limits,
            campaign.daily_cop,
            rng=rng,
            pausing=pausing,
            priors=platform_priors(others) if others else None,
            **settings,
        )
        return {allocation.arm_id: allocation.daily_cop for allocation in allocations}

    return decide


class _ExpectedCurve:
    """An arm's expected applications on one day, interpolated on a fine grid of budgets."""

    def __init__(self, budgets: np.ndarray, applications: np.ndarray) -> None:
        self.budgets = budgets
        self.expected = applications

    def applications(self, budget_cop: float) -> float:
        return float(np.interp(budget_cop, self.budgets, self.expected))

    def applications_at(self, budgets_cop: np.ndarray) -> np.ndarray:
        return np.interp(budgets_cop, self.budgets, self.expected)


def oracle(market: Market, *, pausing: bool = False) -> Strategy:
    """The hidden truth's curves each day, split by marginal return from every arm's minimum
    (the allocator's own greedy knapsack, exact for concave curves). `pausing`: an arm may also
    be paused (budget 0), the best of every subset of paused arms (`choose_active`): the true
    bound, since a platform minimum makes the curve a step at 0 that no greedy on margins sees."""

    def decide(campaign: Campaign, _knowledge: Knowledge, day: date) -> dict[str, int]:
        grid = np.linspace(0, campaign.daily_cop, ORACLE_GRID_POINTS + 1)
        curves = [
            _ExpectedCurve(grid, market.expected_applications(arm.platform, arm.ad_id, day, grid))
            for arm in campaign.arms
        ]
        bounds = [
            Bounds(arm.min_daily_cop, campaign.daily_cop, arm.min_daily_cop)
            for arm in campaign.arms
        ]
        if pausing:
            active = choose_active(
                curves, bounds, campaign.daily_cop, [True] * len(bounds), running=None
            )
            bounds = [
                bound if on else Bounds(0, 0, bound.keep, buys_more_elsewhere=True)
                for bound, on in zip(bounds, active, strict=True)
            ]
        budgets = split_budget(curves, bounds, campaign.daily_cop)
        return {arm.arm_id: budget for arm, budget in zip(campaign.arms, budgets, strict=True)}

    return decide


def simple(campaign: Campaign, knowledge: Knowledge, _day: date) -> dict[str, int]:
    """Everything beyond the minimums to the lowest average cost per application so far."""
    costs = {}
    for arm in campaign.arms:
        days = knowledge.days[arm.arm_id]
        applications = sum(d.applications for d in days)
        if applications:
            costs[arm.arm_id] = sum(d.spent_cop for d in days) / applications
    if not costs:
        return campaign.even_split()
    budgets = {arm.arm_id: arm.min_daily_cop for arm in campaign.arms}
    best = min(costs, key=costs.__getitem__)
    budgets[best] += campaign.daily_cop - sum(budgets.values())
    return budgets
