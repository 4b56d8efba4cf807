"""AdFlux's current time: the wall clock, moved ahead only in a simulation.

The sandbox's market clock can be advanced (a week of results in seconds, for the demo and tests).
AdFlux must then live on the same days as the platforms it reads, or a results sync would ask for
days that, to it, have not happened yet. In production nothing moves it: the offset is zero unless
the embedded demo or a test sets it, or `ADFLUX_SIMULATED_OFFSET_S` is set for a process that runs
beside an advanced sandbox.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta(seconds=float(os.environ.get("ADFLUX_SIMULATED_OFFSET_S") or 0))


def now() -> datetime:
    """The current moment (timezone-aware, UTC), simulated offset included."""
    return datetime.now(UTC) + offset()


def offset() -> timedelta:
    with _lock:
        return _offset


def set_offset(value: timedelta) -> None:
    """Move this process's clock to `value` ahead of the wall clock (never behind it)."""
    global _offset
    if value < timedelta(0):
        raise ValueError("the simulated clock only moves ahead of the wall clock")
    with _lock:
        _offset = value
