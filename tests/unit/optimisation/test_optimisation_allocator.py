"""The allocator's split, its reasons and its input checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

from adflux.errors import ValidationFailed
from adflux.optimisation.allocator import (
    ArmHistory,
    ArmLimits,
    Bounds,
    DayResult,
    _allocation,
    allocate,
    split_budget,
)
from adflux.optimisation.response import ResponseCurve


def _week(spent_cop: int, applications: int) -> list[DayResult]:
    return [DayResult(spent_cop, applications)] * 7


def test_the_greedy_split_is_the_exact_integer_optimum_of_concave_curves() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        curves = [ResponseCurve(rng.uniform(1, 20), rng.uniform(5, 40)) for _ in range(3)]
        bounds = [Bounds(int(rng.integers(0, 5)), int(rng.integers(10, 40)), 0) for _ in range(3)]
        total = int(rng.integers(sum(b.lower for b in bounds), 60))
        split = split_budget(curves, bounds, total)

        def value(budgets: tuple[int, ...], curves: list[ResponseCurve] = curves) -> float:
            return sum(c.applications(b) for c, b in zip(curves, budgets, strict=True))

        best = max(
            (
                budgets
                for budgets in itertools.product(*(range(b.lower, b.upper + 1) for b in bounds))
                if sum(budgets) <= total
            ),
            key=value,
        )
        assert value(tuple(split)) == pytest.approx(value(best), rel=1e-12)


def test_the_greedy_split_of_a_large_budget_is_within_a_hair_of_the_continuous_optimum() -> None:
    curves = [ResponseCurve(12, 80_000), ResponseCurve(30, 150_000), ResponseCurve(5, 20_000)]
    bounds = [Bounds(20_000, 1_000_000, 20_000)] * 3
    total = 600_000
    split = split_budget(curves, bounds, total)
    assert sum(split) == total

    def negative(budgets: np.ndarray) -> float:
        return -sum(c.applications(b) for c, b in zip(curves, budgets, strict=True))

    continuous = minimize(
        negative,
        x0=[200_000.0] * 3,
        bounds=[(20_000, 1_000_000)] * 3,
        constraints=[{"type": "eq", "fun": lambda budgets: total - budgets.sum()}],
        method="SLSQP",
    )
    assert -negative(np.array(split, dtype=float)) >= -continuous.fun * (1 - 1e-4)


def test_reasons_quote_the_observed_cost_per_application_in_each_language_s_pesos() -> None:
    # 12.300 COP per application on this arm, 18.900 across both.
    arms = [
        ArmHistory("meta:7", "meta", 7, _week(123_000, 10), segment_name="Desarrolladores"),
        ArmHistory("google:8", "google", 8, _week(255_000, 10), segment_name="Diseñadores"),
    ]
    limits = {"meta:7": ArmLimits(20_000, 200_000), "google:8": ArmLimits(20_000, 200_000)}
    first, second = allocate(arms, limits, 400_000, rng=np.random.default_rng(0))

    change = round(100 * (first.daily_cop - 200_000) / 200_000)
    change_text = "sin cambio" if change == 0 else f"{change:+d} %"
    assert first.reason.render("es").startswith(
        f"Meta · Desarrolladores {change_text}: $12.300 por postulación frente a $18.900 de media"
    )
    assert "COP 12,300 per application against COP 18,900 on average" in first.reason.render("en")
    assert second.reason.render("es").startswith("Google Ads · Diseñadores")
    assert "$25.500 por postulación frente a $18.900 de media" in second.reason.render("es")


def test_reasons_of_an_arm_without_applications_or_without_history() -> None:
    arms = [
        ArmHistory("x:1", "x", 1, _week(50_000, 0)),
        ArmHistory("tiktok:2", "tiktok", 2, []),
    ]
    limits = {"x:1": ArmLimits(10_000, 50_000), "tiktok:2": ArmLimits(10_000, 0)}
    dry, new = allocate(arms, limits, 200_000, rng=np.random.default_rng(0))
    assert "0 postulaciones con $350.000 gastados en 7 días" in dry.reason.render("es")
    assert "0 applications for COP 350,000 spent in 7 days" in dry.reason.render("en")
    dotted = f"{new.daily_cop:,}".replace(",", ".")
    assert new.reason.render("es").startswith(
        f"TikTok · segmento 2 nuevo, ${dotted} al día: sin historial"
    )
    assert new.reason.render("en").startswith("TikTok · segment 2 new, ")


def test_the_allocation_is_deterministic_given_the_seed() -> None:
    arms = [
        ArmHistory(f"meta:{i}", "meta", i, _week(100_000 + 10_000 * i, 5 + i)) for i in range(4)
    ]
    limits = {arm.arm_id: ArmLimits(20_000, 100_000) for arm in arms}

    def budgets(seed: int) -> list[tuple[int, str]]:
        return [
            (allocation.daily_cop, allocation.reason.render("es"))
            for allocation in allocate(arms, limits, 400_000, rng=np.random.default_rng(seed))
        ]

    assert budgets(11) == budgets(11)
    assert any(budgets(11) != budgets(seed) for seed in range(12, 20))


def test_the_arm_buying_least_is_paused_when_the_total_cannot_cover_every_minimum() -> None:
    arms = [
        ArmHistory("meta:1", "meta", 1, _week(60_000, 12)),  # 5.000 per application
        ArmHistory("meta:2", "meta", 2, _week(60_000, 1)),  # 60.000 per application
    ]
    limits = {"meta:1": ArmLimits(50_000, 60_000), "meta:2": ArmLimits(50_000, 60_000)}
    kept, paused = allocate(arms, limits, 80_000, rng=np.random.default_rng(0))
    # The arm kept grows by the daily change limit only: 60.000 + 20 %.
    assert (kept.daily_cop, paused.daily_cop) == (72_000, 0)
    assert paused.reason.render("es").startswith("Meta · segmento 2 en pausa:")
    assert "el total no cubre el mínimo" in paused.reason.render("es")


def test_the_daily_change_limit_is_named_when_it_holds_an_arm_back() -> None:
    arms = [
        ArmHistory("meta:1", "meta", 1, _week(100_000, 40)),
        ArmHistory("meta:2", "meta", 2, _week(100_000, 2)),
    ]
    limits = {arm.arm_id: ArmLimits(10_000, 100_000) for arm in arms}
    better, worse = allocate(arms, limits, 200_000, rng=np.random.default_rng(0))
    assert (better.daily_cop, worse.daily_cop) == (120_000, 80_000)
    assert better.reason.render("es").endswith("; tope de cambio diario")
    assert "+20 %" in better.reason.render("es") and "-20 %" in worse.reason.render("es")


def test_a_campaign_of_many_arms_keeps_half_an_even_share_as_its_floor() -> None:
    # Forty arms cannot each keep 5 % of the total; each keeps half an even share instead.
    platforms = ("meta", "google", "x", "tiktok")
    arms = [ArmHistory(f"{p}:{s}", p, s, _week(100_000, s)) for p in platforms for s in range(10)]
    limits = {arm.arm_id: ArmLimits(0, 100_000) for arm in arms}
    allocations = allocate(arms, limits, 4_000_000, rng=np.random.default_rng(0))
    budgets = [allocation.daily_cop for allocation in allocations]
    assert sum(budgets) == 4_000_000
    assert min(budgets) >= 4_000_000 * 0.5 // 40 and min(budgets) < 100_000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total_daily_cop": -1}, "total_daily_cop"),
        ({"exploration_floor": 1.5}, "exploration_floor"),
        ({"exploration_floor": float("nan")}, "exploration_floor"),
        ({"max_daily_change": -0.1}, "max_daily_change"),
        ({"forgetting": 0.0}, "forgetting"),
        ({"limits": {}}, "limits"),
        ({"limits": {"a": ArmLimits(-1, 0), "b": ArmLimits(0, 0)}}, "limits"),
    ],
)
def test_bad_input_is_refused_naming_the_field(change: dict, field: str) -> None:
    arguments = {
        "arms": [ArmHistory("a", "meta", 1, []), ArmHistory("b", "meta", 2, [])],
        "limits": {"a": ArmLimits(0, 0), "b": ArmLimits(0, 0)},
        "total_daily_cop": 100_000,
        "rng": np.random.default_rng(0),
        **change,
    }
    with pytest.raises(ValidationFailed) as refused:
        allocate(**arguments)
    assert field in refused.value.fields


def test_negative_figures_and_repeated_arms_are_refused() -> None:
    limits = {"a": ArmLimits(0, 0)}
    with pytest.raises(ValidationFailed) as refused:
        allocate(
            [ArmHistory("a", "meta", 1, [DayResult(-5, 0)])],
            limits,
            10,
            rng=np.random.default_rng(),
        )
    assert "days" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        allocate([ArmHistory("a", "meta", 1)] * 2, limits, 10, rng=np.random.default_rng())
    assert "arms" in refused.value.fields


def test_no_arms_get_no_allocations() -> None:
    assert allocate([], {}, 100_000, rng=np.random.default_rng(0)) == []


def test_a_dearer_arm_given_more_says_its_next_peso_buys_more_than_on_the_saturating_ones() -> None:
    dear = ArmHistory("x:1", "x", 1, _week(130_000, 10), segment_name="Salud")
    # 4.632 COP per application across the campaign: X's 13.000 is dearer than that.
    unbound = Bounds(0, 10**9, 0)
    grown = _allocation(dear, ArmLimits(5_000, 38_250), unbound, 45_000, 4_632.0)
    assert grown.reason.render("es") == (
        "X · Salud +18 %: $13.000 por postulación frente a $4.632 de media; su próximo peso "
        "rinde más que en las combinaciones más baratas, que se saturan"
    )
    assert grown.reason.render("en").endswith(
        "its next peso buys more than on the cheaper arms, which are saturating"
    )
    cut = _allocation(dear, ArmLimits(5_000, 38_250), unbound, 30_000, 4_632.0)
    assert "saturan" not in cut.reason.render("es")
    cheap = _allocation(dear, ArmLimits(5_000, 38_250), unbound, 45_000, 20_000.0)
    assert "saturan" not in cheap.reason.render("es")
