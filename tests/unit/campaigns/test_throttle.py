"""Per-platform pacing in one process: a burst, then evenly spaced slots, never over the budget."""

from __future__ import annotations

import random

import pytest

from adflux.campaigns import throttle
from adflux.campaigns.throttle import LocalThrottle, Pace


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(throttle.time, "monotonic", lambda: now[0])
    return now


def test_a_burst_goes_at_once_then_slots_are_spaced_evenly(clock):
    pace = LocalThrottle({"x": 40})  # burst 2, then one slot every 60/38 s
    waits = [pace.reserve("x") for _ in range(5)]
    interval = 60 / 38
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([interval, 2 * interval, 3 * interval])


def test_every_caller_learns_its_own_slot_so_a_backlog_does_not_come_back_at_once(clock):
    pace = LocalThrottle({"x": 430})
    waits = [pace.reserve("x") for _ in range(1000)]
    assert waits == sorted(waits)
    assert len(set(waits[30:])) == len(waits[30:])  # no two waiting publications share a slot


def test_platforms_have_budgets_of_their_own(clock):
    pace = LocalThrottle({"x": 1, "meta": 1})
    assert pace.reserve("x") == 0.0
    assert pace.reserve("x") == pytest.approx(60.0)
    assert pace.reserve("meta") == 0.0  # platforms do not share a budget
    assert pace.reserve("google") == 0.0  # no budget configured: never paced


def test_an_idle_platform_gets_its_burst_back(clock):
    pace = LocalThrottle({"x": 40})
    for _ in range(10):
        pace.reserve("x")
    clock[0] += 3600
    assert [pace.reserve("x") for _ in range(2)] == [0.0, 0.0]
    assert pace.reserve("x") > 0


def test_an_hourly_quota_lets_a_batch_go_at_once_and_the_stricter_budget_decides(clock):
    pace = LocalThrottle({"meta": 40}, per_hour={"meta": 24_000, "x": 1_000})
    assert [pace.reserve("meta") for _ in range(2)] == [0.0, 0.0]
    assert pace.reserve("meta") == pytest.approx(60 / 38)  # the minute's budget is stricter
    batch = [pace.reserve("x") for _ in range(50)]  # hourly only: a burst of 50
    assert batch == [0.0] * 50
    assert pace.reserve("x") == pytest.approx(3600 / 950)


@pytest.mark.parametrize("window_s", [60.0, 3600.0])
@pytest.mark.parametrize("limit", [1, 7, 40, 200, 430])
@pytest.mark.parametrize("arrivals", ["all at once", "steady", "random"])
def test_no_window_ever_holds_more_starts_than_the_budget(limit, arrivals, window_s):
    pace, rng = Pace.within(limit, window_s), random.Random(limit)
    now, next_free, starts = 0.0, 0.0, []
    for number in range(5 * limit + 50):
        if arrivals == "steady":
            now = number * window_s / 1200
        elif arrivals == "random":
            now += rng.expovariate(3 * limit / window_s)
        next_free, wait = pace.book(next_free, now)
        starts.append(now + wait)
    starts.sort()
    # Two starts exactly one window apart would share one of X's windows: count half-open ones,
    # short by the microsecond that waits are rounded up to.
    ends = 0
    busiest = 0
    for first_index, first in enumerate(starts):
        while ends < len(starts) and starts[ends] < first + window_s - 1e-6:
            ends += 1
        busiest = max(busiest, ends - first_index)
    assert busiest <= limit
