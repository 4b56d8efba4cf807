"""The platform port: plain dataclasses in and out, the error vocabulary, the adapter interface.

Adapters translate these to and from each platform's SDK. Nothing here knows about the database,
Flask or any SDK, so the domain can be tested against an in-memory fake of `PlatformAdapter`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

# --------------------------------------------------------------------------- data in


@dataclass(frozen=True)
class GeoTarget:
    """A place to reach: a city (with coordinates for radius targeting) or a whole country."""

    name: str
    country: str = "CO"
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None


@dataclass(frozen=True)
class Targeting:
    """Who sees the ad; already checked by the employment-ad compliance rules."""

    country: str = "CO"
    locations: tuple[GeoTarget, ...] = ()
    age_min: int = 18
    age_max: int = 65
    genders: tuple[str, ...] = ()  # empty = all genders
    languages: tuple[str, ...] = ("es",)
    keywords: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    custom_audience_ids: tuple[str, ...] = ()
    excluded_locations: tuple[GeoTarget, ...] = ()
    postal_codes: tuple[str, ...] = ()
    lookalike: bool = False
    expansion: bool = False


@dataclass(frozen=True)
class Creative:
    """Ad texts already fitted to the target platform's limits (see campaigns/creatives.py)."""

    headlines: tuple[str, ...]
    descriptions: tuple[str, ...]
    primary_text: str
    link_url: str
    call_to_action: str = "APPLY_NOW"
    display_name: str = "Magneto Empleos"
    image_png: bytes | None = None


@dataclass(frozen=True)
class AdSpec:
    """One ad to publish on one platform.

    `publication_key` (e.g. "adflux-pub-42") is written into every platform object's name, so
    `find_existing` can find what an interrupted publish already created.
    """

    publication_key: str
    name: str
    creative: Creative
    targeting: Targeting
    daily_budget_cop: int
    start_at: datetime
    end_at: datetime | None = None
    objective: str = "traffic"
    active: bool = False


@dataclass(frozen=True)
class Schedule:
    """When a published tree delivers: from `start_at`, until `end_at` (None: no end)."""

    start_at: datetime
    end_at: datetime | None = None


@dataclass(frozen=True)
class PublicationChange:
    """What to change on a published tree; a part left None stays as the platform holds it.

    Every part says what to SET, never how much to add, so applying the same change twice is
    harmless: a worker that dies after the platform answered and before AdFlux wrote it down
    simply applies it again (idempotent like publishing).

    - `daily_budget_cop`: the tree's daily budget, on the object that holds it on that platform
      (Meta ad set, TikTok ad group, X campaign, Google campaign budget);
    - `schedule`: start and end (an end already passed ends the tree there);
    - `targeting`: the whole targeting, as `AdSpec.targeting`, replacing the held one;
    - `creative`: the ad's new copy, as `AdSpec.creative`. Platforms that cannot edit a running
      ad's copy get a new creative/ad in its place, named with `named(publication_key, ...)`;
      `on_created(kind, id)` is called for each object created, as in `publish`.
    """

    daily_budget_cop: int | None = None
    schedule: Schedule | None = None
    targeting: Targeting | None = None
    creative: Creative | None = None

    @property
    def empty(self) -> bool:
        return (
            self.daily_budget_cop is None
            and self.schedule is None
            and self.targeting is None
            and self.creative is None
        )


@dataclass(frozen=True)
class HashedMember:
    """One audience member, normalised and SHA-256 hashed for the target platform."""

    email_sha256: str | None = None
    phone_sha256: str | None = None


@dataclass(frozen=True)
class AudienceSpec:
    """A custom audience to create (or to add members to, when `existing_id` is set)."""

    audience_key: str
    name: str
    members: tuple[HashedMember, ...]
    existing_id: str | None = None


# --------------------------------------------------------------------------- data out


@dataclass(frozen=True)
class PublishResult:
    """Every platform id of the published tree, keyed by object kind (e.g. "campaign", "ad")."""

    external_ids: dict[str, str]


@dataclass(frozen=True)
class UpdateResult:
    """The tree's external ids after an update (kinds a new creative/ad replaced included)."""

    external_ids: dict[str, str]


@dataclass(frozen=True)
class AudienceResult:
    """The platform audience id, how many members were sent, and the platform's receipt."""

    external_id: str
    uploaded: int
    receipt: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReportRow:
    """What the platform reports for one published ad tree on one account-local day
    (America/Bogota): the delivery of the tree's ad(s), spend in whole Colombian pesos."""

    publication_key: str
    day: date
    impressions: int
    clicks: int
    spend_cop: int


@dataclass(frozen=True)
class CredentialStatus:
    """Whether the configured credential works, with a message for people."""

    ok: bool
    message: str


# --------------------------------------------------------------------------- errors


class PlatformError(Exception):
    """A platform call failed. `code` is the platform's own error code, when it gave one."""

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        code: str | int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{platform}: {message}")
        self.platform = platform
        self.message = message
        self.code = code
        self.request_id = request_id


