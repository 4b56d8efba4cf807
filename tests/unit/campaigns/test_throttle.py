"""Per-platform pacing in one process."""

from __future__ import annotations

from adflux.campaigns import throttle
from adflux.campaigns.throttle import LocalThrottle


def test_budget_per_platform_per_minute(monkeypatch):
    monkeypatch.setattr(throttle.time, "time", lambda: 600.0 + 12.0)  # 12 s into a window
    pace = LocalThrottle({"x": 2, "meta": 1})
    assert [pace.reserve("x") for _ in range(2)] == [0.0, 0.0]
    wait = pace.reserve("x")
    assert 47.9 < wait < 48.2  # until the next minute starts
    assert pace.reserve("meta") == 0.0  # platforms do not share a budget
    assert pace.reserve("google") == 0.0  # no budget configured: never paced


def test_a_new_window_refills_the_budget(monkeypatch):
    clock = [600.0]
    monkeypatch.setattr(throttle.time, "time", lambda: clock[0])
    pace = LocalThrottle({"x": 1})
    assert pace.reserve("x") == 0.0
    assert pace.reserve("x") > 0
    clock[0] += 60
    assert pace.reserve("x") == 0.0
