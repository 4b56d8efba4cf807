"""In-memory stand-ins for the outside world, for service-level tests.

The real adapters are tested against the sandbox over HTTP/gRPC (tests/integration/platforms);
these fakes let the campaign logic be tested for every failure mode deterministically.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adflux.campaigns.images import PLATFORM_IMAGE_SIZE
from adflux.platforms.base import (
    AdSpec,
    AudienceResult,
    AudienceSpec,
    CredentialStatus,
    HashedMember,
    InvalidRequest,
    OnCreated,
    PlatformAdapter,
    PublicationChange,
    PublishResult,
    ReportRow,
    UpdateResult,
)
from adflux.platforms.registry import ADAPTERS, PlatformInfo

TREE = ("campaign", "ad_set", "ad")


@dataclass
class FakePlatform:
    """What one fake platform holds: created objects and scripted failures."""

    name: str
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    audiences: dict[str, AudienceSpec] = field(default_factory=dict)
    # What each audience holds now: added by sync_audience, dropped by remove_audience_members.
    audience_members: dict[str, set[HashedMember]] = field(default_factory=dict)
    removals: list[tuple[str, tuple[HashedMember, ...]]] = field(default_factory=list)
    # Raised, in order, by the next publish calls; each entry is (kind before which, exception).
    failures: list[tuple[str, Exception]] = field(default_factory=list)
    # Create the object, then raise (a timeout after sending).
    lose_answer_after: str | None = None
    # The fewest people a custom audience needs to be targeted here (the real ones: 100 or 1,000).
    min_custom_audience: int = 1
    specs: list[AdSpec] = field(default_factory=list)
    credential_ok: bool = True  # what check_credentials answers
    # What the platform reports: daily_report answers the rows of the trees and days asked for.
    report_rows: list[ReportRow] = field(default_factory=list)
    # Raised, in order, by the next daily_report calls (a 429, a 5xx ...).
    report_failures: list[Exception] = field(default_factory=list)
    # Each daily_report call: (publication keys asked for, since, until).
    report_calls: list[tuple[frozenset[str], date, date]] = field(default_factory=list)
    # The smallest daily budget the fake accepts (InvalidRequest under it, as the real ones).
    min_daily_budget_cop: int = 0
    # Every update call that reached the platform: (external ids, change), in order.
    updates: list[tuple[dict[str, str], PublicationChange]] = field(default_factory=list)
    # Raised, in order, by the next update calls (before anything changes).
    update_failures: list[Exception] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    def created_of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects.values() if o["kind"] == kind]


class FakeAdapter(PlatformAdapter):
    def __init__(self, platform: FakePlatform):
        self.platform = platform
        self.name = platform.name
        self.display_name = platform.name.title()
        self.min_custom_audience = platform.min_custom_audience

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return True, "fake"

    def publish(
        self, spec: AdSpec, *, known_ids: Mapping[str, str], on_created: OnCreated
    ) -> PublishResult:
        self.platform.specs.append(spec)
        if self.name in PLATFORM_IMAGE_SIZE and spec.creative.image_png is None:
            # As the real platform answers an image ad without its image (TikTok's words).
            raise InvalidRequest(self.name, "image_ids: This field is required.", field="image_ids")
        ids = dict(known_ids)
        for kind in TREE:
            if kind in ids:
                continue
            if self.platform.failures and self.platform.failures[0][0] == kind:
                raise self.platform.failures.pop(0)[1]
            object_id = f"{self.name}-{kind}-{next(self.platform._ids)}"
            self.platform.objects[object_id] = {
                "kind": kind,
                "key": spec.publication_key,
                "active": spec.active,
            }
            if self.platform.lose_answer_after == kind:
                from adflux.platforms.base import OutcomeUnknown

                self.platform.lose_answer_after = None
                raise OutcomeUnknown(self.name, f"timed out creating the {kind}")
            ids[kind] = object_id
            on_created(kind, object_id)
        return PublishResult(external_ids=ids)

    def find_existing(self, publication_key: str) -> dict[str, str]:
        return {
            o["kind"]: oid
            for oid, o in self.platform.objects.items()
            if o["key"] == publication_key
        }

    def set_active(self, external_ids: Mapping[str, str], active: bool) -> None:
        for object_id in external_ids.values():
            self.platform.objects[object_id]["active"] = active

    def update(
        self,
        external_ids: Mapping[str, str],
        change: PublicationChange,
        *,
        publication_key: str,
        on_created: OnCreated,
    ) -> UpdateResult:
        if self.platform.update_failures:
            raise self.platform.update_failures.pop(0)
        budget = change.daily_budget_cop
        if budget is not None and budget < self.platform.min_daily_budget_cop:
            raise InvalidRequest(
                self.name,
                f"Budget must be at least {self.platform.min_daily_budget_cop:,} COP.",
                field="budget",
            )
        self.platform.updates.append((dict(external_ids), change))
        ids = dict(external_ids)
        root = self.platform.objects[ids["campaign"]]
        if budget is not None:
            root["daily_budget_cop"] = budget
        if change.schedule is not None:
            root["schedule"] = change.schedule
        if change.targeting is not None:
            root["targeting"] = change.targeting
        if change.creative is not None:
            # As Meta: a running ad's copy is a new creative and the ad points at it.
            object_id = f"{self.name}-ad-{next(self.platform._ids)}"
            self.platform.objects[object_id] = {
                "kind": "ad",
                "key": publication_key,
                "active": self.platform.objects[ids["ad"]]["active"],
                "creative": change.creative,
            }
            ids["ad"] = object_id
            on_created("ad", object_id)
        return UpdateResult(external_ids=ids)

    def sync_audience(self, spec: AudienceSpec) -> AudienceResult:
        audience_id = spec.existing_id or f"{self.name}-aud-{next(self.platform._ids)}"
        self.platform.audiences[audience_id] = spec
        self.platform.audience_members.setdefault(audience_id, set()).update(spec.members)
        return AudienceResult(external_id=audience_id, uploaded=len(spec.members))

    def remove_audience_members(
        self, audience_id: str, members: tuple[HashedMember, ...]
    ) -> AudienceResult:
        self.platform.removals.append((audience_id, members))
        emails = {m.email_sha256 for m in members if m.email_sha256}
        phones = {m.phone_sha256 for m in members if m.phone_sha256}
        held = self.platform.audience_members.get(audience_id, set())
        # A platform matches on any one hash: a member goes when either of its hashes is removed.
        held -= {m for m in held if m.email_sha256 in emails or m.phone_sha256 in phones}
        return AudienceResult(external_id=audience_id, uploaded=len(members))

    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        self.platform.report_calls.append((frozenset(trees), since, until))
        if self.platform.report_failures:
            raise self.platform.report_failures.pop(0)
        return [
            row
            for row in self.platform.report_rows
            if row.publication_key in trees and since <= row.day <= until
        ]

    def check_credentials(self) -> CredentialStatus:
        if self.platform.credential_ok:
            return CredentialStatus(ok=True, message="fake")
        return CredentialStatus(ok=False, message="Error validating access token")


class FakeDirectory:
    """A platform directory of fake platforms (the app's `adflux_platforms` extension)."""

    def __init__(self, names: tuple[str, ...] = tuple(ADAPTERS)):  # every platform AdFlux offers
        self.platforms = {name: FakePlatform(name) for name in names}

    def infos(self) -> list[PlatformInfo]:
        return [
            PlatformInfo(name, name.title(), configured=True, available=True, reason="")
            for name in self.platforms
        ]

    def adapter(self, name: str) -> PlatformAdapter:
        return FakeAdapter(self.platforms[name])


class RecordingDispatcher:
    """Records sent tasks instead of running them; the test runs them in its own thread."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...], float]] = []
        self.broker_down = False

    def send(self, task_name: str, *args: Any, countdown: float = 0.0) -> bool:
        if self.broker_down:
            return False
        self.sent.append((task_name, args, countdown))
        return True

    def shutdown(self) -> None:
        pass

    def take(self) -> list[tuple[str, tuple[Any, ...], float]]:
        sent, self.sent = self.sent, []
        return sent
