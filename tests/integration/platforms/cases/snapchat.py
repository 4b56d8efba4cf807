"""Snapchat in the contract test: read back with Snap's own Marketing API GETs (a bearer token
from the refresh grant, as any Snap client gets one), never through the adapter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from tests.integration.platforms.cases.base import (
    ContractCase,
    Held,
    Rejection,
    fetch_bytes,
    narrowed_ages,
    sandbox_objects,
)

from adflux.platforms.base import AdSpec
from adflux.sandbox.server import RunningSandbox


def _snap_time(moment: datetime | None) -> str | None:
    """How Snap answers a time: UTC with milliseconds."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class SnapchatCase(ContractCase):
    def _get(self, sandbox: RunningSandbox, path: str) -> Any:
        c = sandbox.state.credentials["snapchat"]
        grant = httpx.post(
            f"{sandbox.base_url}/login/oauth2/access_token",
            data={"grant_type": "refresh_token", "client_id": c["client_id"],
                  "client_secret": c["client_secret"], "refresh_token": c["refresh_token"]},
            timeout=5,
        )  # fmt: skip
        token = grant.json()["access_token"]
        response = httpx.get(
            f"{sandbox.base_url}/v1/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        body = response.json()
        assert response.status_code == 200 and body["request_status"] == "SUCCESS", body
        return body

    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, Any]:
        objects: dict[str, Any] = {}
        for kind, collection, singular in (
            ("campaign", "campaigns", "campaign"),
            ("ad_squad", "adsquads", "adsquad"),
            ("media", "media", "media"),
            ("creative", "creatives", "creative"),
            ("ad", "ads", "ad"),
        ):
            (entry,) = self._get(sandbox, f"{collection}/{ids[kind]}")[collection]
            assert entry["sub_request_status"] == "SUCCESS"
            objects[kind] = entry[singular]
        # The media's download link is where Snap serves the uploaded file.
        objects["image"] = fetch_bytes(sandbox, objects["media"]["download_link"])
        return objects

    def held(self, sandbox: RunningSandbox, objects: Mapping[str, Any]) -> Held:
        squad, creative = objects["ad_squad"], objects["creative"]
        assert objects["ad"]["creative_id"] == creative["id"]
        assert creative["top_snap_media_id"] == objects["media"]["id"]
        targeting = squad["targeting"]
        return Held(
            link=creative["web_view_properties"]["url"],
            texts=(creative["brand_name"], creative["headline"]),
            # Snap budgets are micro-currency of the ad account's currency (COP here).
            daily_budget_cop=squad["daily_budget_micro"] // 1_000_000,
            targeting={
                "geos": targeting["geos"],
                "demographics": targeting["demographics"],
                "circles": [c for loc in targeting.get("locations") or [] for c in loc["circles"]],
                "segments": sorted(
                    i for group in targeting.get("segments") or [] for i in group["segment_id"]
                ),
                "regulated_content": targeting.get("regulated_content"),
                "campaign_regulations": objects["campaign"].get("regulations"),
                "call_to_action": creative["call_to_action"],
                "types": (objects["ad"]["type"], creative["type"], objects["media"]["type"]),
            },
            schedule=(squad.get("start_time"), squad.get("end_time")),
            image=objects["image"],
        )

    def meant(self, sandbox: RunningSandbox, spec: AdSpec) -> Held:
        creative, targeting = spec.creative, spec.targeting
        return Held(
            link=creative.link_url,
            texts=(creative.display_name, creative.headlines[0]),
            daily_budget_cop=spec.daily_budget_cop,
            targeting={
                # Colombia, every adult in the ad's languages, each city as a circle of its
                # radius in kilometres; an employment ad is regulated (HEC) content.
                "geos": [{"country_code": "co"}],
                "demographics": [{"min_age": "18", "languages": list(targeting.languages)}],
                "circles": [
                    {
                        "latitude": place.latitude,
                        "longitude": place.longitude,
                        "radius": place.radius_km,
                        "unit": "KILOMETERS",
                    }
                    for place in targeting.locations
                ],
                "segments": sorted(targeting.custom_audience_ids),
                "regulated_content": True,
                "campaign_regulations": {"restricted_delivery_signals": True},
                "call_to_action": creative.call_to_action,
                "types": ("REMOTE_WEBPAGE", "WEB_VIEW", "IMAGE"),
            },
            schedule=(_snap_time(spec.start_at), _snap_time(spec.end_at)),
            image=creative.image_png,
        )

    def is_paused(self, objects: Mapping[str, Any]) -> bool:
        statuses = {objects[k]["status"] for k in ("campaign", "ad_squad", "ad")}
        if statuses == {"PAUSED"}:
            return True
        assert statuses == {"ACTIVE"}, statuses
        return False

    def names(self, objects: Mapping[str, Any]) -> list[str]:
        return [objects[k]["name"] for k in ("campaign", "ad_squad", "media", "creative", "ad")]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        (segment,) = [o for o in sandbox_objects(sandbox, "snapchat") if o["id"] == audience_id]
        members = segment["_members"]
        return {
            "email": set(members.get("EMAIL_SHA256", [])),
            "phone": set(members.get("PHONE_SHA256", [])),
        }


CASE = SnapchatCase(
    name="snapchat",
    tree=("campaign", "ad_squad", "media", "creative", "ad"),
    findable=("campaign", "ad_squad", "media", "creative", "ad"),
    # Snap Audience Match: digits with the country code, no "+" and no leading zeros.
    phone_text="573001234567",
    first_create="POST /v1/adaccounts/",
    # Snap names the field inside its message ("targeting.demographics.min_age: ..."), in no
    # field of its own.
    rejected=Rejection({"targeting": narrowed_ages()}, field=None),
    # Snap's 429 carries no wait (none is documented): backoff starts at the adapter's 60 s.
    expected_wait_s=lambda retry_after_s: 60.0,
    image_kinds=("media",),
)