class RateLimited(PlatformError):
    """The platform throttled us; retry after `retry_after_s` seconds (the platform's figure)."""

    def __init__(self, platform: str, message: str, *, retry_after_s: float, **kwargs) -> None:
        super().__init__(platform, message, **kwargs)
        self.retry_after_s = retry_after_s


class TransientError(PlatformError):
    """A temporary server-side failure (5xx, timeout before sending); retry with backoff."""


class AuthExpired(PlatformError):
    """The credential is expired or revoked: do not retry, mark the credential and reconnect."""


class InvalidRequest(PlatformError):
    """The platform refused the request; permanent. `field` names the culprit when known."""

    def __init__(self, platform: str, message: str, *, field: str | None = None, **kwargs) -> None:
        super().__init__(platform, message, **kwargs)
        self.field = field


class OutcomeUnknown(PlatformError):
    """The request was sent but no answer came back: reconcile with `find_existing` first."""


class PlatformUnavailable(PlatformError):
    """The platform cannot be used here: SDK not installed or credentials not configured."""


# --------------------------------------------------------------------------- the port

OnCreated = Callable[[str, str], None]


class PlatformAdapter(ABC):
    """One ad platform behind the AdFlux port. Adapters only translate; they keep no state but
    their SDK client, which every thread of the process shares (one adapter per platform and
    process), so building it and calling through it must be thread-safe."""

    name: str  # "meta" | "google" | "x" | "tiktok" | "snapchat"
    display_name: str
    # The fewest matched people a custom audience needs before the platform targets it (each
    # adapter cites its platform's documentation). Under it an audience delivers to nobody, so
    # AdFlux neither uploads nor attaches one that small (Ley 1581: no data sent for nothing).
    min_custom_audience: int

    @classmethod
    @abstractmethod
    def available(cls) -> tuple[bool, str]:
        """Whether the platform's SDK can be imported here, and why not if it cannot."""

    @abstractmethod
    def publish(
        self, spec: AdSpec, *, known_ids: Mapping[str, str], on_created: OnCreated
    ) -> PublishResult:
        """Create the object tree in order, skipping kinds already in `known_ids`.

        `on_created(kind, id)` is called the moment each object exists so the caller can persist
        it before the next call; a crash half-way therefore never creates an object twice.
        """

    @abstractmethod
    def find_existing(self, publication_key: str) -> dict[str, str]:
        """Look up objects whose names carry `publication_key`; {kind: id} of what exists."""

    @abstractmethod
    def set_active(self, external_ids: Mapping[str, str], active: bool) -> None:
        """Pause (False) or resume (True) a published tree."""

    @abstractmethod
    def update(
        self,
        external_ids: Mapping[str, str],
        change: PublicationChange,
        *,
        publication_key: str,
        on_created: OnCreated,
    ) -> UpdateResult:
        """Apply `change` to a published tree with the platform's own update calls, in one go
        where the platform allows, else budget, schedule, targeting, creative in that order.

        Raises the port's errors like `publish` (InvalidRequest with the platform's message and
        field when it refuses a value, e.g. a budget under its minimum); a refused change leaves
        what the platform held as it was, as far as the platform's calls allow."""

    @abstractmethod
    def sync_audience(self, spec: AudienceSpec) -> AudienceResult:
        """Create the custom audience (unless `spec.existing_id`) and upload its hashed members."""

    @abstractmethod
    def remove_audience_members(
        self, audience_id: str, members: tuple[HashedMember, ...]
    ) -> AudienceResult:
        """Remove these members (hashed as when they were added) from the custom audience, with
        the platform's own remove-members call; removing someone absent is not an error."""

    @abstractmethod
    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        """Daily figures for many published trees (publication key -> external ids), both days
        included, in as few report calls as the platform's reporting API allows (account-level
        reports at ad level, not one call per object per day). Days without delivery may be
        omitted. Raises the port's errors; a partial answer is never returned as complete."""

    @abstractmethod
    def check_credentials(self) -> CredentialStatus:
        """Make one cheap authenticated call and say whether the credential works."""


def sdk_status(package: str, import_error: ImportError | None) -> tuple[bool, str]:
    """What `PlatformAdapter.available` answers for an adapter built on `package`."""
    if import_error is not None:
        return False, f"{package} is not installed ({import_error})"
    return True, package


def named(publication_key: str, kind: str, name: str) -> str:
    """The platform object name: carries the publication key so `find_existing` can match it."""
    return f"[{publication_key}] {kind}: {name}"


def name_has_key(object_name: str, publication_key: str) -> bool:
    """True when a platform object's name was produced by `named` with this key."""
    return object_name.startswith(f"[{publication_key}] ")


def cop_to_micros(amount_cop: int) -> int:
    """COP to the micro-units Google (`amount_micros`) and X (`local_micro`) use."""
    return int(amount_cop) * 1_000_000
