"""TikTok in the contract test: read back with the Marketing API's own `*/get/` endpoints."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC
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

# TikTok's age groups; an employment ad reaches every adult one (18+, no narrowing).
ADULT_AGE_GROUPS = ["AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"]
# TikTok location ids are GeoNames ids; 3686110 is Colombia.
COLOMBIA = "3686110"
TIKTOK_TIME = "%Y-%m-%d %H:%M:%S"  # schedule times, UTC


class TikTokCase(ContractCase):
    def _get(self, sandbox: RunningSandbox, path: str, **params: Any) -> Any:
        c = sandbox.state.credentials["tiktok"]
        encoded = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
        response = httpx.get(
            f"{sandbox.base_url}/open_api/v1.3/{path}",
            params={"advertiser_id": c["advertiser_id"], **encoded},
            headers={"Access-Token": c["access_token"]},
            timeout=5,
        )
        envelope = response.json()
        assert response.status_code == 200 and envelope["code"] == 0, envelope
        return envelope["data"]

    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, Any]:
        objects: dict[str, Any] = {}
        for kind, path, filter_name in (
            ("campaign", "campaign", "campaign_ids"),
            ("ad_group", "adgroup", "adgroup_ids"),
            ("ad", "ad", "ad_ids"),
        ):
            data = self._get(sandbox, f"{path}/get/", filtering={filter_name: [ids[kind]]})
            (objects[kind],) = data["list"]
        image_ids = objects["ad"].get("image_ids") or []
        if image_ids:
            images = self._get(sandbox, "file/image/ad/info/", image_ids=image_ids)["list"]
            # TikTok's image_url is a CDN link anyone may fetch; the sandbox serves it on its
            # API host, where a request without the Access-Token header is refused.
            token = {"Access-Token": sandbox.state.credentials["tiktok"]["access_token"]}
            objects["images"] = [
                fetch_bytes(sandbox, image["image_url"], headers=token) for image in images
            ]
        return objects

    def held(self, sandbox: RunningSandbox, objects: Mapping[str, Any]) -> Held:
        ad, ad_group = objects["ad"], objects["ad_group"]
        assert ad_group["budget_mode"] == "BUDGET_MODE_DAY", ad_group["budget_mode"]
        images = objects.get("images") or []
        assert len(images) <= 1, "a single-image ad shows one image"
        return Held(
            link=ad["landing_page_url"],
            texts=(ad["display_name"], ad["ad_text"]),
            daily_budget_cop=int(float(ad_group["budget"])),  # units of the COP account
            targeting={
                "location_ids": sorted(ad_group["location_ids"]),
                "age_groups": sorted(ad_group.get("age_groups") or []),
                "gender": ad_group.get("gender"),
                "audience_ids": sorted(ad_group.get("audience_ids") or []),
                "languages": sorted(ad_group.get("languages") or []),
                "special_industries": objects["campaign"]["special_industries"],
                "call_to_action": ad["call_to_action"],
            },
            schedule=(ad_group.get("schedule_start_time"), ad_group.get("schedule_end_time")),
            image=images[0] if images else None,
        )

    def meant(self, sandbox: RunningSandbox, spec: AdSpec) -> Held:
        creative, targeting = spec.creative, spec.targeting
        return Held(
            link=creative.link_url,
            texts=(creative.display_name, creative.primary_text),
            daily_budget_cop=spec.daily_budget_cop,
            targeting={
                # TikTok takes regions by id, not radii: the ad reaches the whole country.
                "location_ids": [COLOMBIA],
                "age_groups": sorted(ADULT_AGE_GROUPS),
                "gender": "GENDER_UNLIMITED",
                "audience_ids": sorted(targeting.custom_audience_ids),
                "languages": sorted(targeting.languages),
                "special_industries": ["EMPLOYMENT"],
                "call_to_action": creative.call_to_action,
            },
            schedule=(
                spec.start_at.astimezone(UTC).strftime(TIKTOK_TIME),
                spec.end_at.astimezone(UTC).strftime(TIKTOK_TIME) if spec.end_at else None,
            ),
            image=creative.image_png,
        )

    def is_paused(self, objects: Mapping[str, Any]) -> bool:
        statuses = {objects[k]["operation_status"] for k in ("campaign", "ad_group", "ad")}
        if statuses == {"DISABLE"}:
            return True
        assert statuses == {"ENABLE"}, statuses
        return False

    def names(self, objects: Mapping[str, Any]) -> list[str]:
        return [
            objects["campaign"]["campaign_name"],
            objects["ad_group"]["adgroup_name"],
            objects["ad"]["ad_name"],
        ]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        (audience,) = [o for o in sandbox_objects(sandbox, "tiktok") if o["id"] == audience_id]
        members = audience["_members"]
        return {
            "email": set(members.get("EMAIL_SHA256", [])),
            "phone": set(members["PHONE_SHA256"]),
        }


CASE = TikTokCase(
    name="tiktok",
    tree=("campaign", "image", "ad_group", "ad"),
    findable=("campaign", "ad_group", "ad"),
    # TikTok's customer-file page (Aug 2025): symbols removed, "+" included; country code kept.
    phone_text="573001234567",
    first_create="POST /open_api/v1.3/campaign/create/",
    # TikTok names the field only inside its message ("age_groups: ..."): no separate field.
    rejected=Rejection({"targeting": narrowed_ages()}, field=None),
    # Code 40100 carries no wait at all; an HTTP 429 carries Retry-After, which is the wait.
    rate_limit_variant="429",
    expected_wait_s=lambda retry_after_s: retry_after_s,
)
