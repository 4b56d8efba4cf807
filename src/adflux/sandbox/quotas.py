"""Report rate limits: a sliding window of calls per platform bucket, on the sandbox's clock.

Each emulated report endpoint takes one call from its bucket with the platform's documented
limit (see the module serving it) and, when the window is full, answers with that platform's own
rate-limit error and the wait until the oldest call leaves the window. A test (or a benchmark)
may set a smaller or larger limit for a bucket with `override`; `clear` forgets calls and
overrides. The window follows the sandbox clock, so advancing the clock past it frees the bucket.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """At most `calls` calls in any `window_s` seconds."""

    calls: int
    window_s: float


class Quotas:
    """Thread-safe call windows keyed by bucket, e.g. "x:stats" or "meta:ads_insights"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = {}
        self._overrides: dict[str, Limit] = {}

    def override(self, bucket: str, limit: Limit | None) -> None:
        """Use `limit` for `bucket` instead of the platform's documented one (None: undo)."""
        with self._lock:
            if limit is None:
                self._overrides.pop(bucket, None)
            else:
                self._overrides[bucket] = limit

    def take(self, bucket: str, limit: Limit, now: float) -> int | None:
        """Count one call now; None when it fits, else the whole seconds until one would fit
        (and the refused call is not counted, as the platforms do not count them)."""
        with self._lock:
            limit = self._overrides.get(bucket, limit)
            calls = self._calls.setdefault(bucket, deque())
            while calls and (calls[0] <= now - limit.window_s or calls[0] > now):
                calls.popleft()  # left the window (or ahead of a clock that was reset)
            if len(calls) >= limit.calls:
                return max(1, math.ceil(calls[0] + limit.window_s - now))
            calls.append(now)
            return None

    def used(self, bucket: str) -> int:
        """Calls counted in the bucket's window so far (for usage headers)."""
        with self._lock:
            return len(self._calls.get(bucket, ()))

    def clear(self, platform: str | None = None) -> None:
        """Forget the calls and overrides of one platform's buckets ("meta:..."), or of all."""
        with self._lock:
            for store in (self._calls, self._overrides):
                for bucket in list(store):
                    if platform is None or bucket.split(":", 1)[0] == platform:
                        del store[bucket]
