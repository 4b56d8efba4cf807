"""Response curves: their shape, what the posterior learns, pooling and change detection."""

from __future__ import annotations

import numpy as np
import pytest

from adflux.optimisation.response import (
    DailyData,
    ResponseCurve,
    ResponseGrid,
    pooled_posteriors,
)

TRUE = ResponseCurve(12, 80_000)


def _days(curve: ResponseCurve, count: int, *, seed: int) -> list[tuple[int, int]]:
    """`count` days of a market with budgets spread 40.000 to 240.000 COP."""
    rng = np.random.default_rng(seed)
    budgets = rng.integers(40_000, 240_000, size=count)
    return [(int(b), int(rng.poisson(curve.applications(float(b))))) for b in budgets]


def _grid() -> ResponseGrid:
    return ResponseGrid.around(typical_budget_cop=100_000, typical_applications=6)


def test_the_curve_saturates_each_peso_buying_less_than_the_one_before() -> None:
    budgets = np.linspace(0, 500_000, 51)
    applications = np.array([TRUE.applications(b) for b in budgets])
    gains = np.diff(applications)
    assert applications[0] == 0
    assert np.all(gains > 0) and np.all(np.diff(gains) < 0)
    assert applications[-1] < TRUE.ceiling


def test_sixty_days_of_varied_budgets_locate_the_true_curve() -> None:
    data = DailyData.from_days(_days(TRUE, 60, seed=1), forgetting=1.0)
    (posterior,) = pooled_posteriors(_grid(), [data], [("meta", "1")])
    ceiling, scale = np.exp(posterior.mean())
    assert ceiling == pytest.approx(TRUE.ceiling, rel=0.15)
    assert scale == pytest.approx(TRUE.scale_cop, rel=0.25)
    draws = [posterior.sample(np.random.default_rng(seed)) for seed in range(200)]
    at_150k = [draw.applications(150_000) for draw in draws]
    assert np.percentile(at_150k, 5) < TRUE.applications(150_000) < np.percentile(at_150k, 95)


def test_a_thin_arm_leans_on_its_platform_and_segment_and_a_rich_one_on_its_own_days() -> None:
    strong = ResponseCurve(40, 100_000)
    group = [DailyData.from_days(_days(strong, 40, seed=seed)) for seed in range(3)]
    groups = [("meta", "1"), ("meta", "2"), ("google", "1")]
    one_day = DailyData.from_days([(100_000, 4)])
    alone = pooled_posteriors(_grid(), [one_day], [("meta", "3")])[0]
    pooled = pooled_posteriors(_grid(), [*group, one_day], [*groups, ("meta", "1")])[-1]
    # One day of 4 applications says little: next to arms buying 25 a day, it is expected to
    # buy more than it would alone.
    assert np.exp(pooled.mean()[0]) > 1.5 * np.exp(alone.mean()[0])

    own = DailyData.from_days(_days(TRUE, 60, seed=9), forgetting=1.0)
    rich = pooled_posteriors(_grid(), [*group, own], [*groups, ("meta", "1")])[-1]
    assert np.exp(rich.mean()[0]) == pytest.approx(TRUE.ceiling, rel=0.2)


@pytest.mark.parametrize("seed", range(10))
def test_a_steady_arm_keeps_all_its_days(seed: int) -> None:
    data = DailyData.from_days(_days(TRUE, 40, seed=seed))
    assert _grid().since_change(data).spent_cop.size == 40


@pytest.mark.parametrize("seed", range(5))
def test_a_curve_that_fell_to_a_third_is_read_from_its_days_after_the_change(seed: int) -> None:
    before = _days(TRUE, 25, seed=seed)
    after = _days(ResponseCurve(TRUE.ceiling / 3, TRUE.scale_cop), 8, seed=100 + seed)
    kept = _grid().since_change(DailyData.from_days(before + after)).spent_cop.size
    assert 6 <= kept <= 10


def test_days_without_spend_are_left_out_but_still_age_the_days_before() -> None:
    data = DailyData.from_days([(100_000, 5), (0, 2), (100_000, 6)], forgetting=0.5)
    assert data.spent_cop.tolist() == [100_000, 100_000]
    assert data.weights.tolist() == [0.25, 1.0]


def test_each_days_likelihood_is_the_poisson_of_the_curve_at_every_grid_point() -> None:
    grid = _grid()
    data = DailyData.from_days([(60_000, 3), (150_000, 0), (20, 1)])
    likelihood = grid.daily_log_likelihood(data)
    for row, column in [(0, 0), (20, 31), (47, 47), (47, 0)]:
        curve = ResponseCurve(np.exp(grid.log_ceiling[row]), np.exp(grid.log_scale[column]))
        for day, (spent, applications) in enumerate(
            zip(data.spent_cop, data.applications, strict=True)
        ):
            expected = max(curve.applications(spent), 1e-12)
            assert likelihood[row, column, day] == pytest.approx(
                applications * np.log(expected) - expected, rel=1e-9, abs=1e-9
            )


@pytest.mark.parametrize("seed", range(3))
def test_the_likelihood_since_a_change_is_that_of_the_days_kept(seed: int) -> None:
    before = _days(TRUE, 20, seed=seed)
    after = _days(ResponseCurve(TRUE.ceiling / 3, TRUE.scale_cop), 8, seed=100 + seed)
    data = DailyData.from_days(before + after)
    grid = _grid()
    kept = grid.since_change(data)

    likelihood, days = grid.log_likelihood_since_change(data)

    assert days == kept.spent_cop.size < data.spent_cop.size
    np.testing.assert_allclose(likelihood, grid.log_likelihood(kept))


def test_a_thin_arm_leans_on_its_platforms_prior_from_other_campaigns_a_rich_one_on_its_days() -> (
    None
):
    # Across the other campaigns the platform's arms reach a ceiling of 60 a day.
    elsewhere = {"tiktok": np.array([np.log(60.0), np.log(100_000)])}
    one_day = DailyData.from_days([(100_000, 4)])
    alone = pooled_posteriors(_grid(), [one_day], [("tiktok", "1")])[0]
    pooled = pooled_posteriors(_grid(), [one_day], [("tiktok", "1")], elsewhere)[0]
    assert np.exp(pooled.mean()[0]) > 1.5 * np.exp(alone.mean()[0])

    own = DailyData.from_days(_days(TRUE, 60, seed=9), forgetting=1.0)
    rich = pooled_posteriors(_grid(), [own], [("tiktok", "1")], elsewhere)[0]
    assert np.exp(rich.mean()[0]) == pytest.approx(TRUE.ceiling, rel=0.2)
