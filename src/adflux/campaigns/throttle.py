"""Client-side pacing per platform, shared by every worker.

The platforms answer an exceeded limit with a rate-limit error, which the attempt honours; pacing
keeps AdFlux from getting there. X allows 450 writes per minute per endpoint and every X
publication writes each endpoint about once, so a publication budget per minute per platform keeps
every endpoint under its limit however many workers run. Budgets come from
``ADFLUX_PUBLISH_RATE_PER_MINUTE`` (JSON, e.g. ``{"x": 400, "meta": 360}``): at most that many
publications of the platform start in any 60 seconds.

Slots are booked with the generic cell rate algorithm (GCRA): a short burst goes at once, the rest
is spaced evenly, and every caller is told exactly when its own slot comes. Fixed one-minute
windows, the simpler design, let twice the budget through across a window boundary (X counts in
its own windows, not ours) and sent every waiting publication back at the same instant.

With a Redis broker the schedule lives in Redis (one key per platform, updated atomically by a
script on Redis's own clock, so workers on several hosts agree); in embedded mode, where one
process does all the work, it is kept in memory.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

WINDOW_S = 60.0
BURST_SHARE = 0.05  # of the budget that may start at once


class Throttle(Protocol):
    def reserve(self, platform: str) -> float:
        """Book the platform's next publishing slot: the seconds until it comes (0 = go now)."""


@dataclass(frozen=True)
class Pace:
    """A budget of `limit` starts in any window as a burst plus evenly spaced slots.

    With a burst of b slots and one slot every `interval_s`, a window of 60 s holds at most
    b + 60 / interval_s = limit starts.
    """

    interval_s: float
    tolerance_s: float

    @classmethod
    def per_minute(cls, limit: int) -> Pace:
        burst = max(1, math.floor(limit * BURST_SHARE))
        spaced = max(1, limit - burst)
        interval = WINDOW_S / spaced
        return cls(interval_s=interval, tolerance_s=interval * (burst - 1))

    def book(self, next_free: float, now: float) -> tuple[float, float]:
        """(the schedule's new next-free time, the wait for the slot just booked)."""
        theoretical = max(next_free, now)
        wait = max(0.0, theoretical - self.tolerance_s - now)
        return theoretical + self.interval_s, wait


def paces(per_minute: dict[str, int]) -> dict[str, Pace]:
    return {platform: Pace.per_minute(limit) for platform, limit in per_minute.items() if limit}


class LocalThrottle:
    """The schedule in this process's memory, for the embedded mode."""

    def __init__(self, per_minute: dict[str, int]):
        self._paces = paces(per_minute)
        self._next_free: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, platform: str) -> float:
        pace = self._paces.get(platform)
        if pace is None:
            return 0.0
        with self._lock:
            self._next_free[platform], wait = pace.book(
                self._next_free.get(platform, 0.0), time.monotonic()
            )
        return wait


# Pace.book on Redis's clock, atomically. Lua numbers come back to the client as integers, so the
# wait travels as a string.
_BOOK = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local theoretical = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local wait = math.max(0, theoretical - tolerance - now)
local next_free = theoretical + interval
redis.call('SET', KEYS[1], string.format('%.6f', next_free),
           'PX', math.ceil((next_free - now) * 1000) + 60000)
return string.format('%.6f', wait)
"""


class RedisThrottle:
    """The schedule in Redis, so every worker process books from one budget per platform."""

    def __init__(self, url: str, per_minute: dict[str, int], *, prefix: str = "adflux:pace"):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._book = self._redis.register_script(_BOOK)
        self._paces = paces(per_minute)
        self._prefix = prefix

    def reserve(self, platform: str) -> float:
        pace = self._paces.get(platform)
        if pace is None:
            return 0.0
        try:
            wait = self._book(
                keys=[f"{self._prefix}:{platform}"], args=[pace.interval_s, pace.tolerance_s]
            )
        except Exception as exc:  # redis-py raises several types for "unreachable"
            # Without Redis the broker is down too; the platforms' own limits still apply.
            log.warning("pacing store unreachable (%s); publishing without pacing", exc)
            return 0.0
        return float(wait)
