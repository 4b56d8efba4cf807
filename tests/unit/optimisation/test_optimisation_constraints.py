"""The allocator's constraints hold on any input, property-style."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from adflux.optimisation.allocator import (
    Allocation,
    ArmHistory,
    ArmLimits,
    DayResult,
    allocate,
)

days = st.lists(
    st.builds(DayResult, st.integers(0, 400_000), st.integers(0, 40)), min_size=0, max_size=12
)
arm = st.tuples(
    st.sampled_from(["meta", "google", "x", "tiktok"]),
    st.integers(1, 3),
    days,
    st.integers(0, 60_000),  # platform minimum
    st.one_of(st.just(0), st.integers(1, 400_000)),  # current budget, 0 for a new arm
)


@st.composite
def cases(draw: st.DrawFn) -> dict:
    arms = draw(st.lists(arm, min_size=1, max_size=8))
    return {
        "arms": [
            ArmHistory(f"arm-{i}", platform, segment, arm_days)
            for i, (platform, segment, arm_days, _, _) in enumerate(arms)
        ],
        "limits": {
            f"arm-{i}": ArmLimits(minimum, current)
            for i, (_, _, _, minimum, current) in enumerate(arms)
        },
        "total": draw(st.integers(0, 2_000_000)),
        "floor": draw(st.floats(0, 1)),
        "change": draw(st.floats(0, 0.6)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def allocate_case(case: dict, **options: bool) -> list[Allocation]:
    """The allocation of a drawn case, with its floor and change bound and any `options`."""
    return allocate(
        case["arms"],
        case["limits"],
        case["total"],
        rng=np.random.default_rng(case["seed"]),
        exploration_floor=case["floor"],
        max_daily_change=case["change"],
        **options,
    )


@settings(max_examples=300, deadline=None)
@given(cases())
def test_every_allocation_keeps_the_total_the_minimums_the_floor_and_the_change_bound(
    case: dict,
) -> None:
    arms, limits, total = case["arms"], case["limits"], case["total"]
    allocations = allocate_case(case)
    assert [allocation.arm_id for allocation in allocations] == [a.arm_id for a in arms]
    budgets = [allocation.daily_cop for allocation in allocations]
    assert all(isinstance(budget, int) and budget >= 0 for budget in budgets)
    assert sum(budgets) <= total

    # The floor is at most half an even share, whatever was asked.
    floor_cop = math.floor(min(case["floor"], 0.5 / len(arms)) * total)
    keeps = [max(limits[a.arm_id].min_daily_cop, floor_cop) for a in arms]
    paused = [budget == 0 and keep > 0 for budget, keep in zip(budgets, keeps, strict=True)]
    for budget, keep in zip(budgets, keeps, strict=True):
        assert budget == 0 or budget >= keep  # an active arm keeps its minimum and the floor
    if sum(keeps) <= total:
        assert not any(paused)  # arms are paused only when the total cannot cover them all

    currents = [limits[a.arm_id].current_daily_cop for a in arms]
    lowers = [
        max(keep, math.ceil(current * (1 - case["change"]))) if current else keep
        for keep, current in zip(keeps, currents, strict=True)
    ]
    uppers = [
        max(keep, math.floor(current * (1 + case["change"])) if current else total // len(arms))
        for keep, current in zip(keeps, currents, strict=True)
    ]
    if sum(lowers) <= total:
        for budget, lower, upper in zip(budgets, lowers, uppers, strict=True):
            assert lower <= budget <= max(upper, lower)
    if not any(paused):
        # No money is left on the table that the bounds allowed to place.
        assert sum(budgets) == min(
            total, sum(max(u, lo) for u, lo in zip(uppers, lowers, strict=True))
        )
    for allocation in allocations:
        assert allocation.reason.render("es") and allocation.reason.render("en")
