"""Client-side pacing per platform, shared by every worker.

The platforms answer an exceeded limit with a rate-limit error, which the attempt honours; pacing
keeps AdFlux from getting there. X allows 450 writes per minute per endpoint and every X
publication writes each endpoint about once, so a publication budget per minute per platform keeps
every endpoint under its limit however many workers run. Budgets come from
``ADFLUX_PUBLISH_RATE_PER_MINUTE`` (JSON, e.g. ``{"x": 400, "meta": 200}``).

With a Redis broker the count is shared through Redis (one fixed one-minute window per platform);
in embedded mode, where one process does all the work, it is kept in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

log = logging.getLogger(__name__)

WINDOW_S = 60


class Throttle(Protocol):
    def reserve(self, platform: str) -> float:
        """Take one publication slot; 0 to go now, else the seconds until a slot frees."""


def _until_next_window(now: float) -> float:
    return WINDOW_S - (now % WINDOW_S) + 0.05


class LocalThrottle:
    """Per-process counting, for the embedded mode."""

    def __init__(self, per_minute: dict[str, int]):
        self._per_minute = per_minute
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def reserve(self, platform: str) -> float:
        limit = self._per_minute.get(platform)
        if not limit:
            return 0.0
        now = time.time()
        window = int(now // WINDOW_S)
        with self._lock:
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            used = self._counts.get((platform, window), 0)
            if used >= limit:
                return _until_next_window(now)
            self._counts[(platform, window)] = used + 1
        return 0.0


class RedisThrottle:
    """Counting in Redis, so every worker process shares one budget per platform."""

    def __init__(self, url: str, per_minute: dict[str, int], *, prefix: str = "adflux:pace"):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._per_minute = per_minute
        self._prefix = prefix

    def reserve(self, platform: str) -> float:
        limit = self._per_minute.get(platform)
        if not limit:
            return 0.0
        now = time.time()
        key = f"{self._prefix}:{platform}:{int(now // WINDOW_S)}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, WINDOW_S * 2)
            used, _ = pipe.execute()
        except Exception as exc:  # redis-py raises several types for "unreachable"
            # Without Redis the broker is down too; the platforms' own limits still apply.
            log.warning("pacing store unreachable (%s); publishing without pacing", exc)
            return 0.0
        return 0.0 if int(used) <= limit else _until_next_window(now)
