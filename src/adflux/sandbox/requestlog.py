"""The sandbox's request log: every platform call it received, for tests and people to inspect.

An entry holds the platform, the method, the path *without* its query string, the answer's
status and the time, nothing else: Meta sends the access token in the query string, and headers
and bodies carry tokens, hashes and signatures. The log is bounded (oldest entries dropped) so a
long-running sandbox does not grow without end; `seq` keeps counting, so a reader can ask for
what came after the last entry it saw.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class LoggedRequest:
    """One call: `status` is the HTTP status code, or the gRPC status name (e.g. "OK")."""

    seq: int
    time: str  # ISO 8601, UTC, wall-clock (not the sandbox's adjustable clock)
    platform: str
    protocol: str  # "http" | "grpc"
    method: str
    path: str
    status: int | str


class RequestLog:
    """Thread-safe: the HTTP server's threads and the gRPC workers append concurrently."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=max_entries)
        self._lock = threading.Lock()
        self._seq = 0

    def record(
        self, *, platform: str, protocol: str, method: str, path: str, status: int | str
    ) -> None:
        # Strip any query string here too: no caller can put a token into the log by mistake.
        clean_path = path.split("?", 1)[0]
        moment = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._lock:
            self._seq += 1
            self._entries.append(
                LoggedRequest(self._seq, moment, platform, protocol, method, clean_path, status)
            )

    def entries(self, *, platform: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """Entries with `seq` > `after`, oldest first, of one platform or all."""
        with self._lock:
            kept = list(self._entries)
        return [
            asdict(e)
            for e in kept
            if e.seq > after and (platform is None or e.platform == platform)
        ]

    def clear(self, platform: str | None = None) -> None:
        with self._lock:
            if platform is None:
                self._entries.clear()
            else:
                kept = [e for e in self._entries if e.platform != platform]
                self._entries.clear()
                self._entries.extend(kept)
