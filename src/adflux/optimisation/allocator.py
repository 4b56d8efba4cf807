"""Each day's split of a campaign's daily budget across its arms (platform × segment).

Thompson sampling: every day each arm's response curve is drawn from its posterior
(response.py) and the budget is split as if the drawn curves were true. An arm the data is
unsure about sometimes draws a good curve and gets budget to prove it, so exploration needs no
separate rule; the exploration floor only guarantees that no arm goes quiet altogether.

The split is a knapsack on marginal returns: starting from each arm's lower bound, the budget
goes one increment at a time to the arm whose next increment buys the most applications per
peso. For concave curves that greedy is exact (each arm's marginal return only falls as it
grows, so no exchange of increments between two arms can improve the total) to within one
increment, here 1/``INCREMENTS`` of what is left to place.

Constraints, in the order they give way when they cannot all hold:
1. the total is never exceeded (integer COP; the allocations sum to at most the total);
2. an active arm gets at least its platform's minimum daily budget and the exploration floor
   (a share of the total, at most half an even share: ``floor_share``); when the total cannot
   cover every arm's, the arms whose drawn curves buy the least at that level are paused
   (budget 0) until it can;
3. each arm moves at most ``max_daily_change`` from its current budget, because platforms
   restart their learning when a budget jumps. A cut may go further when the total shrank below
   the sum of the allowed cuts, and a raise further when the minimum or the floor requires it.
   A new arm (current budget 0) starts anywhere up to an even share. Money the bounds leave
   unplaced (the total grew faster than arms may) stays unspent that day.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from adflux.errors import ValidationFailed
from adflux.optimisation.response import (
    FORGETTING,
    DailyData,
    ResponseCurve,
    ResponseGrid,
    pooled_posteriors,
)

INCREMENTS = 400
# The days the reasons quote: a week, recent enough to show a change the allocator acted on.
REASON_WINDOW_DAYS = 7
FLOOR_MAX_SHARE_OF_EVEN = 0.5
PLATFORM_NAMES = {"meta": "Meta", "google": "Google Ads", "x": "X", "tiktok": "TikTok"}


@dataclass(frozen=True)
class DayResult:
    """One day of an arm: the budget it spent (COP) and the applications it brought."""

    spent_cop: int
    applications: int


@dataclass(frozen=True)
class ArmHistory:
    """An arm (one platform, one segment) of a campaign and its days, oldest first."""

    arm_id: str
    platform: str
    segment_id: int
    days: list[DayResult] = field(default_factory=list)
    segment_name: str = ""


@dataclass(frozen=True)
class ArmLimits:
    """The platform's minimum daily budget for the arm and the budget it runs on today (0 when
    new)."""

    min_daily_cop: int
    current_daily_cop: int


@dataclass(frozen=True)
class Allocation:
    """An arm's new daily budget and why, Spanish first."""

    arm_id: str
    daily_cop: int
    reason_es: str
    reason_en: str


@dataclass(frozen=True)
class Bounds:
    """Where an arm's budget may land today."""

    lower: int
    upper: int
    keep: int  # the platform minimum and the exploration floor: below it the arm is paused
    paused: bool = False


def allocate(
    arms: Sequence[ArmHistory],
    limits: Mapping[str, ArmLimits],
    total_daily_cop: int,
    *,
    rng: np.random.Generator,
    exploration_floor: float = 0.05,
    max_daily_change: float = 0.2,
    forgetting: float = FORGETTING,
) -> list[Allocation]:
    """Tomorrow's daily budget of each arm, in the order of `arms`; deterministic given `rng`."""
    _validate(arms, limits, total_daily_cop, exploration_floor, max_daily_change, forgetting)
    if not arms:
        return []
    data = [
        DailyData.from_days(
            [(day.spent_cop, day.applications) for day in arm.days], forgetting=forgetting
        )
        for arm in arms
    ]
    grid = _campaign_grid(data, total_daily_cop, len(arms))
    groups = [(arm.platform, str(arm.segment_id)) for arm in arms]
    posteriors = pooled_posteriors(grid, data, groups)
    curves = [posterior.sample(rng) for posterior in posteriors]
    bounds = budget_bounds(
        [limits[arm.arm_id] for arm in arms],
        total_daily_cop,
        exploration_floor=exploration_floor,
        max_daily_change=max_daily_change,
    )
    bounds = _pause_until_affordable(bounds, curves, total_daily_cop)
    budgets = split_budget(curves, bounds, total_daily_cop)
    average = _cost_per_application(arms)
    return [
        _allocation(arm, limits[arm.arm_id], bound, budget, average)
        for arm, bound, budget in zip(arms, bounds, budgets, strict=True)
    ]


