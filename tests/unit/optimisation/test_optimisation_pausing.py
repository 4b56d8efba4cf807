"""Pausing an arm whose money buys more elsewhere, trying it again, and the platform priors pooled
from other campaigns."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from tests.unit.optimisation.test_optimisation_constraints import allocate_case, cases

from adflux.optimisation.allocator import (
    Allocation,
    ArmHistory,
    ArmLimits,
    Bounds,
    DayResult,
    PlatformPrior,
    allocate,
    choose_active,
    platform_priors,
    split_budget,
)
from adflux.optimisation.response import ResponseCurve

CHEAP = [150_000, 250_000, 200_000, 300_000, 180_000, 220_000, 260_000, 200_000, 240_000, 160_000]
DEAR = [100_000, 120_000, 80_000, 110_000, 90_000, 100_000, 130_000, 80_000, 100_000, 120_000]


def _days(spends: list[int], cost_per_application: int, *, seed: int = 1) -> list[DayResult]:
    rng = np.random.default_rng(seed)
    return [DayResult(s, int(rng.poisson(s / cost_per_application))) for s in spends]


def _campaign(
    tiktok_days: list[DayResult], *, tiktok_current: int = 100_000
) -> tuple[list[ArmHistory], dict[str, ArmLimits]]:
    """Meta buying an application for about 5.000 COP, TikTok for about 41.000."""
    arms = [
        ArmHistory("meta:7", "meta", 7, _days(CHEAP, 5_000), segment_name="Diseñadores"),
        ArmHistory("tiktok:8", "tiktok", 8, tiktok_days, segment_name="Desarrolladores"),
    ]
    limits = {
        "meta:7": ArmLimits(2_000, 220_000),
        "tiktok:8": ArmLimits(80_000, tiktok_current),
    }
    return arms, limits


def _allocate_pausing(
    arms: list[ArmHistory], limits: dict[str, ArmLimits], seed: int
) -> list[Allocation]:
    """The campaign's 320.000 COP a day split with pausing, each arm free to move by 50 %."""
    return allocate(
        arms, limits, 320_000, rng=np.random.default_rng(seed), pausing=True, max_daily_change=0.5
    )


def test_an_arm_whose_money_buys_more_elsewhere_is_paused_and_the_reason_says_why() -> None:
    arms, limits = _campaign(_days(DEAR, 41_000))
    runs = [_allocate_pausing(arms, limits, seed) for seed in range(10)]
    paused = [tiktok for _, tiktok in runs if tiktok.daily_cop == 0]
    # Thompson sampling: most draws, not every one, see TikTok's money buying more on Meta.
    assert len(paused) >= 8
    assert paused[0].reason.render("es") == (
        "TikTok · Desarrolladores en pausa: $40.556 por postulación frente a $7.201 de media; "
        "ese dinero rinde más en las demás combinaciones"
    )
    assert paused[0].reason.render("en").endswith("; that money buys more on the other arms")
    for meta, tiktok in runs:
        # Meta may grow to 330.000 (+50 %): the money TikTok leaves is all placed there.
        assert meta.daily_cop + tiktok.daily_cop == 320_000
    # Without `pausing` (the default) every arm keeps at least its minimum.
    for seed in range(10):
        kept = allocate(arms, limits, 320_000, rng=np.random.default_rng(seed))
        assert kept[1].daily_cop >= 80_000


def test_an_arm_with_too_few_days_of_its_own_is_not_paused() -> None:
    arms, limits = _campaign(_days(DEAR[:2], 41_000))
    for seed in range(10):
        _, tiktok = _allocate_pausing(arms, limits, seed)
        assert tiktok.daily_cop >= 80_000


@pytest.mark.parametrize("paused_days", [3, 6])
def test_a_paused_arm_stays_paused_until_it_is_due(paused_days: int) -> None:
    history = _days(DEAR, 41_000) + [DayResult(0, 0)] * paused_days
    arms, limits = _campaign(history, tiktok_current=0)
    budgets = [_allocate_pausing(arms, limits, seed)[1].daily_cop for seed in range(10)]
    assert sum(budget == 0 for budget in budgets) >= 8


def test_a_paused_arm_is_tried_again_after_a_week_from_its_minimum() -> None:
    history = _days(DEAR, 41_000) + [DayResult(0, 0)] * 7
    arms, limits = _campaign(history, tiktok_current=0)
    for seed in range(5):
        _, tiktok = _allocate_pausing(arms, limits, seed)
        assert tiktok.daily_cop >= 80_000
        assert tiktok.reason.render("es").startswith("TikTok · Desarrolladores reanudado, ")
        assert tiktok.reason.render("es").endswith("; se prueba de nuevo tras 7 días en pausa")
        assert tiktok.reason.render("en").endswith("; tried again after 7 days paused")


