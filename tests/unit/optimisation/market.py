"""A simulated market of arms with known response curves, for the allocator's unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from adflux.optimisation.allocator import (
    ArmHistory,
    ArmLimits,
    DayResult,
    allocate,
    budget_bounds,
    split_budget,
)
from adflux.optimisation.response import ResponseCurve

TOTAL_DAILY_COP = 600_000
MIN_DAILY_COP = 20_000
ARM_IDS = [f"{platform}:{segment}" for platform in ("meta", "google") for segment in (1, 2, 3)]


def random_curves(seed: int) -> list[ResponseCurve]:
    """Six arms around 10 applications a day at most and a 100.000 COP scale; ceilings spread by
    a factor of e either way, so that costs per application differ as much as real arms do."""
    rng = np.random.default_rng(seed)
    return [
        ResponseCurve(
            float(np.exp(rng.normal(np.log(10), 1.0))),
            float(np.exp(rng.normal(np.log(100_000), 0.6))),
        )
        for _ in ARM_IDS
    ]


@dataclass
class Run:
    """What one simulated run did: each day's budgets and the applications they were expected
    to bring under the true curves (expected, not drawn, so that the comparison is not noise)."""

    budgets: list[list[int]] = field(default_factory=list)
    expected_applications: float = 0.0
    allocations: list = field(default_factory=list)


Curves = Sequence[ResponseCurve]


def _truth_on(day: int, curves: Curves, shift: tuple[int, int, ResponseCurve] | None) -> Curves:
    if shift and day >= shift[0]:
        changed = list(curves)
        changed[shift[1]] = shift[2]
        return changed
    return curves


def run_allocator(
    curves: Curves,
    *,
    seed: int,
    days: int = 30,
    shift: tuple[int, int, ResponseCurve] | None = None,
) -> Run:
    """`days` days of the allocator against the market, from an even split and no history."""
    rng = np.random.default_rng(1_000 + seed)
    market = np.random.default_rng(2_000 + seed)
    history: dict[str, list[DayResult]] = {arm_id: [] for arm_id in ARM_IDS}
    current = {arm_id: TOTAL_DAILY_COP // len(ARM_IDS) for arm_id in ARM_IDS}
    run = Run()
    for day in range(days):
        truth = _truth_on(day, curves, shift)
        arms = [
            ArmHistory(arm_id, arm_id.split(":")[0], int(arm_id.split(":")[1]), history[arm_id])
            for arm_id in ARM_IDS
        ]
        limits = {arm_id: ArmLimits(MIN_DAILY_COP, current[arm_id]) for arm_id in ARM_IDS}
        allocations = allocate(arms, limits, TOTAL_DAILY_COP, rng=rng)
        run.allocations.append(allocations)
        run.budgets.append([allocation.daily_cop for allocation in allocations])
        for allocation, curve in zip(allocations, truth, strict=True):
            expected = curve.applications(allocation.daily_cop)
            run.expected_applications += expected
            history[allocation.arm_id] = [
                *history[allocation.arm_id],
                DayResult(allocation.daily_cop, int(market.poisson(expected))),
            ]
            current[allocation.arm_id] = allocation.daily_cop
    return run


def run_even_split(curves: Curves, *, days: int = 30) -> float:
    even = TOTAL_DAILY_COP // len(curves)
    return days * sum(curve.applications(even) for curve in curves)


def run_oracle(
    curves: Curves, *, days: int = 30, shift: tuple[int, int, ResponseCurve] | None = None
) -> float:
    """The true curves, the same knapsack and the same constraints, from the same even split."""
    current = [TOTAL_DAILY_COP // len(curves)] * len(curves)
    total = 0.0
    for day in range(days):
        truth = _truth_on(day, curves, shift)
        bounds = budget_bounds(
            [ArmLimits(MIN_DAILY_COP, budget) for budget in current],
            TOTAL_DAILY_COP,
            exploration_floor=0.05,
            max_daily_change=0.2,
        )
        current = split_budget(truth, bounds, TOTAL_DAILY_COP)
        total += sum(
            curve.applications(budget) for curve, budget in zip(truth, current, strict=True)
        )
    return total