def budget_bounds(
    limits: Sequence[ArmLimits],
    total_daily_cop: int,
    *,
    exploration_floor: float,
    max_daily_change: float,
) -> list[Bounds]:
    """Each arm's bounds for the day (constraints 2 and 3 of the module's docstring), before any
    arm is paused."""
    floor_cop = math.floor(floor_share(exploration_floor, len(limits)) * total_daily_cop)
    even_share = total_daily_cop // max(len(limits), 1)
    keeps = [max(limit.min_daily_cop, floor_cop) for limit in limits]
    lowers, uppers = [], []
    for limit, keep in zip(limits, keeps, strict=True):
        current = limit.current_daily_cop
        if current > 0:
            lowers.append(max(keep, math.ceil(current * (1 - max_daily_change))))
            uppers.append(max(keep, math.floor(current * (1 + max_daily_change))))
        else:
            lowers.append(keep)
            uppers.append(max(keep, even_share))
    if sum(lowers) > total_daily_cop:
        lowers = keeps  # the total shrank: cuts go as far as it takes
    return [
        Bounds(lower, max(upper, lower), keep)
        for lower, upper, keep in zip(lowers, uppers, keeps, strict=True)
    ]


def floor_share(exploration_floor: float, arms: int) -> float:
    """The share of the total each arm keeps: the exploration floor, but at most half an even
    share, so that a campaign of many arms (twenty at 5 %) still has budget left to move."""
    return min(exploration_floor, FLOOR_MAX_SHARE_OF_EVEN / max(arms, 1))


