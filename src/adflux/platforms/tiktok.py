"""TikTok adapter on the official `tiktok-business-api-sdk` 1.0.1 (Marketing API v1.3).

Pointed at a host through `Configuration().host` (a public attribute of our own instance).
Audience endpoints are missing from the PyPI wheel, so they go through the same SDK's
`ApiClient.call_api` (same transport, headers and redirect; research/platforms.md §1.4, §3.4).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from adflux.platforms import tiktok_audience
from adflux.platforms.base import (
    AdSpec,
    AudienceResult,
    AudienceSpec,
    Creative,
    CredentialStatus,
    HashedMember,
    InvalidRequest,
    OnCreated,
    PlatformAdapter,
    PlatformError,
    PublicationChange,
    PublishResult,
    ReportRow,
    UpdateResult,
    name_has_key,
    named,
    sdk_status,
)
from adflux.platforms.settings import TikTokSettings
from adflux.platforms.tiktok_errors import classify_business, classify_http
from adflux.platforms.tiktok_targeting import tiktok_targeting
from adflux.platforms.transport import HTTP_POOL_SIZE, classify_network_error

try:
    import urllib3
    from business_api_client.api.ad_api import AdApi
    from business_api_client.api.adgroup_api import AdgroupApi
    from business_api_client.api.campaign_creation_api import CampaignCreationApi
    from business_api_client.api.file_api import FileApi
    from business_api_client.api.reporting_api import ReportingApi
    from business_api_client.api_client import ApiClient
    from business_api_client.configuration import Configuration
    from business_api_client.rest import ApiException
    from business_api_client.tiktok_business.tiktok_exceptions import TiktokSDKError

    _IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # the SDK is an optional extra
    _IMPORT_ERROR = exc

TIKTOK_TIME = "%Y-%m-%d %H:%M:%S"
# Targeting fields `tiktok_targeting` sends only when set, as an update sends them when not.
CLEARED_TARGETING: dict[str, Any] = {
    "audience_ids": [],
    "zipcode_ids": [],
    "targeting_expansion": {"expansion_enabled": False},
}
REPORT_DAYS_PER_CALL = 30
REPORT_IDS_PER_CALL = 100  # ids an ad_ids filter takes
REPORT_PAGE_SIZE = 1000  # the largest page TikTok serves


class TikTokAdapter(PlatformAdapter):
    name = "tiktok"
    display_name = "TikTok for Business"
    # TikTok Ads Manager help: "A minimum audience size of 1,000 is required to target Custom
    # Audiences in an ad group."
    min_custom_audience = 1000

    def __init__(self, settings: TikTokSettings) -> None:
        self._settings = settings
        self._client: Any = None
        self._lock = threading.Lock()

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return sdk_status("tiktok-business-api-sdk", _IMPORT_ERROR)

    # ------------------------------------------------------------------ plumbing

    def _api(self) -> Any:
        """The adapter's one ApiClient, shared by threads (its urllib3 pool is thread-safe)."""
        with self._lock:
            if self._client is None:
                configuration = Configuration()  # a copy of the class default: ours to change
                configuration.host = self._settings.base_url.rstrip("/")
                # Keep-alive connections for every worker thread calling at once.
                configuration.connection_pool_maxsize = HTTP_POOL_SIZE
                self._client = ApiClient(configuration)
                # urllib3's default retries sleep out an HTTP 429's Retry-After inside the call
                # (minutes, holding a worker thread); the wait must reach the caller instead, as
                # RateLimited.retry_after_s. Connection retries stay as urllib3's default.
                pool = self._client.rest_client.pool_manager
                pool.connection_pool_kw["retries"] = urllib3.util.Retry.DEFAULT.new(
                    respect_retry_after_header=False
                )
            return self._client

    @property
    def _token(self) -> str:
        token = self._settings.access_token
        return token.get_secret_value() if token else ""

    @property
    def _advertiser(self) -> str:
        return str(self._settings.advertiser_id)

    def _opts(self) -> dict[str, Any]:
        # The SDK's REST layer honours an int or a (connect, read) tuple; a float is ignored.
        timeout = self._settings.timeout_s
        return {"_request_timeout": (timeout, timeout)}

    @contextmanager
    def _calling(self, *, write: bool) -> Iterator[None]:
        try:
            yield
        except TiktokSDKError as exc:
            raise classify_business(exc) from None
        except ApiException as exc:
            raise classify_http(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            error = classify_network_error(self.name, exc, write=write)
            if error is None:
                raise
            raise error from exc

    # ------------------------------------------------------------------ publish

    def publish(
        self, spec: AdSpec, *, known_ids: Mapping[str, str], on_created: OnCreated
    ) -> PublishResult:
        ids = dict(known_ids)
        api, key = self._api(), spec.publication_key
        status = "ENABLE" if spec.active else "DISABLE"

        def created(kind: str, object_id: str) -> None:
            ids[kind] = object_id
            on_created(kind, object_id)

        with self._calling(write=True):
            if "campaign" not in ids:
                answer = CampaignCreationApi(api).campaign_create(
                    self._token,
                    body={
                        "advertiser_id": self._advertiser,
                        "campaign_name": named(key, "campaign", spec.name)[:512],
                        "objective_type": "TRAFFIC",
                        "budget_mode": "BUDGET_MODE_INFINITE",  # the ad group holds the budget
                        "special_industries": ["EMPLOYMENT"],
                    },
                    **self._opts(),
                )
                created("campaign", str(answer["data"]["campaign_id"]))
            if not spec.active and "ad" not in known_ids:
                # Campaigns are always created enabled. Until the tree is complete (also when
                # resuming after a crash right after the create) switch it off; the ad group
                # and ad are created disabled, so nothing delivers meanwhile.
                self._set_status("campaign", [ids["campaign"]], "DISABLE")
            if "image" not in ids and spec.creative.image_png and "ad" not in ids:
                created("image", self._upload_image(spec.creative.image_png))
            if "ad_group" not in ids:
                answer = AdgroupApi(api).adgroup_create(
                    self._token, body=self._ad_group_body(spec, ids["campaign"], status),
                    **self._opts(),
                )  # fmt: skip
                created("ad_group", str(answer["data"]["adgroup_id"]))
            if "ad" not in ids:
                answer = AdApi(api).ad_create(
                    self._token, body=self._ad_body(spec, ids, status), **self._opts()
                )
                created("ad", str(answer["data"]["ad_ids"][0]))
        return PublishResult(external_ids=ids)

    def _upload_image(self, png: bytes) -> str:
        # The SDK uploads from a file path only.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "creative.png"
            path.write_bytes(png)
            answer = FileApi(self._api()).ad_image_upload(
                self._token,
                advertiser_id=self._advertiser,
                upload_type="UPLOAD_BY_FILE",
                image_file=str(path),
                image_signature=hashlib.md5(png).hexdigest(),
                file_name=f"adflux-{hashlib.md5(png).hexdigest()[:12]}.png",
                **self._opts(),
            )
        return str(answer["data"]["image_id"])

    def _ad_group_body(self, spec: AdSpec, campaign_id: str, status: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "advertiser_id": self._advertiser,
            "campaign_id": campaign_id,
            "adgroup_name": named(spec.publication_key, "ad_group", spec.name)[:512],
            # Idempotency key: a retried create returns the same ad group.
            "request_id": hashlib.sha256(spec.publication_key.encode()).hexdigest()[:18],
            "promotion_type": "WEBSITE",
            "placement_type": "PLACEMENT_TYPE_NORMAL",
            # The ad is a single image, and TikTok's own feed shows videos only ("for in-feed ads
            # on TikTok, set ad_format to SINGLE_VIDEO", SDK model docs): images run on the
            # TikTok Ad Network (formerly Pangle), which takes 1:1, 1.91:1 and 9:16 images.
            "placements": ["PLACEMENT_PANGLE"],
            "budget_mode": "BUDGET_MODE_DAY",
            "budget": int(spec.daily_budget_cop),  # currency units of the COP account
            **_schedule_fields(spec.start_at, spec.end_at),
            "optimization_goal": "CLICK",
            "billing_event": "CPC",
            "bid_type": "BID_TYPE_NO_BID",
            "pacing": "PACING_MODE_SMOOTH",
            "operation_status": status,
            **tiktok_targeting(spec.targeting, self._settings.location_ids),
        }
        return body

    def _ad_body(self, spec: AdSpec, ids: Mapping[str, str], status: str) -> dict[str, Any]:
        ad_name = named(spec.publication_key, "ad", spec.name)[:512]
        return {
            "advertiser_id": self._advertiser,
            "adgroup_id": ids["ad_group"],
            "operation_status": status,
            "creatives": [self._creative_item(spec.creative, ad_name, ids.get("image"))],
        }

    def _creative_item(
        self, creative: Creative, ad_name: str, image_id: str | None
    ) -> dict[str, Any]:
        """One ad's whole creative, as `/ad/create/` and `/ad/update/` take it."""
        item: dict[str, Any] = {
            "ad_name": ad_name,
            "identity_type": self._settings.identity_type,
            "identity_id": self._settings.identity_id,
            "ad_format": "SINGLE_IMAGE",
            "ad_text": creative.primary_text,
            "call_to_action": creative.call_to_action,
            "landing_page_url": creative.link_url,
            "display_name": creative.display_name,
        }
        if image_id:
            item["image_ids"] = [image_id]
        return item

    def _set_status(self, kind: str, object_ids: list[str], status: str) -> None:
        api = {"campaign": CampaignCreationApi, "adgroup": AdgroupApi, "ad": AdApi}[kind]
        method = getattr(api(self._api()), f"{kind}_status_update")
        method(
            self._token,
            body={
                "advertiser_id": self._advertiser,
                f"{kind}_ids": object_ids,
                "operation_status": status,
            },
            **self._opts(),
        )

    # ------------------------------------------------------------------ lookups and changes

    def _all(self, method: Any, **filters: Any) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            answer = method(
                self._advertiser, self._token, page=page, page_size=1000, **filters, **self._opts()
            )
            data = answer["data"]
            yield from data.get("list") or []
            if page >= int((data.get("page_info") or {}).get("total_page") or 1):
                return
            page += 1

    def find_existing(self, publication_key: str) -> dict[str, str]:
        api, found = self._api(), {}
        with self._calling(write=False):
            for row in self._all(CampaignCreationApi(api).campaign_get):
                if name_has_key(row.get("campaign_name") or "", publication_key):
                    found["campaign"] = str(row["campaign_id"])
                    break
            if "campaign" in found:
                rows = self._all(
                    AdgroupApi(api).adgroup_get, filtering={"campaign_ids": [found["campaign"]]}
                )
                for row in rows:
                    if name_has_key(row.get("adgroup_name") or "", publication_key):
                        found["ad_group"] = str(row["adgroup_id"])
                        break
            if "ad_group" in found:
                rows = self._all(AdApi(api).ad_get, filtering={"adgroup_ids": [found["ad_group"]]})
                for row in rows:
                    if name_has_key(row.get("ad_name") or "", publication_key):
                        found["ad"] = str(row["ad_id"])
                        break
        return found

    def set_active(self, external_ids: Mapping[str, str], active: bool) -> None:
        status = "ENABLE" if active else "DISABLE"
        with self._calling(write=False):  # a status update is safe to repeat
            for kind, key in (("campaign", "campaign"), ("adgroup", "ad_group"), ("ad", "ad")):
                if external_ids.get(key):
                    self._set_status(kind, [external_ids[key]], status)

    def update(
        self,
        external_ids: Mapping[str, str],
        change: PublicationChange,
        *,
        publication_key: str,
        on_created: OnCreated,
    ) -> UpdateResult:
        ids = dict(external_ids)
        # Budget, schedule and targeting live on the ad group: one `/adgroup/update/` call.
        fields: dict[str, Any] = {}
        if change.daily_budget_cop is not None:
            fields["budget"] = int(change.daily_budget_cop)  # currency units of the COP account
        if change.schedule is not None:
            fields |= _schedule_fields(change.schedule.start_at, change.schedule.end_at)
        if change.targeting is not None:
            # The whole targeting, as publish builds it; what it leaves out is sent empty, so a
            # targeting that no longer names audiences (or expansion) clears them.
            fields |= CLEARED_TARGETING | tiktok_targeting(
                change.targeting, self._settings.location_ids
            )
        api = self._api()
        with self._calling(write=False):  # values set, not added: safe to repeat
            if fields:
                AdgroupApi(api).adgroup_update(
                    self._token,
                    body={"advertiser_id": self._advertiser, "adgroup_id": ids["ad_group"],
                          **fields},
                    **self._opts(),
                )  # fmt: skip
            if change.creative is not None:
                self._update_creative(ids, change.creative, on_created)
        return UpdateResult(external_ids=ids)

    def _update_creative(
        self, ids: dict[str, str], creative: Creative, on_created: OnCreated
    ) -> None:
        """`/ad/update/` edits the ad in place (same id, same report rows), sent the ad's whole
        creative: TikTok replaces the creative it held with the one sent."""
        image_id = ids.get("image")
        if creative.image_png:
            image_id = self._upload_image(creative.image_png)  # the same bytes, the same image
            if image_id != ids.get("image"):
                ids["image"] = image_id
                on_created("image", image_id)
        # The ad keeps its name (the ad group's list shows it; a creative update needs it).
        rows = self._all(AdApi(self._api()).ad_get, filtering={"ad_ids": [ids["ad"]]})
        (held,) = [row for row in rows if str(row["ad_id"]) == ids["ad"]]
        item = self._creative_item(creative, held["ad_name"], image_id)
        AdApi(self._api()).ad_update(
            self._token,
            body={
                "advertiser_id": self._advertiser,
                "adgroup_id": ids["ad_group"],
                "creatives": [{"ad_id": ids["ad"], **item}],
            },
            **self._opts(),
        )

    def sync_audience(self, spec: AudienceSpec) -> AudienceResult:
        files = _hashes_by_type(spec.members)
        receipt: dict[str, Any] = {"files": {}}
        audience_id = spec.existing_id
        with self._calling(write=True):
            for calculate_type, hashes in files.items():
                if not hashes:
                    continue
                path = self._upload_hashes(calculate_type, hashes)
                receipt["files"][calculate_type] = {"file_path": path, "count": len(hashes)}
                if audience_id is None:
                    data = tiktok_audience.post_json(
                        self._api(),
                        "/create/",
                        {
                            "advertiser_id": self._advertiser,
                            "custom_audience_name": named(spec.audience_key, "audience", spec.name)[
                                :128
                            ],
                            "calculate_type": calculate_type,
                            "file_paths": [path],
                            "retention_in_days": 365,
                        },
                        token=self._token,
                        options=self._opts(),
                    )
                    audience_id = str(data["custom_audience_id"])
                else:
                    self._update_audience(audience_id, "APPEND", path)
        if audience_id is None:
            raise InvalidRequest(self.name, "the audience has no members to upload")
        receipt["audience_id"] = audience_id
        return AudienceResult(external_id=audience_id, uploaded=len(spec.members), receipt=receipt)

    def remove_audience_members(
        self, audience_id: str, members: tuple[HashedMember, ...]
    ) -> AudienceResult:
        # The customer-file route's own removal: upload files of the same typed hashes, then
        # `/dmp/custom_audience/update/` with action REMOVE ("only the data that coincide with the
        # original file will be removed"; CustomAudienceUpdateBody in the SDK's GitHub models).
        files = _hashes_by_type(members)
        receipt: dict[str, Any] = {"files": {}, "audience_id": audience_id}
        with self._calling(write=False):  # removing twice is harmless
            for calculate_type, hashes in files.items():
                if not hashes:
                    continue
                path = self._upload_hashes(calculate_type, hashes)
                self._update_audience(audience_id, "REMOVE", path)
                receipt["files"][calculate_type] = {"file_path": path, "count": len(hashes)}
        return AudienceResult(external_id=audience_id, uploaded=len(members), receipt=receipt)

    def _upload_hashes(self, calculate_type: str, hashes: list[str]) -> str:
        """Upload one customer file of typed hashes; its file path for the audience calls."""
        return tiktok_audience.upload_file(
            self._api(),
            token=self._token,
            advertiser_id=self._advertiser,
            calculate_type=calculate_type,
            hashes=hashes,
            options=self._opts(),
        )

    def _update_audience(self, audience_id: str, action: str, path: str) -> None:
        """`/dmp/custom_audience/update/` with an uploaded file: APPEND or REMOVE its members."""
        tiktok_audience.post_json(
            self._api(),
            "/update/",
            {
                "advertiser_id": self._advertiser,
                "custom_audience_id": audience_id,
                "action": action,
                "file_paths": [path],
            },
            token=self._token,
            options=self._opts(),
        )

    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        # Synchronous BASIC reports at AUCTION_AD level, a row per ad and day: TikTok takes at
        # most 100 ids in the ad_ids filter and 30 days per report, and pages of up to 1,000 rows.
        keys = {ids["ad"]: key for key, ids in trees.items() if ids.get("ad")}
        ad_ids = sorted(keys)
        rows: list[ReportRow] = []
        for start in range(0, len(ad_ids), REPORT_IDS_PER_CALL):
            batch = ad_ids[start : start + REPORT_IDS_PER_CALL]
            day = since
            while day <= until:
                last = min(until, day + timedelta(days=REPORT_DAYS_PER_CALL - 1))
                for row in self._report_rows(batch, day, last):
                    ad_id = str(row["dimensions"]["ad_id"])
                    if ad_id not in keys:
                        continue
                    metrics = row["metrics"]
                    rows.append(
                        ReportRow(
                            publication_key=keys[ad_id],
                            day=date.fromisoformat(row["dimensions"]["stat_time_day"][:10]),
                            impressions=int(metrics.get("impressions") or 0),
                            clicks=int(metrics.get("clicks") or 0),
                            spend_cop=int(
                                Decimal(str(metrics.get("spend") or 0)).to_integral(ROUND_HALF_UP)
                            ),
                        )
                    )
                day = last + timedelta(days=1)
        return rows

    def _report_rows(self, ad_ids: list[str], since: date, until: date) -> Iterator[dict]:
        """Every row of one report, page after page (`page_info.total_page` says how many)."""
        reporting = ReportingApi(self._api())
        page, pages = 1, 1
        while page <= pages:
            with self._calling(write=False):
                answer = reporting.report_integrated_get(
                    self._advertiser,
                    "BASIC",
                    ["ad_id", "stat_time_day"],
                    self._token,
                    data_level="AUCTION_AD",
                    metrics=["spend", "impressions", "clicks"],
                    start_date=since.isoformat(),
                    end_date=until.isoformat(),
                    filtering=[
                        {
                            "field_name": "ad_ids",
                            "filter_type": "IN",
                            "filter_value": json.dumps(ad_ids),
                        }
                    ],
                    page=page,
                    page_size=REPORT_PAGE_SIZE,
                    **self._opts(),
                )
            data = answer["data"]
            yield from data.get("list") or []
            pages = int((data.get("page_info") or {}).get("total_page") or 1)
            page += 1

    def check_credentials(self) -> CredentialStatus:
        try:
            with self._calling(write=False):
                CampaignCreationApi(self._api()).campaign_get(
                    self._advertiser, self._token, page_size=1, **self._opts()
                )
        except PlatformError as exc:
            return CredentialStatus(False, exc.message)
        return CredentialStatus(True, f"advertiser {self._advertiser}")


def _schedule_fields(start_at: datetime, end_at: datetime | None) -> dict[str, Any]:
    """An ad group's schedule fields: from the start on (TikTok sets the end ten years later),
    or from the start to the end; times in UTC."""
    fields = {
        "schedule_type": "SCHEDULE_FROM_NOW" if end_at is None else "SCHEDULE_START_END",
        "schedule_start_time": start_at.astimezone(UTC).strftime(TIKTOK_TIME),
    }
    if end_at is not None:
        fields["schedule_end_time"] = end_at.astimezone(UTC).strftime(TIKTOK_TIME)
    return fields


def _hashes_by_type(members: tuple[HashedMember, ...]) -> dict[str, list[str]]:
    """Members' hashes as TikTok's customer files take them: one file per calculate_type."""
    return {
        "EMAIL_SHA256": [m.email_sha256 for m in members if m.email_sha256],
        "PHONE_SHA256": [m.phone_sha256 for m in members if m.phone_sha256],
    }
