from __future__ import annotations

from datetime import timedelta

import pytest

from adflux import clock
from adflux.campaigns.service import campaign_today


@pytest.fixture(autouse=True)
def _wall_clock():
    yield
    clock.set_offset(timedelta(0))


def test_a_simulated_week_moves_the_campaigns_today_with_it():
    before = campaign_today()
    clock.set_offset(timedelta(days=7))
    assert campaign_today() - before in (timedelta(days=7), timedelta(days=8))  # midnight race
    assert clock.offset() == timedelta(days=7)


def test_the_clock_never_goes_behind_the_wall_clock():
    with pytest.raises(ValueError, match="only moves ahead"):
        clock.set_offset(timedelta(seconds=-1))
    assert clock.offset() == timedelta(0)
