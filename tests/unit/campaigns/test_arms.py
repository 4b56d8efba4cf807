"""How a campaign's daily budget is split over its arms: minimums first, exact to the peso."""

from __future__ import annotations

import pytest

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.arms import (
    DEFAULT_DAILY_BUDGET_COP,
    default_daily_budget,
    minimum_daily_budget,
    resplit_daily_budget,
    split_daily_budget,
)


def test_the_default_gives_each_arm_the_default_or_its_platforms_minimum() -> None:
    platforms = ["meta", "tiktok", "google"]
    expected = 2 * DEFAULT_DAILY_BUDGET_COP + max(
        DEFAULT_DAILY_BUDGET_COP, MIN_DAILY_BUDGET_COP["tiktok"]
    )
    assert default_daily_budget(platforms) == expected
    assert minimum_daily_budget(platforms) == sum(MIN_DAILY_BUDGET_COP[p] for p in platforms)


def test_the_first_split_is_even_with_each_arm_held_at_its_minimum() -> None:
    platforms = ["meta", "tiktok", "google"]
    assert split_daily_budget(default_daily_budget(platforms), platforms) == [
        DEFAULT_DAILY_BUDGET_COP,
        MIN_DAILY_BUDGET_COP["tiktok"],
        DEFAULT_DAILY_BUDGET_COP,
    ]
    total = 3 * MIN_DAILY_BUDGET_COP["tiktok"] + 1  # enough for an even split over every minimum
    split = split_daily_budget(total, platforms)
    assert sum(split) == total
    assert max(split) - min(split) == 1


def test_a_budget_under_the_minimums_cannot_be_split() -> None:
    with pytest.raises(ValueError, match="minimums"):
        split_daily_budget(MIN_DAILY_BUDGET_COP["tiktok"] - 1, ["tiktok"])
    with pytest.raises(ValueError, match="minimums"):
        resplit_daily_budget(1, [("meta", 10_000)])


def test_a_new_total_keeps_the_proportions_of_the_current_split() -> None:
    arms = [("meta", 30_000), ("google", 60_000), ("x", 90_000)]
    assert resplit_daily_budget(360_000, arms) == [60_000, 120_000, 180_000]
    assert sum(resplit_daily_budget(100_001, arms)) == 100_001


def test_an_arm_whose_share_falls_under_its_minimum_is_held_there_and_the_rest_shared() -> None:
    arms = [("tiktok", 80_000), ("meta", 20_000), ("google", 900_000)]
    split = resplit_daily_budget(200_000, arms)
    assert sum(split) == 200_000
    assert split[0] == MIN_DAILY_BUDGET_COP["tiktok"]
    assert split[1] >= MIN_DAILY_BUDGET_COP["meta"]
    # meta and google share what tiktok's minimum leaves, in their old proportion (1 : 45).
    assert split[1] * 45 == pytest.approx(split[2], abs=45)


def test_a_split_of_nothing_but_zeros_is_even() -> None:
    assert resplit_daily_budget(30_000, [("meta", 0), ("meta", 0), ("meta", 0)]) == [10_000] * 3
