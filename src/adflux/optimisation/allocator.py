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
   (budget 0) until it can. With ``pausing``, an arm is also paused when its drawn curve says
   its money buys clearly more on the campaign's other arms (`choose_active`: the knapsack with
   an on/off choice per arm, since a platform minimum makes an arm's curve a step at 0, not
   concave); it needs ``PAUSE_MIN_DAYS`` days of its own first, and a paused arm runs again
   (from its minimum) every ``reexplore_every`` days, or as soon as another arm's curve changed
   while it was paused, so that a market that moves is still followed;
3. each arm moves at most ``max_daily_change`` from its current budget, because platforms
   restart their learning when a budget jumps. A cut may go further when the total shrank below
   the sum of the allowed cuts, and a raise further when the minimum or the floor requires it.
   A new arm (current budget 0) starts anywhere up to an even share. Money the bounds leave
   unplaced (the total grew faster than arms may) stays unspent that day.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from adflux.errors import ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Code, Message, Money, PluralMessage
from adflux.optimisation.response import (
    FORGETTING,
    DailyData,
    Posterior,
    ResponseCurve,
    ResponseGrid,
    pooled_posteriors,
)

INCREMENTS = 400
# Pausing must buy at least this much more than running every arm: a paused arm stops learning.
PAUSE_GAIN = 0.02
# The days with spend an arm needs before the allocator may pause it for what it buys.
PAUSE_MIN_DAYS = 3
REEXPLORE_EVERY_DAYS = 7
# Paused subsets are searched exhaustively over at most this many arms (2**10 splits, each a
# partial sort of their marginal gains); beyond, the arms buying most at their minimum stay on.
MAX_PAUSABLE = 10
# The days the reasons quote: a week, recent enough to show a change the allocator acted on.
REASON_WINDOW_DAYS = 7
FLOOR_MAX_SHARE_OF_EVEN = 0.5


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
    """An arm's new daily budget and why."""

    arm_id: str
    daily_cop: int
    reason: Message


@dataclass(frozen=True)
class Bounds:
    """Where an arm's budget may land today."""

    lower: int
    upper: int
    keep: int  # the platform minimum and the exploration floor: below it the arm is paused
    paused: bool = False  # because the total cannot cover every arm's keep
    buys_more_elsewhere: bool = False  # paused because its money buys more on the other arms
    retried_after_days: int = 0  # a paused arm run again after these days


