"""Snapchat adapter on Snap's Marketing API v1, spoken with `requests` (Snap has no Python SDK).

The tree, in creation order: campaign -> ad squad (budget, schedule, targeting) -> media (the
job's image as a 9:16 Top Snap) -> web-view creative (headline, brand, the apply URL) -> ad. The
ad account must bill in COP (budgets go as micro-currency, 1 COP = 1,000,000) and declare Housing,
Employment and Credit ads (`regulations.restricted_delivery_signals`); every campaign carries the
same declaration and every ad squad `targeting.regulated_content`. Objects are created one per
request (Snap takes batches; one item keeps a refusal tied to its object) and updated by reading
the object and PUTting it back whole, as Snap's updates replace what they are sent.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from adflux.platforms import snapchat_audience, snapchat_reports
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
    cop_to_micros,
    name_has_key,
    named,
    sdk_status,
)
from adflux.platforms.settings import SnapchatSettings
from adflux.platforms.snapchat_http import IMPORT_ERROR, SnapClient
from adflux.platforms.snapchat_targeting import snapchat_targeting

NAME_MAX = 375
ACCOUNT_CURRENCY = "COP"
# Fields of a read object that an update does not send back (read-only on Snap's side).
READ_ONLY = {"created_at", "updated_at", "delivery_status", "review_status",
             "review_status_reasons", "child_ad_type", "effective_status"}  # fmt: skip
# Customer List segments keep their members for life unless told otherwise ("9999").
RETENTION_LIFETIME = 9999


class SnapchatAdapter(PlatformAdapter):
    name = "snapchat"
    display_name = "Snapchat Ads"
    # A Customer List segment is targetable from 1,000 matched Snapchatters (targetable_status
    # TOO_FEW_USERS below it; the figure Snap's partners document: Salesforce, mParticle).
    min_custom_audience = 1000

    def __init__(self, settings: SnapchatSettings) -> None:
        self._settings = settings
        self._client = SnapClient(settings)
        self._lock = threading.Lock()
        self._account_checked = False

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return sdk_status("requests", IMPORT_ERROR)

    @property
    def _account_id(self) -> str:
        return str(self._settings.ad_account_id)

    # ------------------------------------------------------------------ the account

    def _check_account(self) -> None:
        """Once per process: the ad account bills in COP and declares employment ads."""
        with self._lock:
            if self._account_checked:
                return
        body = self._client.call("GET", f"/adaccounts/{self._account_id}", write=False)
        account = body["adaccounts"][0]["adaccount"]
        if account.get("currency") != ACCOUNT_CURRENCY:
            raise InvalidRequest(
                self.name,
                f"ad account {self._account_id} bills in {account.get('currency')}; AdFlux "
                "budgets are Colombian pesos, so it needs a COP ad account",
                field="ad_account_id",
            )
        if not (account.get("regulations") or {}).get("restricted_delivery_signals"):
            raise InvalidRequest(
                self.name,
                f"ad account {self._account_id} has not declared Housing, Employment and Credit "
                "ads (regulations.restricted_delivery_signals), which job ads need",
                field="regulations",
            )
        with self._lock:
            self._account_checked = True

    # ------------------------------------------------------------------ publish

    def publish(
        self, spec: AdSpec, *, known_ids: Mapping[str, str], on_created: OnCreated
    ) -> PublishResult:
        ids = dict(known_ids)
        key, status = spec.publication_key, "ACTIVE" if spec.active else "PAUSED"

        def created(kind: str, object_id: str) -> None:
            ids[kind] = object_id
            on_created(kind, object_id)

        if "ad" in ids:
            return PublishResult(external_ids=ids)
        if spec.creative.image_png is None and "creative" not in ids:
            raise InvalidRequest(
                self.name, "a Snap ad shows a Top Snap image and this ad has none", field="image"
            )
        self._check_account()
        if "campaign" not in ids:
            created("campaign", self._create_campaign(spec, status))
        if "ad_squad" not in ids:
            created("ad_squad", self._create_ad_squad(spec, ids["campaign"], status))
        if "creative" not in ids:
            assert spec.creative.image_png is not None
            if "media" not in ids:
                created("media", self._create_media(key, spec.name))
                self._upload(ids["media"], spec.creative.image_png)
            else:  # recorded by an earlier attempt, which may have stopped before the upload
                self._ensure_uploaded(ids["media"], spec.creative.image_png)
            created("creative", self._create_creative(key, spec.name, spec.creative, ids["media"]))
        created("ad", self._create_ad(spec, ids, status))
        return PublishResult(external_ids=ids)

    def _create(self, path: str, plural: str, singular: str, item: dict[str, Any]) -> str:
        body = self._client.call("POST", path, write=True, json={plural: [item]})
        return str(body[plural][0][singular]["id"])

    def _create_campaign(self, spec: AdSpec, status: str) -> str:
        item = {
            "ad_account_id": self._account_id,
            "name": named(spec.publication_key, "campaign", spec.name)[:NAME_MAX],
            "status": status,
            "start_time": _snap_time(spec.start_at),
            "objective_v2_properties": {"objective_v2_type": "TRAFFIC"},
            # Campaigns that run employment ads say so ("regulations", Campaigns reference).
            "regulations": {"restricted_delivery_signals": True},
        }
        return self._create(f"/adaccounts/{self._account_id}/campaigns", "campaigns",
                            "campaign", item)  # fmt: skip

    def _create_ad_squad(self, spec: AdSpec, campaign_id: str, status: str) -> str:
        item: dict[str, Any] = {
            "campaign_id": campaign_id,
            "name": named(spec.publication_key, "ad_squad", spec.name)[:NAME_MAX],
            "type": "SNAP_ADS",
            "status": status,
            "placement_v2": {"config": "AUTOMATIC"},
            "billing_event": "IMPRESSION",
            "optimization_goal": "SWIPES",  # a swipe up opens the job's page
            "bid_strategy": "AUTO_BID",
            "daily_budget_micro": cop_to_micros(spec.daily_budget_cop),
            "start_time": _snap_time(spec.start_at),
            "targeting": snapchat_targeting(spec.targeting, self._settings.country_code),
        }
        if spec.end_at is not None:
            item["end_time"] = _snap_time(spec.end_at)
        return self._create(f"/campaigns/{campaign_id}/adsquads", "adsquads", "adsquad", item)

    def _create_media(self, key: str, name: str) -> str:
        """A media object, still without its file (PENDING_UPLOAD): recorded at once, so a
        retry uploads to it instead of leaving it behind and making another."""
        return self._create(
            f"/adaccounts/{self._account_id}/media",
            "media",
            "media",
            {"ad_account_id": self._account_id, "type": "IMAGE",
             "name": named(key, "media", name)[:NAME_MAX]},
        )  # fmt: skip

    def _upload(self, media_id: str, png: bytes) -> None:
        self._client.call(
            "POST",
            f"/media/{media_id}/upload",
            write=False,  # uploading the same file again to the same media is harmless
            files={"file": ("top-snap.png", png, "image/png")},
        )

    def _ensure_uploaded(self, media_id: str, png: bytes) -> None:
        if self._get("media", media_id, "media").get("media_status") != "READY":
            self._upload(media_id, png)

    def _create_creative(self, key: str, name: str, creative: Creative, media_id: str) -> str:
        headline = creative.headlines[0] if creative.headlines else creative.primary_text
        item = {
            "ad_account_id": self._account_id,
            "name": named(key, "creative", name)[:NAME_MAX],
            "type": "WEB_VIEW",
            # Fitted to Snap's 34 and 32 characters by campaigns/creatives.py; never cut here.
            "headline": headline,
            "brand_name": creative.display_name,
            "top_snap_media_id": media_id,
            "call_to_action": creative.call_to_action,
            "shareable": True,
            # A swipe up opens the apply URL (with AdFlux's tracking code) in Snapchat's browser.
            "web_view_properties": {
                "url": creative.link_url,
                "allow_snap_javascript_sdk": False,
                "block_preload": True,
            },
        }
        return self._create(f"/adaccounts/{self._account_id}/creatives", "creatives",
                            "creative", item)  # fmt: skip

    def _create_ad(self, spec: AdSpec, ids: Mapping[str, str], status: str) -> str:
        item = {
            "ad_squad_id": ids["ad_squad"],
            "creative_id": ids["creative"],
            "name": named(spec.publication_key, "ad", spec.name)[:NAME_MAX],
            "type": "REMOTE_WEBPAGE",  # the ad type of WEB_VIEW creatives
            "status": status,
        }
        return self._create(f"/adsquads/{ids['ad_squad']}/ads", "ads", "ad", item)

    # ------------------------------------------------------------------ lookups and changes

    def find_existing(self, publication_key: str) -> dict[str, str]:
        found: dict[str, str] = {}
        client, account = self._client, self._account_id

        def first(objects: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
            return next((o for o in objects if name_has_key(o.get("name") or "", publication_key)),
                        None)  # fmt: skip

        campaign = first(client.pages(f"/adaccounts/{account}/campaigns", "campaigns", "campaign"))
        if campaign is None:
            return found
        found["campaign"] = campaign["id"]
        squad = first(client.pages(f"/campaigns/{campaign['id']}/adsquads", "adsquads", "adsquad"))
        if squad is not None:
            found["ad_squad"] = squad["id"]
        ad = first(client.pages(f"/adsquads/{squad['id']}/ads", "ads", "ad")) if squad else None
        if ad is not None:
            # The creative (and its media) the ad shows, also after an update replaced them.
            creative = self._get("creatives", ad["creative_id"], "creative")
            found["media"] = creative["top_snap_media_id"]
            found["creative"] = creative["id"]
            found["ad"] = ad["id"]
            return _in_tree_order(found)
        # The publication's media, uploaded or not (publish uploads to one it finds without).
        media = [
            m
            for m in client.pages(f"/adaccounts/{account}/media", "media", "media")
            if name_has_key(m.get("name") or "", publication_key)
        ]
        if media:
            found["media"] = media[-1]["id"]
            creatives = [
                c
                for c in client.pages(f"/adaccounts/{account}/creatives", "creatives", "creative")
                if name_has_key(c.get("name") or "", publication_key)
                and c.get("top_snap_media_id") == found["media"]
            ]
            if creatives:
                found["creative"] = creatives[-1]["id"]
        return _in_tree_order(found)

    def _get(self, collection: str, object_id: str, singular: str) -> dict[str, Any]:
        body = self._client.call("GET", f"/{collection}/{object_id}", write=False)
        return dict(body[collection][0][singular])

    def _put(self, path: str, plural: str, obj: dict[str, Any]) -> None:
        item = {k: v for k, v in obj.items() if k not in READ_ONLY}
        # A whole object: Snap's update replaces what it holds with what it is sent.
        self._client.call("PUT", path, write=False, json={plural: [item]})

    def set_active(self, external_ids: Mapping[str, str], active: bool) -> None:
        status = "ACTIVE" if active else "PAUSED"
        for kind, collection, singular in (
            ("campaign", "campaigns", "campaign"),
            ("ad_squad", "adsquads", "adsquad"),
            ("ad", "ads", "ad"),
        ):
            object_id = external_ids.get(kind)
            if not object_id:
                continue
            obj = self._get(collection, object_id, singular)
            if obj.get("status") != status:
                self._put(_collection_path(kind, obj), collection, {**obj, "status": status})

    def update(
        self,
        external_ids: Mapping[str, str],
        change: PublicationChange,
        *,
        publication_key: str,
        on_created: OnCreated,
    ) -> UpdateResult:
        ids = dict(external_ids)
        # Budget, schedule and targeting live on the ad squad: one read, one whole PUT.
        if change.daily_budget_cop is not None or change.schedule or change.targeting:
            squad = self._get("adsquads", ids["ad_squad"], "adsquad")
            if change.daily_budget_cop is not None:
                squad["daily_budget_micro"] = cop_to_micros(change.daily_budget_cop)
            if change.schedule is not None:
                squad["start_time"] = _snap_time(change.schedule.start_at)
                squad.pop("end_time", None)  # left out: no end
                if change.schedule.end_at is not None:
                    squad["end_time"] = _snap_time(change.schedule.end_at)
            if change.targeting is not None:
                squad["targeting"] = snapchat_targeting(
                    change.targeting, self._settings.country_code
                )
            self._put(f"/campaigns/{squad['campaign_id']}/adsquads", "adsquads", squad)
            if change.schedule is not None:  # once the ad squad took it
                self._move_campaign_start(ids["campaign"], change.schedule.start_at)
        if change.creative is not None:
            self._replace_creative(ids, change.creative, publication_key, on_created)
        return UpdateResult(external_ids=ids)

    def _move_campaign_start(self, campaign_id: str, start_at: datetime) -> None:
        """The campaign's start bounds its ad squad's: bring it forward with an earlier one."""
        campaign = self._get("campaigns", campaign_id, "campaign")
        held = datetime.fromisoformat(str(campaign["start_time"]).replace("Z", "+00:00"))
        if start_at < held:
            campaign["start_time"] = _snap_time(start_at)
            self._put(f"/adaccounts/{self._account_id}/campaigns", "campaigns", campaign)

    def _replace_creative(
        self, ids: dict[str, str], creative: Creative, key: str, on_created: OnCreated
    ) -> None:
        """A running ad's copy changes through a new creative (and its image through new
        media), which the ad is then pointed at: the ad keeps its id, status and stats.

        The new objects are named after their content, so a change applied again (the answer
        was lost, the task ran twice) finds them instead of making them twice."""
        ad = self._get("ads", ids["ad"], "ad")
        name = f"{ad['name'].removeprefix(f'[{key}] ad: ')} #{_content_digest(creative)}"
        made = self._named(key, "creative", name, "creatives", "creative")
        if made is not None:
            media_id, creative_id = made["top_snap_media_id"], made["id"]
        else:
            media_id = ids["media"]
            if creative.image_png is not None:
                found = self._named(key, "media", name, "media", "media")
                media_id = found["id"] if found is not None else self._create_media(key, name)
                if media_id != ids["media"]:
                    ids["media"] = media_id
                    on_created("media", media_id)
                if found is None:
                    self._upload(media_id, creative.image_png)
                else:
                    self._ensure_uploaded(media_id, creative.image_png)
            creative_id = None
        if media_id != ids["media"]:
            ids["media"] = media_id
            on_created("media", media_id)
        if creative_id is None:
            creative_id = self._create_creative(key, name, creative, media_id)
        if creative_id != ids["creative"]:
            ids["creative"] = creative_id
            on_created("creative", creative_id)
        if ad["creative_id"] != creative_id:
            path = f"/adsquads/{ad['ad_squad_id']}/ads"
            self._put(path, "ads", {**ad, "creative_id": creative_id})

    def _named(
        self, key: str, kind: str, name: str, collection: str, singular: str
    ) -> dict[str, Any] | None:
        """The account's last object of a collection named `named(key, kind, name)`."""
        wanted = named(key, kind, name)[:NAME_MAX]
        path = f"/adaccounts/{self._account_id}/{collection}"
        found = [o for o in self._client.pages(path, collection, singular) if o["name"] == wanted]
        return found[-1] if found else None

    # ------------------------------------------------------------------ audiences

    def sync_audience(self, spec: AudienceSpec) -> AudienceResult:
        audience_id = spec.existing_id
        if audience_id is None:
            audience_id = self._create(
                f"/adaccounts/{self._account_id}/segments",
                "segments",
                "segment",
                {
                    "ad_account_id": self._account_id,
                    "name": named(spec.audience_key, "audience", spec.name)[:NAME_MAX],
                    "description": "AdFlux: consenting candidates (Ley 1581 de 2012)",
                    "source_type": "FIRST_PARTY",
                    "retention_in_days": RETENTION_LIFETIME,
                },
            )
        receipt = snapchat_audience.send_users(self._client, "POST", audience_id, spec.members)
        return AudienceResult(external_id=audience_id, uploaded=len(spec.members), receipt=receipt)

    def remove_audience_members(
        self, audience_id: str, members: tuple[HashedMember, ...]
    ) -> AudienceResult:
        # Snap Audience Match's own removal: DELETE on the segment's users with the same hashes.
        receipt = snapchat_audience.send_users(self._client, "DELETE", audience_id, members)
        return AudienceResult(external_id=audience_id, uploaded=len(members), receipt=receipt)

    # ------------------------------------------------------------------ results

    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        keys = {ids["ad"]: key for key, ids in trees.items() if ids.get("ad")}
        return snapchat_reports.daily_rows(self._client, self._account_id, keys, since, until)

    def check_credentials(self) -> CredentialStatus:
        try:
            body = self._client.call(
                "GET", "/me/organizations", write=False, params={"with_ad_accounts": "true"}
            )
        except PlatformError as exc:
            return CredentialStatus(False, exc.message)
        for entry in body.get("organizations") or []:
            organization = entry.get("organization") or {}
            if organization.get("id") != self._settings.organization_id:
                continue
            for account in organization.get("ad_accounts") or []:
                if account.get("id") == self._account_id:
                    return CredentialStatus(
                        True,
                        f"organisation {organization.get('name') or organization['id']}, "
                        f"ad account {self._account_id} ({account.get('currency')})",
                    )
            return CredentialStatus(
                False, f"ad account {self._account_id} is not in organisation {organization['id']}"
            )
        return CredentialStatus(
            False, f"organisation {self._settings.organization_id} is not reachable with this login"
        )


def _content_digest(creative: Creative) -> str:
    """A short digest of what a creative shows: its texts, link, call to action and image."""
    digest = hashlib.sha256()
    for part in (*creative.headlines, creative.primary_text, creative.display_name,
                 creative.link_url, creative.call_to_action):  # fmt: skip
        digest.update(part.encode() + b"\0")
    digest.update(creative.image_png or b"")
    return digest.hexdigest()[:12]


def _collection_path(kind: str, obj: Mapping[str, Any]) -> str:
    """The collection an object is updated through (its parent's)."""
    if kind == "campaign":
        return f"/adaccounts/{obj['ad_account_id']}/campaigns"
    if kind == "ad_squad":
        return f"/campaigns/{obj['campaign_id']}/adsquads"
    return f"/adsquads/{obj['ad_squad_id']}/ads"


def _in_tree_order(found: dict[str, str]) -> dict[str, str]:
    order = ("campaign", "ad_squad", "media", "creative", "ad")
    return {kind: found[kind] for kind in order if kind in found}


def _snap_time(moment: datetime) -> str:
    """ISO 8601 with milliseconds and offset, as Snap's reference writes times."""
    return moment.isoformat(timespec="milliseconds")
