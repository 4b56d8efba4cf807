"""Fault injection: per platform, added latency and a share of calls answered with a failure.

Each platform module turns a drawn fault into that platform's own answer (Meta code 80004 with a
usage header, X 429 with reset headers, TikTok code 40100 ...). A "timeout" fault lets the call
succeed on the sandbox side and then holds the response longer than any client waits, because that
is what makes a real timeout dangerous: the object may exist although the caller never saw its id.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

RATE_LIMIT = "rate_limit"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"
KINDS = (RATE_LIMIT, SERVER_ERROR, TIMEOUT)


@dataclass(frozen=True)
class FaultPlan:
    """What to inject for one platform. Shares are probabilities in [0, 1] for each call."""

    latency_ms: int = 0
    rate_limit: float = 0.0
    server_error: float = 0.0
    timeout: float = 0.0
    # Apply the failure shares only to the next N calls, then clear them: deterministic tests.
    times: int | None = None
    # Wait the platform asks for in a rate-limit answer.
    retry_after_s: int = 60
    # How long a "timeout" holds the response; longer than the adapter's client timeout.
    timeout_hold_s: float = 5.0
    # A platform-specific flavour of the failure, e.g. Meta rate-limit code "613" or "17".
    variant: str | None = None
    # Only calls whose "METHOD /path" (or gRPC method name) contains this text are affected.
    match: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        plan = cls(**data)
        for share in (plan.rate_limit, plan.server_error, plan.timeout):
            if not 0.0 <= float(share) <= 1.0:
                raise ValueError("fault shares must be between 0 and 1")
        if plan.rate_limit + plan.server_error + plan.timeout > 1.0:
            raise ValueError("fault shares add up to more than 1")
        return plan


@dataclass(frozen=True)
class Draw:
    """The outcome for one call: how long to wait first, and which failure (None = answer well)."""

    latency_s: float
    fault: str | None
    plan: FaultPlan


class Faults:
    """Thread-safe plans per platform with a seeded random source (reproducible runs)."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._plans: dict[str, FaultPlan] = {}
        self._random = random.Random(seed)

    def set(self, platform: str, plan: FaultPlan) -> None:
        with self._lock:
            self._plans[platform] = plan

    def clear(self, platform: str | None = None) -> None:
        with self._lock:
            if platform is None:
                self._plans.clear()
            else:
                self._plans.pop(platform, None)

    def plans(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {name: asdict(plan) for name, plan in self._plans.items()}

    def draw(self, platform: str, call: str = "") -> Draw:
        """Decide the fate of one incoming call on `platform` (`call`: "POST /v26.0/...")."""
        with self._lock:
            plan = self._plans.get(platform, FaultPlan())
            if plan.match is not None and plan.match not in call:
                return Draw(latency_s=plan.latency_ms / 1000.0, fault=None, plan=plan)
            fault = None
            roll = self._random.random()
            for kind in KINDS:
                share = getattr(plan, kind)
                if roll < share:
                    fault = kind
                    break
                roll -= share
            if plan.times is not None:
                left = plan.times - 1
                if left <= 0:
                    self._plans[platform] = FaultPlan(latency_ms=plan.latency_ms)
                else:
                    self._plans[platform] = replace(plan, times=left)
            return Draw(latency_s=plan.latency_ms / 1000.0, fault=fault, plan=plan)
