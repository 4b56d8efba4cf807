"""The platform adapters this app uses, from the registry and the platform settings.

Tests swap the factory for an in-memory fake; production and the sandbox use the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from adflux.platforms.base import PlatformAdapter

AdapterFactory = Callable[[str], PlatformAdapter]

# The platforms AdFlux publishes on, in display order. TikTok's adapter exists but the product
# offers it once Magneto has an ad account there (ARCHITECTURE.md: "TikTok next").
PUBLISHING_PLATFORMS = ("meta", "google", "x", "tiktok")

# AdFlux's floor for a daily budget per platform, in COP: under these the platforms refuse the ad
# set or barely deliver (Meta ~USD 1/day, TikTok ad groups USD 20/day).
MIN_DAILY_BUDGET_COP = {"meta": 5_000, "google": 10_000, "x": 5_000, "tiktok": 80_000}


@dataclass(frozen=True)
class PlatformInfo:
    name: str
    display_name: str
    configured: bool
    available: bool
    reason: str


def init_adapters(app: Flask) -> None:
    from adflux.platforms.settings import load_platform_settings

    settings = load_platform_settings()
    app.extensions["adflux_platform_settings"] = settings

    def from_registry(name: str) -> PlatformAdapter:
        from adflux.platforms import registry  # SDKs load on first use, not at start-up

        return registry.get_adapter(name, settings)

    app.extensions["adflux_adapter_factory"] = from_registry


def adapter_for(name: str) -> PlatformAdapter:
    factory: AdapterFactory = current_app.extensions["adflux_adapter_factory"]
    return factory(name)


def platform_infos() -> list[PlatformInfo]:
    from adflux.platforms import registry

    settings = current_app.extensions["adflux_platform_settings"]
    infos = []
    for entry in registry.available_platforms(settings):
        infos.append(
            PlatformInfo(
                name=entry.name,
                display_name=entry.display_name,
                configured=entry.configured,
                available=entry.available,
                reason=entry.reason,
            )
        )
    return infos