def test_a_paused_arm_is_tried_again_as_soon_as_another_arms_curve_changes() -> None:
    # Meta bought an application for 5.000 COP, then, for the 4 days TikTok has been paused,
    # for 60.000: what TikTok's money would buy there is no longer what it was.
    meta_days = _days(CHEAP, 5_000) + _days([300_000] * 4, 60_000, seed=3)
    history = _days(DEAR, 41_000) + [DayResult(0, 0)] * 4
    arms = [
        ArmHistory("meta:7", "meta", 7, meta_days),
        ArmHistory("tiktok:8", "tiktok", 8, history),
    ]
    limits = {"meta:7": ArmLimits(2_000, 300_000), "tiktok:8": ArmLimits(80_000, 0)}
    _, tiktok = allocate(arms, limits, 380_000, rng=np.random.default_rng(0), pausing=True)
    assert tiktok.daily_cop >= 80_000
    assert tiktok.reason.render("en").endswith("; tried again after 4 days paused")


def test_the_best_paused_subset_is_found_among_all_of_them() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        curves = [ResponseCurve(rng.uniform(1, 20), rng.uniform(5, 60)) for _ in range(4)]
        bounds = [Bounds(int(m), 100, int(m)) for m in rng.integers(5, 30, size=4)]
        total = int(rng.integers(30, 80))

        def value(
            active: tuple[bool, ...],
            curves: list = curves,
            bounds: list = bounds,
            total: int = total,
        ) -> float:
            kept = [b if on else Bounds(0, 0, b.keep) for b, on in zip(bounds, active, strict=True)]
            if sum(b.lower for b in kept) > total:
                return -math.inf
            split = split_budget(curves, kept, total)
            return sum(c.applications(b) for c, b in zip(curves, split, strict=True))

        best = max(value(active) for active in itertools.product((True, False), repeat=4))
        chosen = choose_active(curves, bounds, total, [True] * 4)
        # Within the grid's resolution (1/400 of the total per increment).
        assert value(tuple(chosen)) == pytest.approx(best, rel=2e-2)


def test_platform_priors_are_the_applications_per_peso_of_each_platform_recent_days_first() -> None:
    arms = [
        ArmHistory("a", "meta", 1, [DayResult(100_000, 10), DayResult(100_000, 30)]),
        ArmHistory("b", "meta", 2, [DayResult(0, 0), DayResult(100_000, 20)]),
        ArmHistory("c", "tiktok", 1, [DayResult(200_000, 4)]),
        ArmHistory("d", "x", 1, [DayResult(0, 0)]),
    ]
    priors = platform_priors(arms, forgetting=0.5)
    # Meta: (0.5·10 + 30 + 20) / (0.5·100.000 + 100.000 + 100.000).
    assert priors["meta"].applications_per_cop == pytest.approx(55 / 250_000)
    assert priors["meta"].spent_cop == pytest.approx(250_000)
    assert priors["tiktok"] == PlatformPrior("tiktok", 4 / 200_000, 200_000)
    assert "x" not in priors  # nothing spent, nothing known


def test_a_platform_prior_moves_a_thin_arms_budget_toward_what_its_platform_buys() -> None:
    # Two arms with one day of their own each, alike: alone they look alike; the other campaigns
    # say Meta buys an application for 5.000 COP and TikTok for 50.000.
    arms = [
        ArmHistory("meta:1", "meta", 1, [DayResult(300_000, 10)]),
        ArmHistory("tiktok:1", "tiktok", 1, [DayResult(300_000, 10)]),
    ]
    limits = {"meta:1": ArmLimits(2_000, 300_000), "tiktok:1": ArmLimits(80_000, 300_000)}
    priors = {
        "meta": PlatformPrior("meta", 1 / 5_000, 5_000_000),
        "tiktok": PlatformPrior("tiktok", 1 / 50_000, 5_000_000),
    }

    def meta_share(with_priors: bool) -> float:
        budgets = [
            allocate(
                arms,
                limits,
                600_000,
                rng=np.random.default_rng(seed),
                max_daily_change=0.5,
                priors=priors if with_priors else None,
            )[0].daily_cop
            for seed in range(40)
        ]
        return float(np.mean(budgets)) / 600_000

    without, with_ = meta_share(False), meta_share(True)
    assert with_ > without + 0.05, (without, with_)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_with_pausing_the_total_the_minimums_and_the_bounds_still_hold(case: dict) -> None:
    arms, limits, total = case["arms"], case["limits"], case["total"]
    allocations = allocate_case(case, pausing=True)
    budgets = [allocation.daily_cop for allocation in allocations]
    assert sum(budgets) <= total
    floor_cop = math.floor(min(case["floor"], 0.5 / len(arms)) * total)
    for arm, allocation in zip(arms, allocations, strict=True):
        limit = limits[arm.arm_id]
        keep = max(limit.min_daily_cop, floor_cop)
        if allocation.daily_cop == 0 and keep > 0:
            assert "rinde más en las demás" in allocation.reason.render(
                "es"
            ) or "el total no cubre" in allocation.reason.render("es")
        else:
            assert allocation.daily_cop >= keep
        if allocation.daily_cop and limit.current_daily_cop:
            upper = max(keep, math.floor(limit.current_daily_cop * (1 + case["change"])))
            assert allocation.daily_cop <= upper
