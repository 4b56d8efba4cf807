"""The day's budget from the campaign's cap, total, dates and pacing: never a peso over either."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from adflux.campaigns.models import AdCampaign
from adflux.optimisation.service import budget_for_day

START = date(2026, 11, 2)


def _campaign(**values) -> AdCampaign:
    return AdCampaign(
        **{"daily_budget_cop": 100_000, "start_date": START, "pacing": "even", **values}
    )


def test_without_a_total_each_day_is_the_cap_within_the_dates():
    campaign = _campaign(end_date=START + timedelta(days=9))
    assert budget_for_day(campaign, 5_000_000, START + timedelta(days=3)) == 100_000
    assert budget_for_day(campaign, 0, START - timedelta(days=1)) == 0
    assert budget_for_day(campaign, 0, START + timedelta(days=10)) == 0


def test_even_pacing_spreads_what_is_left_over_the_days_left_today_included():
    campaign = _campaign(total_budget_cop=600_000, end_date=START + timedelta(days=9))
    assert budget_for_day(campaign, 0, START) == 60_000
    # Underspent days leave more for the others, up to the cap.
    assert budget_for_day(campaign, 100_000, START + timedelta(days=5)) == 100_000
    assert budget_for_day(campaign, 450_000, START + timedelta(days=7)) == 50_000


def test_fast_pacing_and_a_total_without_an_end_spend_up_to_the_cap_until_the_total():
    for values in ({"pacing": "fast", "end_date": START + timedelta(days=9)}, {}):
        campaign = _campaign(total_budget_cop=250_000, **values)
        assert budget_for_day(campaign, 0, START) == 100_000
        assert budget_for_day(campaign, 200_000, START + timedelta(days=2)) == 50_000
        assert budget_for_day(campaign, 260_000, START + timedelta(days=3)) == 0


@pytest.mark.parametrize("seed", range(40))
def test_the_days_budgets_spent_never_exceed_the_total_nor_the_cap(seed):
    rng = np.random.default_rng(seed)
    days = int(rng.integers(1, 40))
    campaign = _campaign(
        daily_budget_cop=int(rng.integers(10_000, 500_000)),
        total_budget_cop=int(rng.integers(10_000, 5_000_000)),
        pacing=str(rng.choice(["even", "fast"])),
        end_date=START + timedelta(days=days - 1) if rng.random() < 0.8 else None,
    )
    spent = 0
    for offset in range(days + 5):
        budget = budget_for_day(campaign, spent, START + timedelta(days=offset))
        assert 0 <= budget <= campaign.daily_budget_cop
        # Platforms may deliver less than the budget, never (here) more.
        spent += int(budget * rng.uniform(0.5, 1.0)) if rng.random() < 0.3 else budget
        assert spent <= campaign.total_budget_cop
