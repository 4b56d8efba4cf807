"""Reading a segment's profile JSON for people: key traits, shares and the age-proxy warning.

Profiles are written by the segmentation service; lists of traits come either as
``[{"value": ..., "share": ...}]`` or as plain strings, and any part may be missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adflux.segmentation.age_proxy import is_age_proxy


@dataclass(frozen=True)
class Trait:
    value: str
    share: float | None  # fraction of the segment, when the profile says
    kind: str | None = None  # the vocabulary its value is a code of, read by its label


# Which profile lists and fields hold codes of a vocabulary (adflux.i18n.labels), not words.
CODE_KINDS = {
    "top_areas": "area",
    "area": "area",
    "top_education": "education",
    "top_remote": "work_mode",
    "education_level": "education",
    "remote_preference": "work_mode",
}


def traits(profile: Mapping[str, Any] | None, key: str, limit: int = 3) -> list[Trait]:
    found = []
    for entry in (profile or {}).get(key) or []:
        if isinstance(entry, Mapping):
            value = entry.get("value") or entry.get("name")
            share = entry.get("share")
            share_value = float(share) if share is not None else None
            found.append(Trait(str(value), share_value, CODE_KINDS.get(key)))
        elif entry not in (None, ""):
            found.append(Trait(str(entry), None, CODE_KINDS.get(key)))
        if len(found) >= limit:
            break
    return [t for t in found if t.value and t.value != "None"]


def distinctive(profile: Mapping[str, Any] | None, limit: int = 3) -> list[Trait]:
    """Values far more common in the segment than in the population, with their lift (the
    ``distinguishing`` list; numeric entries have no single value and are left out)."""
    found = []
    for entry in (profile or {}).get("distinguishing") or []:
        if isinstance(entry, Mapping) and entry.get("value") and entry.get("lift"):
            kind = CODE_KINDS.get(str(entry.get("field")))
            found.append(Trait(str(entry["value"]), float(entry["lift"]), kind))
    return found[:limit]


def number(profile: Mapping[str, Any] | None, *keys: str) -> float | None:
    """The first numeric value among `keys` (a dotted key reads a nested mapping)."""
    for key in keys:
        value: Any = profile or {}
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def age_proxy_warning(profile: Mapping[str, Any] | None) -> bool:
    """The compliance rules' own test, so the badge and the warnings always agree."""
    return is_age_proxy(profile)
