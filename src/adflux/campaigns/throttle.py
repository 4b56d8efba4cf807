"""Client-side pacing per platform, shared by every worker.

The platforms answer an exceeded limit with a rate-limit error, which the attempt honours; pacing
keeps AdFlux from getting there. X allows 450 writes per minute per endpoint and every X
publication writes each endpoint about once, so a publication budget per minute per platform keeps
every endpoint under its limit however many workers run. Budgets come from
``ADFLUX_PUBLISH_RATE_PER_MINUTE`` (JSON, e.g. ``{"x": 400}``): at most that many publications of
the platform start in any 60 seconds; and ``ADFLUX_PUBLISH_RATE_PER_HOUR`` for quotas counted over
a rolling hour (Meta's), whose burst then covers a whole batch of campaigns at once.

Slots are booked with the generic cell rate algorithm (GCRA): a short burst goes at once, the rest
is spaced evenly, and every caller is told exactly when its own slot comes. Fixed one-minute
windows, the simpler design, let twice the budget through across a window boundary (X counts in
its own windows, not ours) and sent every waiting publication back at the same instant.

With a pace store (ADFLUX_PACE_REDIS_URL, or a Redis broker) the schedule lives in Redis (one key
per platform and budget, updated atomically by a script on Redis's own clock, so workers on several
hosts agree); in embedded mode, where one process does all the work, it is kept in memory. A key
names its budget, so a changed rate starts a schedule of its own instead of waiting out slots
booked at the old one.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

MINUTE_S, HOUR_S = 60.0, 3600.0
BURST_SHARE = 0.05  # of the budget that may start at once


class Throttle(Protocol):
    def reserve(self, platform: str) -> float:
        """Book the platform's next publishing slot: the seconds until it comes (0 = go now)."""


@dataclass(frozen=True)
class Pace:
    """A budget of `limit` starts in any window as a burst plus evenly spaced slots.

    With a burst of b slots and one slot every `interval_s`, a window of `window_s` holds at most
    b + window_s / interval_s = limit starts.
    """

    window_s: float
    interval_s: float
    tolerance_s: float
    limit: int = 0

    @classmethod
    def within(cls, limit: int, window_s: float) -> Pace:
        burst = max(1, math.floor(limit * BURST_SHARE))
        spaced = max(1, limit - burst)
        interval = window_s / spaced
        return cls(
            window_s=window_s, interval_s=interval, tolerance_s=interval * (burst - 1), limit=limit
        )

    @property
    def key(self) -> str:
        """The schedule's name: its window and budget (a new rate, a new schedule)."""
        return f"{self.window_s:.0f}s:{self.limit}"

    @property
    def burst(self) -> int:
        return 1 + round(self.tolerance_s / self.interval_s)

    def book(self, next_free: float, now: float) -> tuple[float, float]:
        """(the schedule's new next-free time, the wait for the slot just booked)."""
        theoretical = max(next_free, now)
        return theoretical + self.interval_s, _microseconds(theoretical - self.tolerance_s - now)


def _microseconds(wait: float) -> float:
    """A wait in whole microseconds, rounded up (never early); a nanosecond's is float noise in
    the schedule's sums, not a wait. The Redis script does the same."""
    return 0.0 if wait < 1e-9 else math.ceil(wait * 1e6) / 1e6


def paces(
    per_minute: Mapping[str, int], per_hour: Mapping[str, int] | None = None
) -> dict[str, tuple[Pace, ...]]:
    """Each platform's budgets; a publication waits for its slot in every one of them."""
    found: dict[str, list[Pace]] = {}
    for window_s, budgets in ((MINUTE_S, per_minute), (HOUR_S, per_hour or {})):
        for platform, limit in budgets.items():
            if limit:
                found.setdefault(platform, []).append(Pace.within(limit, window_s))
    return {platform: tuple(budgets) for platform, budgets in found.items()}


class LocalThrottle:
    """The schedules in this process's memory, for the embedded mode."""

    def __init__(self, per_minute: Mapping[str, int], *, per_hour: Mapping[str, int] | None = None):
        self._paces = paces(per_minute, per_hour)
        self._next_free: dict[tuple[str, float], float] = {}
        self._lock = threading.Lock()

    def reserve(self, platform: str) -> float:
        wait = 0.0
        now = time.monotonic()
        with self._lock:
            for pace in self._paces.get(platform, ()):
                key = (platform, pace.window_s)
                self._next_free[key], slot_wait = pace.book(self._next_free.get(key, 0.0), now)
                wait = max(wait, slot_wait)
        return wait


# Pace.book on Redis's clock for every budget of a platform (KEYS[i] with ARGV[2i-1] interval,
# ARGV[2i] tolerance), atomically. Lua numbers come back to the client as integers, so the wait
# travels as a string.
_BOOK = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local longest = 0
for i, key in ipairs(KEYS) do
  local interval, tolerance = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local theoretical = math.max(tonumber(redis.call('GET', key) or '0'), now)
  local wait = theoretical - tolerance - now
  if wait >= 1e-9 then longest = math.max(longest, math.ceil(wait * 1e6) / 1e6) end
  local next_free = theoretical + interval
  redis.call('SET', key, string.format('%.6f', next_free),
             'PX', math.ceil((next_free - now) * 1000) + 60000)
end
return string.format('%.6f', longest)
"""


class RedisThrottle:
    """The schedule in Redis, so every worker process books from one budget per platform."""

    def __init__(
        self,
        url: str,
        per_minute: Mapping[str, int],
        *,
        per_hour: Mapping[str, int] | None = None,
        prefix: str = "adflux:pace",
    ):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._book = self._redis.register_script(_BOOK)
        self._paces = paces(per_minute, per_hour)
        self._prefix = prefix

    def reserve(self, platform: str) -> float:
        budgets = self._paces.get(platform)
        if not budgets:
            return 0.0
        keys = [f"{self._prefix}:{platform}:{pace.key}" for pace in budgets]
        args = [value for pace in budgets for value in (pace.interval_s, pace.tolerance_s)]
        try:
            wait = self._book(keys=keys, args=args)
        except Exception as exc:  # redis-py raises several types for "unreachable"
            # Without Redis the broker is down too; the platforms' own limits still apply.
            log.warning("pacing store unreachable (%s); publishing without pacing", exc)
            return 0.0
        return float(wait)
