"""Pick platform adapters by name; report which are configured and usable here.

Adapter modules are imported on demand, so a missing SDK (or a broken optional module) only
makes that one platform unavailable, with the reason, never an import error elsewhere.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from adflux.platforms.base import PlatformAdapter, PlatformUnavailable
from adflux.platforms.settings import PlatformSettings, load_platform_settings

# name -> "module:Class". Adding a platform is one line here plus its settings class.
ADAPTERS: dict[str, str] = {
    "meta": "adflux.platforms.meta:MetaAdapter",
    "google": "adflux.platforms.google_ads:GoogleAdsAdapter",
    "x": "adflux.platforms.x_ads:XAdsAdapter",
    "tiktok": "adflux.platforms.tiktok:TikTokAdapter",
    "snapchat": "adflux.platforms.snapchat:SnapchatAdapter",
}


@dataclass(frozen=True)
class PlatformInfo:
    name: str
    display_name: str
    configured: bool
    available: bool
    reason: str  # why it is not usable, or the SDK in use
    # A publication on it can succeed here: usable, and what its ads need can be made (set by
    # campaigns.adapters.platform_infos, which knows what an ad needs).
    ready: bool = False


def adapter_class(name: str) -> type[PlatformAdapter]:
    """The adapter class for `name`; PlatformUnavailable if unknown or its module won't import."""
    target = ADAPTERS.get(name)
    if target is None:
        raise PlatformUnavailable(name, f"unknown platform (known: {', '.join(ADAPTERS)})")
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PlatformUnavailable(name, f"adapter module not importable: {exc}") from exc
    return getattr(module, class_name)


def get_adapter(name: str, settings: PlatformSettings | None = None) -> PlatformAdapter:
    """A ready adapter, or PlatformUnavailable saying what is missing (SDK or settings)."""
    settings = settings or load_platform_settings()
    cls = adapter_class(name)
    ok, reason = cls.available()
    if not ok:
        raise PlatformUnavailable(name, reason)
    platform_settings = settings.for_platform(name)
    missing = platform_settings.missing()
    if missing:
        raise PlatformUnavailable(name, f"not configured: set {', '.join(missing)}")
    return cls(platform_settings)  # type: ignore[call-arg]


def available_platforms(settings: PlatformSettings | None = None) -> list[PlatformInfo]:
    """Every known platform with whether it is configured and usable, and why not."""
    settings = settings or load_platform_settings()
    infos = []
    for name in ADAPTERS:
        missing = settings.for_platform(name).missing()
        try:
            cls = adapter_class(name)
        except PlatformUnavailable as exc:
            infos.append(PlatformInfo(name, name, not missing, False, exc.message))
            continue
        ok, reason = cls.available()
        if ok and missing:
            reason = f"not configured: set {', '.join(missing)}"
        infos.append(PlatformInfo(name, cls.display_name, not missing, ok, reason))
    return infos
