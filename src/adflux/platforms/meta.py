"""Meta (Facebook/Instagram) adapter on the official `facebook-business` SDK, Marketing API v26.0.

Pointed at a Graph host through the `FacebookSession.GRAPH` *instance* attribute (public; see
research/platforms.md §1.1). `FacebookAdsApi.init()` is never called: its crash reporter would
post SDK tracebacks to graph.facebook.com from a fresh session, whatever host we configured.
The access token travels in every URL's query string, so URLs are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from adflux.platforms.base import (
    AdSpec,
    AudienceResult,
    AudienceSpec,
    AuthExpired,
    Creative,
    CredentialStatus,
    HashedMember,
    InvalidRequest,
    OnCreated,
    PlatformAdapter,
    PlatformError,
    PublicationChange,
    PublishResult,
    RateLimited,
    ReportRow,
    Targeting,
    TransientError,
    UpdateResult,
    name_has_key,
    named,
    sdk_status,
)
from adflux.platforms.settings import MetaSettings
from adflux.platforms.transport import HTTP_POOL_SIZE, classify_network_error

try:
    import requests.adapters
    from facebook_business.adobjects.ad import Ad
    from facebook_business.adobjects.adaccount import AdAccount
    from facebook_business.adobjects.adset import AdSet
    from facebook_business.adobjects.campaign import Campaign
    from facebook_business.adobjects.customaudience import CustomAudience
    from facebook_business.api import FacebookAdsApi, FacebookSession
    from facebook_business.exceptions import FacebookRequestError

    _IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # the SDK is an optional extra
    _IMPORT_ERROR = exc

OBJECTIVES = {
    "traffic": "OUTCOME_TRAFFIC",
    "leads": "OUTCOME_LEADS",
    "awareness": "OUTCOME_AWARENESS",
}
# Throttling codes (Marketing API error reference): app, user, ad-account and BUC limits.
THROTTLE_CODES = {4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80014}
AUTH_CODES = {102, 190, 2500}  # session/token invalid, expired or revoked
PERMISSION_CODES = {10, *range(200, 300)}  # the token lacks a permission: reconnect with it
DEFAULT_THROTTLE_WAIT_S = 60.0
MAX_USERS_PER_REQUEST = 10_000  # Meta's documented limit per /users call
# The SDK sends a DELETE's payload in the query string; 500 hashes keep the request line near 37 KB,
# under the 64 KB that common HTTP servers accept.
MAX_USERS_PER_REMOVAL = 500
GENDERS = {"male": 1, "female": 2}
# Insights rows per page: Meta documents no maximum, and a large synchronous page times out
# (Insights error 100/1504018 "Try a smaller date range, fetch less data").
REPORT_PAGE_SIZE = 500
# Ad ids per account-level query: the SDK sends GET params in the query string; 1,000 ids keep
# the request line near 27 KB, under the 64 KB common HTTP servers accept.
REPORT_IDS_PER_CALL = 1000


class MetaAdapter(PlatformAdapter):
    name = "meta"
    display_name = "Meta (Facebook e Instagram)"
    # Meta Business Help: a custom audience needs at least 100 matched people to be used for
    # targeting; under it the audience's delivery_status says it is too small.
    min_custom_audience = 100

    def __init__(self, settings: MetaSettings) -> None:
        self._settings = settings
        self._api_instance: Any = None
        self._lock = threading.Lock()

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return sdk_status("facebook-business", _IMPORT_ERROR)

    # ------------------------------------------------------------------ plumbing

    def _api(self) -> Any:
        """The adapter's one API object: its requests session keeps connections alive across
        calls and threads (requests' connection pools are thread-safe)."""
        with self._lock:
            if self._api_instance is None:
                s = self._settings
                session = FacebookSession(
                    app_secret=s.app_secret.get_secret_value() if s.app_secret else None,
                    access_token=s.access_token.get_secret_value() if s.access_token else None,
                    timeout=s.timeout_s,
                )
                session.GRAPH = s.graph_url.rstrip("/")  # instance attribute: this session only
                pooled = requests.adapters.HTTPAdapter(pool_maxsize=HTTP_POOL_SIZE)
                for prefix in ("https://", "http://"):
                    session.requests.mount(prefix, pooled)
                self._api_instance = FacebookAdsApi(session, api_version=s.api_version)
            return self._api_instance

    def _account(self) -> Any:
        return AdAccount(self._settings.ad_account_id, api=self._api())

    @contextmanager
    def _calling(self, *, write: bool) -> Iterator[None]:
        try:
            yield
        except FacebookRequestError as exc:
            raise self._classify(exc) from None
        except OSError as exc:  # requests' exceptions derive from OSError
            error = classify_network_error(self.name, exc, write=write) or TransientError(
                self.name, f"network error ({type(exc).__name__})"
            )
            # Not chained: requests' message quotes the URL, and Meta's URL carries the token.
            raise error from None

    def _classify(self, exc: Any) -> PlatformError:
        code = exc.api_error_code()
        body = exc.body() if isinstance(exc.body(), dict) else {}
        error = body.get("error") or {}
        message = error.get("error_user_msg") or exc.api_error_message() or "request failed"
        request_id = error.get("fbtrace_id")
        kwargs = {"code": code, "request_id": request_id}
        if code in THROTTLE_CODES:
            wait = _throttle_wait_s(exc.http_headers() or {})
            return RateLimited(self.name, message, retry_after_s=wait, **kwargs)
        if code in AUTH_CODES or code in PERMISSION_CODES:
            return AuthExpired(self.name, message, **kwargs)
        if (exc.http_status() or 0) >= 500 or exc.api_transient_error() or code in (1, 2):
            return TransientError(self.name, message, **kwargs)
        blame = exc.api_blame_field_specs() or []
        field = ".".join(str(part) for part in blame[0]) if blame else None
        return InvalidRequest(self.name, message, field=field, **kwargs)

    # ------------------------------------------------------------------ publish

    def publish(
        self, spec: AdSpec, *, known_ids: Mapping[str, str], on_created: OnCreated
    ) -> PublishResult:
        ids = dict(known_ids)
        account = self._account()
        status = "ACTIVE" if spec.active else "PAUSED"
        key = spec.publication_key

        def created(kind: str, object_id: str) -> None:
            ids[kind] = object_id
            on_created(kind, object_id)

        with self._calling(write=True):
            if "campaign" not in ids:
                campaign = account.create_campaign(
                    params={
                        "name": named(key, "campaign", spec.name),
                        "objective": OBJECTIVES.get(spec.objective, "OUTCOME_TRAFFIC"),
                        "status": status,
                        "special_ad_categories": ["EMPLOYMENT"],
                        "special_ad_category_country": [self._settings.special_ad_category_country],
                        # Budget lives on the ad set, so the campaign must say so explicitly.
                        "is_adset_budget_sharing_enabled": False,
                    }
                )
                created("campaign", campaign["id"])
            if "image" not in ids and spec.creative.image_png and "creative" not in ids:
                created("image", self._upload_image(spec.creative.image_png))
            if "ad_set" not in ids:
                ad_set = account.create_ad_set(params=self._ad_set_params(spec, ids, status))
                created("ad_set", ad_set["id"])
            if "creative" not in ids:
                params = self._creative_params(key, spec.name, spec.creative, ids.get("image"))
                creative = account.create_ad_creative(params=params)
                created("creative", creative["id"])
            if "ad" not in ids:
                ad = account.create_ad(
                    params={
                        "name": named(key, "ad", spec.name),
                        "adset_id": ids["ad_set"],
                        "creative": {"creative_id": ids["creative"]},
                        "status": status,
                    }
                )
                created("ad", ad["id"])
        return PublishResult(external_ids=ids)

    def _ad_set_params(self, spec: AdSpec, ids: Mapping[str, str], status: str) -> dict:
        params = {
            "name": named(spec.publication_key, "ad_set", spec.name),
            "campaign_id": ids["campaign"],
            # COP has offset 1 in Meta's currency table: budgets are whole pesos.
            "daily_budget": int(spec.daily_budget_cop),
            "billing_event": "IMPRESSIONS",
            "optimization_goal": "LINK_CLICKS",
            "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
            "destination_type": "WEBSITE",
            "status": status,
            "start_time": spec.start_at.isoformat(),
            "targeting": meta_targeting(spec.targeting),
        }
        if spec.end_at is not None:
            params["end_time"] = spec.end_at.isoformat()
        return params

    def _creative_params(
        self, key: str, name: str, creative: Creative, image_hash: str | None
    ) -> dict:
        """A link ad's creative; `name` also titles an ad whose copy has no headline."""
        link_data: dict[str, Any] = {
            "link": creative.link_url,
            "message": creative.primary_text,
            "name": creative.headlines[0] if creative.headlines else name,
            "call_to_action": {
                "type": creative.call_to_action,
                "value": {"link": creative.link_url},
            },
        }
        if creative.descriptions:
            link_data["description"] = creative.descriptions[0]
        if image_hash:
            link_data["image_hash"] = image_hash
        return {
            "name": named(key, "creative", name),
            "object_story_spec": {"page_id": self._settings.page_id, "link_data": link_data},
        }

    # ------------------------------------------------------------------ lookups and changes

    def find_existing(self, publication_key: str) -> dict[str, str]:
        account = self._account()
        found: dict[str, str] = {}
        edges = {
            "campaign": account.get_campaigns,
            "ad_set": account.get_ad_sets,
            "creative": account.get_ad_creatives,
            "ad": account.get_ads,
        }
        rule = {"field": "name", "operator": "CONTAIN", "value": f"[{publication_key}]"}
        with self._calling(write=False):
            for kind, edge in edges.items():
                for obj in edge(fields=["id", "name"], params={"filtering": [rule]}):
                    if name_has_key(obj["name"], publication_key):
                        found[kind] = obj["id"]
                        break
        return found

    def set_active(self, external_ids: Mapping[str, str], active: bool) -> None:
        status = "ACTIVE" if active else "PAUSED"
        api = self._api()
        objects = [
            (Campaign, external_ids.get("campaign")),
            (AdSet, external_ids.get("ad_set")),
            (Ad, external_ids.get("ad")),
        ]
        with self._calling(write=False):  # a status update is safe to repeat
            for cls, object_id in objects if not active else reversed(objects):
                if object_id:
                    cls(object_id, api=api).api_update(params={"status": status})

    def update(
        self,
        external_ids: Mapping[str, str],
        change: PublicationChange,
        *,
        publication_key: str,
        on_created: OnCreated,
    ) -> UpdateResult:
        ids = dict(external_ids)
        # Budget, schedule and targeting live on the ad set and change in one ad set update
        # (POST /{ad_set_id}, Ad Set reference "Updating"): all of it or, refused, none of it.
        params: dict[str, Any] = {}
        if change.daily_budget_cop is not None:
            params["daily_budget"] = int(change.daily_budget_cop)  # COP: offset 1, whole pesos
        if change.schedule is not None:
            end = change.schedule.end_at
            params["start_time"] = change.schedule.start_at.isoformat()
            # "Specify end_time=0 to set the set to be ongoing and have no end date."
            params["end_time"] = end.isoformat() if end is not None else 0
        if change.targeting is not None:
            params["targeting"] = meta_targeting(change.targeting)
        if params:
            with self._calling(write=False):  # values set, not added: safe to repeat
                AdSet(ids["ad_set"], api=self._api()).api_update(params=params)
        if change.creative is not None:
            self._replace_creative(ids, change.creative, publication_key, on_created)
        return UpdateResult(external_ids=ids)

    def _replace_creative(
        self, ids: dict[str, str], creative: Creative, key: str, on_created: OnCreated
    ) -> None:
        """Meta never edits a creative: a new one carries the copy and the ad is pointed at it
        (Ad reference, "Updating": `creative` = {"creative_id": ...}). Its name carries a digest
        of the copy, so a re-run finds the creative an interrupted run made instead of making a
        second one."""

        def created(kind: str, object_id: str) -> None:
            if ids.get(kind) != object_id:
                ids[kind] = object_id
                on_created(kind, object_id)

        account = self._account()
        if creative.image_png:
            with self._calling(write=True):
                created("image", self._upload_image(creative.image_png))
        # The ad keeps the image it shows when the new copy brings none.
        params = self._creative_params(key, creative.display_name, creative, ids.get("image"))
        spec = json.dumps(params["object_story_spec"], sort_keys=True)
        params["name"] = named(key, "creative", f"copy {_digest(spec)}")
        rule = {"field": "name", "operator": "CONTAIN", "value": params["name"]}
        with self._calling(write=False):
            listed = account.get_ad_creatives(fields=["id", "name"], params={"filtering": [rule]})
            found = [c["id"] for c in listed if c["name"] == params["name"]]
        if not found:
            with self._calling(write=True):
                found.append(account.create_ad_creative(params=params)["id"])
        created("creative", found[0])
        with self._calling(write=False):  # pointing at the same creative again is harmless
            Ad(ids["ad"], api=self._api()).api_update(
                params={"creative": {"creative_id": ids["creative"]}}
            )

    def _upload_image(self, png: bytes) -> str:
        """Upload an ad image; its hash, by which Meta refers to it (the same bytes give the same
        hash, so uploading again is harmless)."""
        image = self._account().create_ad_image(params={"bytes": base64.b64encode(png).decode()})
        return str(image["hash"])

    def sync_audience(self, spec: AudienceSpec) -> AudienceResult:
        api = self._api()
        receipt: dict[str, Any] = {"batches": []}
        with self._calling(write=True):
            audience_id = spec.existing_id
            if audience_id is None:
                audience = self._account().create_custom_audience(
                    params={
                        "name": named(spec.audience_key, "audience", spec.name),
                        "subtype": "CUSTOM",
                        "customer_file_source": "USER_PROVIDED_ONLY",
                        "description": "AdFlux segment audience (consenting candidates)",
                    }
                )
                audience_id = audience["id"]
            target = CustomAudience(audience_id, api=api)
            for schema, hashes in (
                (CustomAudience.Schema.email_hash, [m.email_sha256 for m in spec.members]),
                (CustomAudience.Schema.phone_hash, [m.phone_sha256 for m in spec.members]),
            ):
                values = [h for h in hashes if h]
                for start in range(0, len(values), MAX_USERS_PER_REQUEST):
                    batch = values[start : start + MAX_USERS_PER_REQUEST]
                    answer = target.add_users(schema, batch, pre_hashed=True).json()
                    receipt["batches"].append({"schema": schema, **answer})
        receipt["audience_id"] = audience_id
        return AudienceResult(external_id=audience_id, uploaded=len(spec.members), receipt=receipt)

    def remove_audience_members(
        self, audience_id: str, members: tuple[HashedMember, ...]
    ) -> AudienceResult:
        # DELETE /{audience_id}/users with the same schema and hashes as the upload (Custom
        # Audiences reference, "Remove users"); the SDK's remove_users sends exactly that.
        target = CustomAudience(audience_id, api=self._api())
        receipt: dict[str, Any] = {"batches": [], "audience_id": audience_id}
        with self._calling(write=False):  # removing twice is harmless
            for schema, hashes in (
                (CustomAudience.Schema.email_hash, [m.email_sha256 for m in members]),
                (CustomAudience.Schema.phone_hash, [m.phone_sha256 for m in members]),
            ):
                values = [h for h in hashes if h]
                for start in range(0, len(values), MAX_USERS_PER_REMOVAL):
                    batch = values[start : start + MAX_USERS_PER_REMOVAL]
                    answer = target.remove_users(schema, batch, pre_hashed=True).json()
                    receipt["batches"].append({"schema": schema, **answer})
        return AudienceResult(external_id=audience_id, uploaded=len(members), receipt=receipt)

    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        # One account-level Insights query at level=ad, a row per ad and day, filtered to the
        # trees' ads; the SDK's Cursor follows `paging.cursors.after` page by page.
        keys = {ids["ad"]: key for key, ids in trees.items() if ids.get("ad")}
        ad_ids = sorted(keys)
        rows: list[ReportRow] = []
        account = self._account()
        for start in range(0, len(ad_ids), REPORT_IDS_PER_CALL):
            batch = ad_ids[start : start + REPORT_IDS_PER_CALL]
            with self._calling(write=False):
                cursor = account.get_insights(
                    fields=["ad_id", "impressions", "clicks", "spend", "date_start", "date_stop"],
                    params={
                        "level": "ad",
                        "time_increment": 1,
                        "time_range": {"since": since.isoformat(), "until": until.isoformat()},
                        "filtering": [{"field": "ad.id", "operator": "IN", "value": batch}],
                        "limit": REPORT_PAGE_SIZE,
                    },
                )
                rows += [
                    ReportRow(
                        publication_key=keys[str(row["ad_id"])],
                        day=date.fromisoformat(row["date_start"]),
                        impressions=int(row.get("impressions", 0)),
                        clicks=int(row.get("clicks", 0)),
                        spend_cop=int(
                            Decimal(str(row.get("spend", "0"))).to_integral(ROUND_HALF_UP)
                        ),
                    )
                    for row in cursor
                    if str(row.get("ad_id")) in keys
                ]
        return rows

    def check_credentials(self) -> CredentialStatus:
        try:
            with self._calling(write=False):
                info = self._account().api_get(fields=["name", "account_status", "currency"])
        except PlatformError as exc:
            return CredentialStatus(False, exc.message)
        return CredentialStatus(True, f"{info['name']} ({info['currency']})")


def meta_targeting(targeting: Targeting) -> dict[str, Any]:
    """Meta's targeting spec for `targeting`, translated as given (compliance is upstream).

    Interests and keywords are not sent: Meta needs its own interest ids (targeting search) and has
    no keyword targeting. Languages are not sent either: Spanish is the default in Colombia.
    """
    geo: dict[str, Any] = {}
    places = [p for p in targeting.locations if p.latitude is not None and p.longitude is not None]
    if places:
        geo["custom_locations"] = [_custom_location(p) for p in places]
    else:
        geo["countries"] = [targeting.country]
    if targeting.postal_codes:
        geo["zips"] = [{"key": f"{targeting.country}:{code}"} for code in targeting.postal_codes]
    spec: dict[str, Any] = {
        "geo_locations": geo,
        "age_min": targeting.age_min,
        "age_max": targeting.age_max,
        "targeting_automation": {"advantage_audience": 1 if targeting.expansion else 0},
    }
    if targeting.genders:
        spec["genders"] = sorted(GENDERS[g] for g in targeting.genders if g in GENDERS)
    excluded = [p for p in targeting.excluded_locations if p.latitude is not None]
    if excluded:
        spec["excluded_geo_locations"] = {
            "custom_locations": [_custom_location(p) for p in excluded]
        }
    if targeting.custom_audience_ids:
        spec["custom_audiences"] = [{"id": i} for i in targeting.custom_audience_ids]
    return spec


def _custom_location(place: Any) -> dict[str, Any]:
    return {
        "latitude": place.latitude,
        "longitude": place.longitude,
        "radius": place.radius_km or 25,
        "distance_unit": "kilometer",
    }


def _digest(text: str) -> str:
    """A short, stable fingerprint of an object's content, for names that find it again."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _throttle_wait_s(headers: Mapping[str, str]) -> float:
    """The wait Meta asks for: BUC `estimated_time_to_regain_access` (minutes) or the ad-account
    header's `reset_time_duration` (seconds); a fixed default when neither says."""
    lowered = {k.lower(): v for k, v in headers.items()}
    waits: list[float] = []
    try:
        usage = json.loads(lowered.get("x-business-use-case-usage") or "{}")
        for entries in usage.values():
            waits += [60.0 * float(e.get("estimated_time_to_regain_access") or 0) for e in entries]
        account = json.loads(lowered.get("x-ad-account-usage") or "{}")
        waits.append(float(account.get("reset_time_duration") or 0))
    except (ValueError, TypeError, AttributeError):
        pass
    wait = max(waits, default=0.0)
    return wait if wait > 0 else DEFAULT_THROTTLE_WAIT_S
