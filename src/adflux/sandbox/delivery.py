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
BudgetLog = tuple[tuple[float, int], ...]  # ((epoch_seconds, daily budget COP), ...) in time order


@dataclass(frozen=True)
class DayFigures:
    day: date
    impressions: int
    clicks: int
    spend: int  # whole currency units (COP)


def status_entry(now: float, active: bool) -> list[float | bool]:
    """One entry for an object's status log (stored as a JSON list)."""
    return [now, active]


def record_budget(obj: dict, old_cop: int, new_cop: int, now: float) -> None:
    """Note in an object's `_budget_log` that its daily budget became `new_cop` at `now`.

    The market reads each day's budget from this log (`budget_on`), so a change moves delivery
    from the day it was made on and leaves the days already delivered as they were. An object
    created before any change holds its first budget "since always" (time 0)."""
    log = obj.setdefault("_budget_log", [[0.0, int(old_cop)]])
    log.append([now, int(new_cop)])


def budget_log(obj: dict, current_cop: int) -> BudgetLog:
    """The object's budget history as `record_budget` kept it, or its current budget since
    always when it was never changed."""
    log = obj.get("_budget_log")
    if not log:
        return ((0.0, int(current_cop)),)
    return tuple((float(t), int(cop)) for t, cop in log)


def budget_on(log: BudgetLog, day: date) -> int:
    """The daily budget in force on an account-local day: the last one set before the day ended
    (a change made during a day applies to that whole day, as the day is the unit delivered)."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), ACCOUNT_TZ).timestamp()
    held = log[0][1]
    for moment, cop in log:
        if moment < end:
            held = cop
        else:
            break
    return held


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
