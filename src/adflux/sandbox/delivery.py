"""Delivery time: when an ad's whole chain was active, in the account's time zone.

The figures themselves come from the simulated market (`adflux.sandbox.market`), which every
emulated platform reports through its own insights/stats/report shape.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# Colombian ad accounts report in America/Bogota, which has no daylight saving: UTC-5 all year.
ACCOUNT_TZ = timezone(timedelta(hours=-5))

StatusLog = Sequence[Sequence[float | bool]]  # [(epoch_seconds, is_active), ...] in time order


@dataclass(frozen=True)
class DayFigures:
    day: date
    impressions: int
    clicks: int
    spend: int  # whole currency units (COP)


def status_entry(now: float, active: bool) -> list[float | bool]:
    """One entry for an object's status log (stored as a JSON list)."""
    return [now, active]


def active_intervals(logs: Iterable[StatusLog], now: float) -> list[tuple[float, float]]:
    """Intervals during which every object in the chain (campaign, ad set, ad) was active."""
    logs = [list(log) for log in logs]
    if not logs or any(not log for log in logs):
        return []
    points = sorted({float(t) for log in logs for t, _ in log if float(t) < now} | {now})
    intervals: list[tuple[float, float]] = []
    for start, end in itertools.pairwise(points):
        if all(_state_at(log, start) for log in logs):
            if intervals and intervals[-1][1] == start:
                intervals[-1] = (intervals[-1][0], end)
            else:
                intervals.append((start, end))
    return intervals


def clip(
    intervals: Sequence[tuple[float, float]], start: float | None, end: float | None
) -> list[tuple[float, float]]:
    """The parts of `intervals` inside the ad's schedule [start, end)."""
    low, high = (
        start if start is not None else float("-inf"),
        end if end is not None else float("inf"),
    )
    return [(max(a, low), min(b, high)) for a, b in intervals if min(b, high) > max(a, low)]


def _state_at(log: Sequence[Sequence[float | bool]], moment: float) -> bool:
    state = False
    for t, active in log:
        if float(t) <= moment:
            state = bool(active)
        else:
            break
    return state


def local_day(epoch_s: float) -> date:
    """The account-local calendar day of a moment."""
    return datetime.fromtimestamp(epoch_s, ACCOUNT_TZ).date()
