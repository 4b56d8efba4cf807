"""The platforms this app can publish on: a directory built from the registry and the settings.

Tests install an in-memory directory of fake adapters; production and the sandbox use the registry.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from adflux.campaigns.claims import BEATS_PER_STALE_PERIOD, ClaimHeartbeat
from adflux.campaigns.images import PLATFORM_IMAGE_SIZE, can_draw
from adflux.campaigns.throttle import Throttle
from adflux.extensions import db
from adflux.platforms.base import PlatformAdapter
from adflux.platforms.registry import PlatformInfo

# The smallest daily budget (COP) each platform accepts for what AdFlux publishes, the one table
# every check reads (API, dashboard, CLI). USD figures at 4,000 COP per USD, as the sandbox uses
# them; tests/integration/sandbox/test_minimum_budgets.py proves the sandbox refuses one peso less.
MIN_DAILY_BUDGET_COP = {
    # Meta Business Help "About minimum budgets": COP is not among the 16 higher-floor
    # currencies, and AdFlux's ad sets are charged for impressions: USD 0.50 a day.
    "meta": 2_000,
    # Google documents no fixed floor (a budget under the campaign's own minimum is answered with
    # BudgetPerDayMinimumErrorDetails); AdFlux's floor, so a job ad gets some clicks a day.
    "google": 10_000,
    # X Ads documents no minimum daily budget; AdFlux's floor, as for Google.
    "x": 5_000,
    # TikTok Help "About budgets": an ad group's daily budget must exceed USD 20.
    "tiktok": 80_000,
    # Snap Ads API "Ad Squads": daily_budget_micro at least 5,000,000, i.e. USD 5 a day.
    "snapchat": 20_000,
}

EXTENSION_KEY = "adflux_platforms"
THROTTLE_KEY = "adflux_throttle"
CLAIMS_KEY = "adflux_claims"


class PlatformDirectory(Protocol):
    def infos(self) -> list[PlatformInfo]: ...

    def adapter(self, name: str) -> PlatformAdapter: ...


class RegistryDirectory:
    """Adapters from the platform registry, configured from the environment.

    One adapter per platform and process, shared by its threads: the SDK clients, HTTP keep-alive
    connections and gRPC channels an adapter opens then serve every publication instead of being
    rebuilt (and, for gRPC, handshaken) for each one. Adapters are thread-safe for this reason.
    """

    def __init__(self) -> None:
        from adflux.platforms.settings import load_platform_settings

        self.settings = load_platform_settings()
        self._adapters: dict[str, PlatformAdapter] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def infos(self) -> list[PlatformInfo]:
        from adflux.platforms import registry  # adapter modules (and SDKs) load on first use

        return registry.available_platforms(self.settings)

    def adapter(self, name: str) -> PlatformAdapter:
        from adflux.platforms import registry

        with self._lock:
            if self._pid != os.getpid():
                # A forked child: gRPC channels and sockets opened before the fork are unusable.
                self._adapters.clear()
                self._pid = os.getpid()
            adapter = self._adapters.get(name)
            if adapter is None:
                # An unavailable platform raises here every time, with today's reason.
                adapter = self._adapters[name] = registry.get_adapter(name, self.settings)
            return adapter


def init_platforms(app: Flask, directory: PlatformDirectory | None = None) -> None:
    from adflux.campaigns.throttle import LocalThrottle, RedisThrottle

    # With a pace store every worker shares the pacing; without one, one process does the work
    # (`adflux worker` refuses to start a second worker then).
    app.extensions[EXTENSION_KEY] = directory or RegistryDirectory()
    settings = app.config["ADFLUX_SETTINGS"]
    store = settings.pace_store_url
    per_minute, per_hour = settings.publish_rate_per_minute, settings.publish_rate_per_hour
    app.extensions[THROTTLE_KEY] = (
        RedisThrottle(store, per_minute, per_hour=per_hour)
        if store
        else LocalThrottle(per_minute, per_hour=per_hour)
    )

    def engine() -> sa.Engine:
        with app.app_context():
            return db.engine

    app.extensions[CLAIMS_KEY] = ClaimHeartbeat(
        engine, interval_s=settings.claim_stale_after_s / BEATS_PER_STALE_PERIOD
    )


def claim_heartbeat() -> ClaimHeartbeat:
    return current_app.extensions[CLAIMS_KEY]  # type: ignore[no-any-return]


def platform_throttle() -> Throttle:
    return current_app.extensions[THROTTLE_KEY]  # type: ignore[no-any-return]


def platform_directory() -> PlatformDirectory:
    return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


def adapter_for(name: str) -> PlatformAdapter:
    return platform_directory().adapter(name)


def min_custom_audience(name: str) -> int:
    """The fewest matched people a custom audience needs to be targeted on the platform."""
    return adapter_for(name).min_custom_audience


def platform_infos() -> list[PlatformInfo]:
    """Every platform with `ready` set only when a publication on it can succeed here: its SDK
    imports, its settings are complete, and the ad image its ads show can be drawn."""
    return [_readiness(info) for info in platform_directory().infos()]


def _readiness(info: PlatformInfo) -> PlatformInfo:
    if not (info.available and info.configured):
        return dataclasses.replace(info, ready=False)
    if info.name in PLATFORM_IMAGE_SIZE:
        drawable, why = can_draw()
        if not drawable:
            return dataclasses.replace(info, ready=False, reason=f"no ad image: {why}")
    return dataclasses.replace(info, ready=True)