class Curve(Protocol):
    """A response curve as the split reads it: applications a day at a budget (COP)."""

    def applications(self, budget_cop: float) -> float: ...

    def applications_at(self, budgets_cop: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PlatformPrior:
    """What a platform's arms bought across other campaigns: applications per peso spent over
    `spent_cop` (recent days weighing more). Centres the prior of a campaign's arms on that
    platform while their own days are few."""

    platform: str
    applications_per_cop: float
    spent_cop: float  # the (weighted) spend it was measured over: how much it rests on


def platform_priors(
    arms: Sequence[ArmHistory], *, forgetting: float = FORGETTING
) -> dict[str, PlatformPrior]:
    """Each platform's applications per peso over `arms` (the arms of OTHER campaigns than the
    one being allocated: its own days already count in its posteriors), each day weighted by
    `forgetting ** age` as the curves weigh it. Platforms without spend are left out."""
    spent: dict[str, float] = {}
    applications: dict[str, float] = {}
    for arm in arms:
        data = DailyData.from_days(
            [(day.spent_cop, day.applications) for day in arm.days], forgetting=forgetting
        )
        spent[arm.platform] = spent.get(arm.platform, 0.0) + float(data.weights @ data.spent_cop)
        applications[arm.platform] = applications.get(arm.platform, 0.0) + float(
            data.weights @ data.applications
        )
    return {
        platform: PlatformPrior(platform, applications[platform] / cop, cop)
        for platform, cop in spent.items()
        if cop > 0
    }


def allocate(
    arms: Sequence[ArmHistory],
    limits: Mapping[str, ArmLimits],
    total_daily_cop: int,
    *,
    rng: np.random.Generator,
    exploration_floor: float = 0.05,
    max_daily_change: float = 0.2,
    forgetting: float = FORGETTING,
    pausing: bool = False,
    reexplore_every: int = REEXPLORE_EVERY_DAYS,
    priors: Mapping[str, PlatformPrior] | None = None,
) -> list[Allocation]:
    """Tomorrow's daily budget of each arm, in the order of `arms`; deterministic given `rng`.

    `pausing`: an arm may be paused (budget 0) when its money buys clearly more on the other
    arms, and is run again every `reexplore_every` days. An arm paused earlier is passed with a
    current budget of 0. `priors`: each platform's results over the other campaigns
    (`platform_priors`), toward which arms with few days of their own lean."""
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
    posteriors = pooled_posteriors(grid, data, groups, _platform_centres(grid, priors or {}))
    curves = [posterior.sample(rng) for posterior in posteriors]
    bounds = budget_bounds(
        [limits[arm.arm_id] for arm in arms],
        total_daily_cop,
        exploration_floor=exploration_floor,
        max_daily_change=max_daily_change,
    )
    if pausing:
        bounds = _pause_where_money_buys_more(
            arms, limits, posteriors, bounds, curves, total_daily_cop, reexplore_every
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
    curves: Sequence[Curve], bounds: Sequence[Bounds], total_daily_cop: int
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


def choose_active(
    curves: Sequence[Curve],
    bounds: Sequence[Bounds],
    total_daily_cop: int,
    pausable: Sequence[bool],
    *,
    running: Sequence[bool] | None = None,
    gain: float = 0.0,
) -> list[bool]:
    """Which arms to run so that the curves' split buys the most: the knapsack with an on/off
    choice per arm (a paused arm costs nothing; a running one at least its lower bound).

    Every subset of the `pausable` arms is tried (the others run), each valued by its greedy
    split on a grid of 1/``INCREMENTS`` of the total: each running arm from its lower bound, then
    the best marginal gains of all of them, a partial sort rather than a heap. The arms
    `running` now (every arm by default) stay as they are unless the best subset buys more than
    `gain` (a share) above them."""
    step = max(total_daily_cop / INCREMENTS, 1.0)
    starts, gains = [], []
    for curve, bound in zip(curves, bounds, strict=True):
        budgets = bound.lower + step * np.arange(int((bound.upper - bound.lower) // step) + 1)
        values = curve.applications_at(budgets)
        starts.append(float(values[0]))
        gains.append(np.maximum(np.diff(values), 0.0))
    candidates = [arm for arm in range(len(bounds)) if pausable[arm]]
    if len(candidates) > MAX_PAUSABLE:
        by_yield = sorted(candidates, key=lambda arm: starts[arm] / max(bounds[arm].lower, 1))
        candidates = by_yield[:MAX_PAUSABLE]

    def value(active: Sequence[bool]) -> float:
        on = [arm for arm, is_on in enumerate(active) if is_on]
        left = total_daily_cop - sum(bounds[arm].lower for arm in on)
        if left < 0:
            return -math.inf
        pool = np.concatenate([gains[arm] for arm in on]) if on else np.zeros(0)
        take = min(int(left // step), pool.size)
        best_gains = np.partition(pool, pool.size - take)[pool.size - take :] if take else pool[:0]
        return sum(starts[arm] for arm in on) + float(best_gains.sum())

    now = [bool(on) or not pausable[arm] for arm, on in enumerate(running or [True] * len(bounds))]
    best, best_value = now, value(now)
    for size in range(len(candidates) + 1):
        for paused in itertools.combinations(candidates, size):
            active = [arm not in paused for arm in range(len(bounds))]
            active_value = value(active)
            if active_value > best_value:
                best, best_value = active, active_value
    if math.isfinite(value(now)) and best_value <= value(now) * (1 + gain):
        return now
    return best


def _pause_where_money_buys_more(
    arms: Sequence[ArmHistory],
    limits: Mapping[str, ArmLimits],
    posteriors: Sequence[Posterior],
    bounds: list[Bounds],
    curves: Sequence[ResponseCurve],
    total_daily_cop: int,
    reexplore_every: int,
) -> list[Bounds]:
    """Pause the arms whose money the drawn curves say buys clearly more on the other arms; a
    paused arm that is due to be tried again (`_paused_days`) runs, at least at its minimum."""
    retried = [0] * len(arms)
    for index, arm in enumerate(arms):
        paused_days = _paused_days(arm, limits[arm.arm_id])
        if paused_days and _due_again(index, paused_days, posteriors, reexplore_every):
            retried[index] = paused_days
    pausable = [
        not retried[index] and sum(day.spent_cop > 0 for day in arm.days) >= PAUSE_MIN_DAYS
        for index, arm in enumerate(arms)
    ]
    running = [
        limits[arm.arm_id].current_daily_cop > 0 or not arm.days or bool(retried[index])
        for index, arm in enumerate(arms)
    ]
    active = choose_active(
        curves, bounds, total_daily_cop, pausable, running=running, gain=PAUSE_GAIN
    )
    return [
        Bounds(bound.lower, bound.upper, bound.keep, retried_after_days=retried[index])
        if on
        else Bounds(0, 0, bound.keep, buys_more_elsewhere=True)
        for index, (bound, on) in enumerate(zip(bounds, active, strict=True))
    ]


def _paused_days(arm: ArmHistory, limit: ArmLimits) -> int:
    """How many days a paused arm (current budget 0, with a history) has spent nothing."""
    if limit.current_daily_cop or not any(day.spent_cop for day in arm.days):
        return 0
    idle = 0
    for day in reversed(arm.days):
        if day.spent_cop:
            break
        idle += 1
    return idle


def _due_again(
    index: int, paused_days: int, posteriors: Sequence[Posterior], reexplore_every: int
) -> bool:
    """A paused arm runs again every `reexplore_every` days, and as soon as another arm's curve
    changed since it was paused: what its money buys elsewhere is no longer what it was."""
    changed_since = any(
        posterior.days_since_change is not None and posterior.days_since_change <= paused_days
        for other, posterior in enumerate(posteriors)
        if other != index
    )
    return paused_days >= reexplore_every or changed_since


def _platform_centres(
    grid: ResponseGrid, priors: Mapping[str, PlatformPrior]
) -> dict[str, np.ndarray]:
    """Each platform's prior as a curve on the campaign's grid: the grid's typical scale (the
    campaign's even share) and the ceiling at which that share buys the platform's applications
    per peso (a curve at its scale has reached 1 - 1/e of its ceiling)."""
    scale = float(np.exp(grid.centre[1]))
    centres = {}
    for platform, prior in priors.items():
        ceiling = prior.applications_per_cop * scale / -math.expm1(-1.0)
        centres[platform] = np.array([math.log(max(ceiling, 1e-6)), grid.centre[1]])
    return centres


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
    """Spend, applications and days over the reasons' window: the arm's last days, those it was
    paused left out (a paused arm's reason quotes what it bought while it ran)."""
    ran = [day for day in arm.days if day.spent_cop or day.applications]
    days = ran[-REASON_WINDOW_DAYS:]
    return sum(d.spent_cop for d in days), sum(d.applications for d in days), len(days)


def _cost_per_application(arms: Sequence[ArmHistory]) -> float | None:
    """The campaign's cost per application over the reasons' window, None without applications."""
    spent = applications = 0
    for arm in arms:
        arm_spent, arm_applications, _ = _recent(arm)
        spent += arm_spent
        applications += arm_applications
    return spent / applications if applications else None


def _allocation(
    arm: ArmHistory, limit: ArmLimits, bound: Bounds, budget: int, average: float | None
) -> Allocation:
    ran_before = any(day.spent_cop for day in arm.days)
    note = _binding(limit, bound, budget)
    if note is None and _grows_dearer_than_average(arm, limit, budget, average):
        # The split follows the next peso's return, not the average cost: say so, or a
        # recruiter reads "more budget to the dearer arm" as a mistake.
        note = Message("its next peso buys more than on the cheaper arms, which are saturating")
    params = {
        "platform": Code("platform", arm.platform),
        "segment": arm.segment_name or Message("segment %(segment)s", segment=arm.segment_id),
        "change": _change(limit.current_daily_cop, budget, resumed=ran_before),
        "evidence": _evidence(arm, average),
    }
    reason = (
        Message("%(platform)s · %(segment)s %(change)s: %(evidence)s", **params)
        if note is None
        else Message(
            "%(platform)s · %(segment)s %(change)s: %(evidence)s; %(note)s", **params, note=note
        )
    )
    return Allocation(arm_id=arm.arm_id, daily_cop=budget, reason=reason)


def _grows_dearer_than_average(
    arm: ArmHistory, limit: ArmLimits, budget: int, average: float | None
) -> bool:
    spent, applications, _ = _recent(arm)
    grows = 0 < limit.current_daily_cop < budget
    return grows and average is not None and applications > 0 and spent / applications > average


def _change(current: int, budget: int, *, resumed: bool) -> Message | str:
    if budget == 0:
        return Message("paused")
    if current == 0:
        if resumed:
            return Message("resumed, %(amount)s a day", amount=Money(budget))
        return Message("new, %(amount)s a day", amount=Money(budget))
    percent = round(100 * (budget - current) / current)
    if percent == 0:
        return Message("unchanged")
    return f"{percent:+d} %"


def _evidence(arm: ArmHistory, average: float | None) -> Message:
    spent, applications, days = _recent(arm)
    if days == 0:
        return Message("no history yet")
    if applications == 0:
        return PluralMessage(
            "0 applications for %(spent)s spent in %(count)s day",
            "0 applications for %(spent)s spent in %(count)s days",
            days,
            spent=Money(spent),
        )
    # `average` exists: this arm's applications count in it.
    assert average is not None
    return Message(
        "%(cost)s per application against %(average)s on average",
        cost=Money(spent / applications),
        average=Money(average),
    )


def _binding(limit: ArmLimits, bound: Bounds, budget: int) -> Message | None:
    """Which limit, if any, held the budget where it is, or why the arm is paused or resumed."""
    if bound.buys_more_elsewhere:
        return Message("that money buys more on the other arms")
    if bound.retried_after_days:
        return PluralMessage(
            "tried again after %(count)s day paused",
            "tried again after %(count)s days paused",
            bound.retried_after_days,
        )
    if bound.paused:
        return Message("the total does not cover every arm's minimum")
    if budget == bound.keep and bound.keep > 0:
        if budget == limit.min_daily_cop:
            return Message("the platform's daily minimum")
        return Message("exploration floor")
    moved = limit.current_daily_cop > 0 and budget != limit.current_daily_cop
    if moved and budget in (bound.lower, bound.upper) and bound.upper > bound.lower:
        return Message("daily change limit")
    return None


def _validate(
    arms: Sequence[ArmHistory],
    limits: Mapping[str, ArmLimits],
    total_daily_cop: int,
    exploration_floor: float,
    max_daily_change: float,
    forgetting: float,
) -> None:
    problems: dict[str, list[str | Message]] = {}
    if total_daily_cop < 0:
        problems["total_daily_cop"] = [N_("must be 0 or more")]
    # `not (x >= 0)` also refuses NaN.
    if not (0 <= exploration_floor <= 1):
        problems["exploration_floor"] = [N_("must be between 0 and 1")]
    if not (max_daily_change >= 0):
        problems["max_daily_change"] = [N_("must be 0 or more")]
    if not 0 < forgetting <= 1:
        problems["forgetting"] = [N_("must be more than 0 and at most 1")]
    ids = [arm.arm_id for arm in arms]
    if len(set(ids)) != len(ids):
        problems["arms"] = [N_("arm ids must be unique")]
    missing = [arm_id for arm_id in ids if arm_id not in limits]
    if missing:
        problems["limits"] = [Message("no limits for arm %(arms)s", arms=", ".join(missing))]
    for arm_id in ids:
        limit = limits.get(arm_id)
        if limit and (limit.min_daily_cop < 0 or limit.current_daily_cop < 0):
            problems.setdefault("limits", []).append(
                Message("arm %(arm)s: budgets must be 0 or more", arm=arm_id)
            )
    for arm in arms:
        if any(day.spent_cop < 0 or day.applications < 0 for day in arm.days):
            problems.setdefault("days", []).append(
                Message("arm %(arm)s: figures must be 0 or more", arm=arm.arm_id)
            )
    if problems:
        raise ValidationFailed("invalid allocation input", fields=problems)