def split_budget(
    curves: Sequence[ResponseCurve], bounds: Sequence[Bounds], total_daily_cop: int
) -> list[int]:
    """The integer split that maximises the curves' applications within the bounds: each arm
    from its lower bound, then greedily by marginal return per peso. Needs sum(lower) <= total."""
    budgets = [bound.lower for bound in bounds]
    left = total_daily_cop - sum(budgets)
    if left < 0:
        raise ValueError("the lower bounds exceed the total")
    increment = max(1, left // INCREMENTS)
    heap: list[tuple[float, int, int]] = []

    def push(arm: int) -> None:
        step = min(increment, bounds[arm].upper - budgets[arm], left)
        if step > 0:
            gain = curves[arm].applications(budgets[arm] + step) - curves[arm].applications(
                budgets[arm]
            )
            heapq.heappush(heap, (-gain / step, arm, step))

    for arm in range(len(bounds)):
        push(arm)
    while heap and left > 0:
        _, arm, step = heapq.heappop(heap)
        step = min(step, left)  # an increment priced before the total ran short
        budgets[arm] += step
        left -= step
        push(arm)
    return budgets


def _pause_until_affordable(
    bounds: list[Bounds], curves: Sequence[ResponseCurve], total_daily_cop: int
) -> list[Bounds]:
    """Pause the arms that buy the least per peso at their minimum until the rest fit the total."""
    bounds = list(bounds)
    by_yield = sorted(
        range(len(bounds)),
        key=lambda arm: curves[arm].applications(bounds[arm].keep) / max(bounds[arm].keep, 1),
    )
    for arm in by_yield:
        if sum(bound.lower for bound in bounds) <= total_daily_cop:
            break
        bounds[arm] = Bounds(0, 0, bounds[arm].keep, paused=True)
    return bounds


def _campaign_grid(data: Sequence[DailyData], total_daily_cop: int, arms: int) -> ResponseGrid:
    """A grid centred on the campaign's typical arm: an even share, its average applications."""
    days = sum(float(days.weights.sum()) for days in data)
    applications = sum(float(days.weights @ days.applications) for days in data)
    per_arm_day = applications / days if days else 1.0
    return ResponseGrid.around(
        typical_budget_cop=max(total_daily_cop / arms, 1.0), typical_applications=per_arm_day
    )


def _recent(arm: ArmHistory) -> tuple[int, int, int]:
    """Spend, applications and days over the reasons' window."""
    days = arm.days[-REASON_WINDOW_DAYS:]
    return sum(d.spent_cop for d in days), sum(d.applications for d in days), len(days)


def _cost_per_application(arms: Sequence[ArmHistory]) -> float | None:
    """The campaign's cost per application over the reasons' window, None without applications."""
    spent = applications = 0
    for arm in arms:
        arm_spent, arm_applications, _ = _recent(arm)
        spent += arm_spent
        applications += arm_applications
    return spent / applications if applications else None


def format_cop(amount: float, *, english: bool = False) -> str:
    """A rounded peso amount with the thousands marked: 12.300 in Spanish, 12,300 in English."""
    text = f"{round(amount):,}"
    return text if english else text.replace(",", ".")


def _allocation(
    arm: ArmHistory, limit: ArmLimits, bound: Bounds, budget: int, average: float | None
) -> Allocation:
    platform = PLATFORM_NAMES.get(arm.platform, arm.platform)
    segment_es = arm.segment_name or f"segmento {arm.segment_id}"
    segment_en = arm.segment_name or f"segment {arm.segment_id}"
    change_es, change_en = _change(limit.current_daily_cop, budget)
    evidence_es, evidence_en = _evidence(arm, average)
    note_es, note_en = _binding(limit, bound, budget)
    return Allocation(
        arm_id=arm.arm_id,
        daily_cop=budget,
        reason_es=f"{platform} · {segment_es} {change_es}: {evidence_es}{note_es}",
        reason_en=f"{platform} · {segment_en} {change_en}: {evidence_en}{note_en}",
    )


def _change(current: int, budget: int) -> tuple[str, str]:
    if budget == 0:
        return "en pausa", "paused"
    if current == 0:
        amount_es, amount_en = format_cop(budget), format_cop(budget, english=True)
        return f"nuevo, {amount_es} COP al día", f"new, {amount_en} COP a day"
    percent = round(100 * (budget - current) / current)
    if percent == 0:
        return "sin cambio", "unchanged"
    return f"{percent:+d} %", f"{percent:+d} %"


def _evidence(arm: ArmHistory, average: float | None) -> tuple[str, str]:
    spent, applications, days = _recent(arm)
    if days == 0:
        return "sin historial aún", "no history yet"
    if applications == 0:
        return (
            f"0 postulaciones con {format_cop(spent)} COP gastados en {days} días",
            f"0 applications for {format_cop(spent, english=True)} COP spent in {days} days",
        )
    cost = spent / applications
    # `average` exists: this arm's applications count in it.
    assert average is not None
    return (
        f"{format_cop(cost)} COP por postulación frente a {format_cop(average)} de media",
        f"{format_cop(cost, english=True)} COP per application against "
        f"{format_cop(average, english=True)} on average",
    )


def _binding(limit: ArmLimits, bound: Bounds, budget: int) -> tuple[str, str]:
    """Which limit, if any, held the budget where it is."""
    if bound.paused:
        return (
            "; el total no cubre el mínimo de todas las combinaciones",
            "; the total does not cover every arm's minimum",
        )
    if budget == bound.keep and bound.keep > 0:
        if budget == limit.min_daily_cop:
            return "; mínimo diario de la plataforma", "; the platform's daily minimum"
        return "; piso de exploración", "; exploration floor"
    moved = limit.current_daily_cop > 0 and budget != limit.current_daily_cop
    if moved and budget in (bound.lower, bound.upper) and bound.upper > bound.lower:
        return "; tope de cambio diario", "; daily change limit"
    return "", ""


def _validate(
    arms: Sequence[ArmHistory],
    limits: Mapping[str, ArmLimits],
    total_daily_cop: int,
    exploration_floor: float,
    max_daily_change: float,
    forgetting: float,
) -> None:
    problems: dict[str, list[str]] = {}
    if total_daily_cop < 0:
        problems["total_daily_cop"] = ["must be 0 or more"]
    # `not (x >= 0)` also refuses NaN.
    if not (0 <= exploration_floor <= 1):
        problems["exploration_floor"] = ["must be between 0 and 1"]
    if not (max_daily_change >= 0):
        problems["max_daily_change"] = ["must be 0 or more"]
    if not 0 < forgetting <= 1:
        problems["forgetting"] = ["must be more than 0 and at most 1"]
    ids = [arm.arm_id for arm in arms]
    if len(set(ids)) != len(ids):
        problems["arms"] = ["arm ids must be unique"]
    missing = [arm_id for arm_id in ids if arm_id not in limits]
    if missing:
        problems["limits"] = [f"no limits for arm {', '.join(missing)}"]
    for arm_id in ids:
        limit = limits.get(arm_id)
        if limit and (limit.min_daily_cop < 0 or limit.current_daily_cop < 0):
            problems.setdefault("limits", []).append(f"arm {arm_id}: budgets must be 0 or more")
    for arm in arms:
        if any(day.spent_cop < 0 or day.applications < 0 for day in arm.days):
            problems.setdefault("days", []).append(f"arm {arm.arm_id}: figures must be 0 or more")
    if problems:
        raise ValidationFailed(
            "invalid allocation input / datos de asignación no válidos", fields=problems
        )
