"""What the adapter contract test needs to know about one platform, beyond the port itself.

Each platform module defines one `ContractCase`: how to read objects back through that
platform's own read endpoints (its official SDK where it has read calls, never the adapter), what
the platform must then hold for an AdFlux ad (`meant`, written from the platform's documentation,
not from the adapter's code), the phone text its hashes are computed from, and the requests it is
expected to refuse.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from adflux.platforms.base import AdSpec, Targeting
from adflux.sandbox.server import RunningSandbox


@dataclass(frozen=True)
class Held:
    """An ad as a platform holds it, in plain values, so that it compares with what AdFlux meant.

    Each field is read from the platform's own answer and converted with the platform's
    documented units (Meta COP offset 1, Google and X micros, TikTok currency units).
    """

    link: str
    texts: tuple[str, ...]  # what the ad shows, in the platform's order
    daily_budget_cop: int
    targeting: Mapping[str, Any]
    schedule: tuple[str | None, str | None]  # start and end, in the platform's own notation
    image: bytes | None  # the image the ad shows, byte for byte


@dataclass(frozen=True)
class Rejection:
    """A spec change the platform refuses, and the field it blames (None: it names none)."""

    changes: Mapping[str, Any]
    field: str | None


@dataclass
class ContractCase(ABC):
    name: str
    # Object kinds publish returns, in creation order.
    tree: tuple[str, ...]
    # Kinds find_existing can recover by the publication key.
    findable: tuple[str, ...]
    # The text each platform hashes for the phone "300 123 4567" (its documented form).
    phone_text: str
    # "METHOD /path" fragment of the first create call, to time it out.
    first_create: str
    # A targeting the platform itself refuses for an employment ad, and the field it names.
    rejected: Rejection
    # The wait the platform's rate-limit answer asks for, given the sandbox's retry_after_s
    # (the platform's documented meaning of its own answer, not the adapter's figure).
    expected_wait_s: Any = None
    # The sandbox's flavour of rate-limit answer that carries a wait (None: its default one).
    rate_limit_variant: str | None = None
    # Kinds of the tree that exist only to show the ad's image.
    image_kinds: tuple[str, ...] = ("image",)
    # Kinds of the tree that exist only to attach the segments' custom audiences.
    audience_kinds: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def tree_for(self, spec: AdSpec) -> tuple[str, ...]:
        """The kinds publish creates for `spec`: its image's only when the ad carries one, its
        audiences' only when its targeting names custom audiences."""
        has_image = spec.creative.image_png is not None
        has_audiences = bool(spec.targeting.custom_audience_ids)
        return tuple(
            k
            for k in self.tree
            if (has_image or k not in self.image_kinds)
            and (has_audiences or k not in self.audience_kinds)
        )

    @abstractmethod
    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, dict]:
        """{kind: object as the platform's read endpoint serves it} for the tree's objects."""

    @abstractmethod
    def held(self, sandbox: RunningSandbox, objects: Mapping[str, dict]) -> Held:
        """What the platform holds for the read-back tree."""

    @abstractmethod
    def meant(self, sandbox: RunningSandbox, spec: AdSpec) -> Held:
        """What the platform must hold for `spec`, by the platform's documented rules."""

    @abstractmethod
    def is_paused(self, objects: Mapping[str, dict]) -> bool:
        """Whether the read-back tree is paused on the platform."""

    @abstractmethod
    def names(self, objects: Mapping[str, dict]) -> list[str]:
        """The names of the named objects in a read-back tree."""

    @abstractmethod
    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        """{"email": hashes, "phone": hashes} the sandbox received for the audience."""


def sandbox_objects(sandbox: RunningSandbox, platform: str) -> list[dict[str, Any]]:
    """Everything the sandbox stores for `platform` (its admin dump, not a platform API)."""
    response = httpx.get(f"{sandbox.base_url}/_sandbox/objects", params={"platform": platform})
    response.raise_for_status()
    return response.json()[platform]


def narrowed_ages() -> Targeting:
    return Targeting(age_min=25, age_max=40)


def fetch_bytes(
    sandbox: RunningSandbox, url: str, headers: Mapping[str, str] | None = None
) -> bytes:
    """The file behind an image URL a platform answered (absolute, or relative to its host)."""
    response = httpx.get(httpx.URL(sandbox.base_url).join(url), headers=headers, timeout=5)
    response.raise_for_status()
    return response.content
