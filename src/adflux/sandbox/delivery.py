"""Simulated delivery: impressions, clicks and spend that grow with the time an ad has been active.

Deterministic: the same ad id, status history and clock give the same figures, so tests can check
exact numbers. Every emulated platform reports these through its own insights/stats/report shape.
"""

from __future__ import annotations

import hashlib
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


def daily_figures(
    *,
    seed: str,
    intervals: Sequence[tuple[float, float]],
    since: date,
    until: date,
    daily_budget: int,
) -> list[DayFigures]:
    """Figures for each day in [since, until] with any delivery (days without it are omitted)."""
    digest = hashlib.sha256(seed.encode()).digest()
    per_hour = 300 + digest[0] * 600 // 255  # impressions per active hour
    ctr = 0.008 + digest[1] * 0.017 / 255  # 0.8 % .. 2.5 %
    cpm = 8_000 + digest[2] * 7_000 // 255  # COP per thousand impressions
    result = []
    day = since
    while day <= until:
        start = datetime(day.year, day.month, day.day, tzinfo=ACCOUNT_TZ).timestamp()
        end = start + 86_400
        active_s = sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)
        impressions = int(active_s / 3600 * per_hour)
        spend = impressions * cpm // 1000
        if daily_budget and spend > daily_budget:
            # Pacing: the platform stops delivering once the day's budget is spent.
            impressions = daily_budget * 1000 // cpm
            spend = impressions * cpm // 1000
        if impressions:
            result.append(DayFigures(day, impressions, int(impressions * ctr), spend))
        day += timedelta(days=1)
    return result


def local_day(epoch_s: float) -> date:
    """The account-local calendar day of a moment."""
    return datetime.fromtimestamp(epoch_s, ACCOUNT_TZ).date()
