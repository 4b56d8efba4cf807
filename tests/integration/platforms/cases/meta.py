"""Meta in the contract test: read back with the official SDK's read calls (facebook-business)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adset import AdSet
from facebook_business.adobjects.campaign import Campaign
from facebook_business.api import FacebookAdsApi, FacebookSession
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

CAMPAIGN_FIELDS = ["name", "status", "objective", "special_ad_categories"]
CAMPAIGN_FIELDS += ["special_ad_category_country"]
AD_SET_FIELDS = ["name", "status", "daily_budget", "targeting", "campaign", "start_time"]
AD_SET_FIELDS += ["end_time"]
AD_FIELDS = ["name", "status", "effective_status", "adset_id", "creative"]
CREATIVE_FIELDS = ["name", "object_story_spec"]
# Meta's targeting spec: genders 1 = men, 2 = women; none means everyone.
GENDERS = {"male": 1, "female": 2}


def _api(sandbox: RunningSandbox) -> Any:
    credentials = sandbox.state.credentials["meta"]
    session = FacebookSession(
        access_token=credentials["access_token"], app_secret=credentials["app_secret"], timeout=5
    )
    session.GRAPH = sandbox.base_url
    return FacebookAdsApi(session, api_version="v26.0")


def _moment(value: str | None) -> str | None:
    """Graph's times (ISO 8601, any offset) as one UTC instant, to compare across notations."""
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC).isoformat()


class MetaCase(ContractCase):
    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, dict]:
        # Down the tree through the SDK's own edges, as a Meta developer reads an ad back.
        api = _api(sandbox)
        campaign = Campaign(ids["campaign"], api=api).api_get(fields=CAMPAIGN_FIELDS)
        (ad_set,) = Campaign(ids["campaign"], api=api).get_ad_sets(fields=AD_SET_FIELDS)
        (ad,) = AdSet(ad_set["id"], api=api).get_ads(fields=AD_FIELDS)
        (creative,) = ad.get_ad_creatives(fields=CREATIVE_FIELDS)
        assert [ad_set["id"], ad["id"], creative["id"]] == [
            ids["ad_set"],
            ids["ad"],
            ids["creative"],
        ]
        objects = {
            "campaign": campaign.export_all_data(),
            "ad_set": ad_set.export_all_data(),
            "creative": creative.export_all_data(),
            "ad": ad.export_all_data(),
        }
        # The ad's creative is the AdCreative node, as Graph serves it.
        assert objects["ad"]["creative"] == {"id": ids["creative"]}
        image_hash = objects["creative"]["object_story_spec"]["link_data"].get("image_hash")
        if image_hash:
            account = AdAccount(sandbox.state.credentials["meta"]["ad_account_id"], api=api)
            (image,) = account.get_ad_images(
                fields=["hash", "url"], params={"hashes": [image_hash]}
            )
            objects["image"] = {"hash": image["hash"], "bytes": fetch_bytes(sandbox, image["url"])}
        return objects

    def held(self, sandbox: RunningSandbox, objects: Mapping[str, dict]) -> Held:
        link_data = objects["creative"]["object_story_spec"]["link_data"]
        call_to_action = link_data["call_to_action"]
        assert call_to_action["value"]["link"] == link_data["link"], call_to_action
        targeting = objects["ad_set"]["targeting"]
        geo = targeting["geo_locations"]
        ad_set = objects["ad_set"]
        return Held(
            link=link_data["link"],
            texts=tuple(link_data.get(k) for k in ("name", "description", "message")),
            # COP has offset 1 in Meta's currency table: budgets are whole pesos.
            daily_budget_cop=int(ad_set["daily_budget"]),
            targeting={
                "ages": (targeting.get("age_min"), targeting.get("age_max")),
                "genders": sorted(targeting.get("genders", [])),
                "places": sorted(
                    (p["latitude"], p["longitude"], p["radius"], p["distance_unit"])
                    for p in geo.get("custom_locations", [])
                ),
                "countries": geo.get("countries", []),
                "custom_audiences": sorted(a["id"] for a in targeting.get("custom_audiences", [])),
                "advantage_audience": targeting["targeting_automation"]["advantage_audience"],
                "call_to_action": call_to_action["type"],
                "special_ad_categories": objects["campaign"]["special_ad_categories"],
            },
            schedule=(_moment(ad_set.get("start_time")), _moment(ad_set.get("end_time"))),
            image=objects["image"]["bytes"] if "image" in objects else None,
        )

    def meant(self, sandbox: RunningSandbox, spec: AdSpec) -> Held:
        creative, targeting = spec.creative, spec.targeting
        places = [p for p in targeting.locations if p.latitude is not None]
        return Held(
            link=creative.link_url,
            texts=(
                creative.headlines[0] if creative.headlines else spec.name,
                creative.descriptions[0] if creative.descriptions else None,
                creative.primary_text,
            ),
            daily_budget_cop=spec.daily_budget_cop,
            targeting={
                "ages": (targeting.age_min, targeting.age_max),
                "genders": sorted(GENDERS[g] for g in targeting.genders),
                "places": sorted(
                    (p.latitude, p.longitude, p.radius_km, "kilometer") for p in places
                ),
                "countries": [] if places else [targeting.country],
                "custom_audiences": sorted(targeting.custom_audience_ids),
                # Advantage+ audience would widen the audience past the targeting: off.
                "advantage_audience": 0,
                "call_to_action": creative.call_to_action,
                "special_ad_categories": ["EMPLOYMENT"],
            },
            schedule=(
                spec.start_at.astimezone(UTC).isoformat(),
                spec.end_at.astimezone(UTC).isoformat() if spec.end_at else None,
            ),
            image=creative.image_png,
        )

    def is_paused(self, objects: Mapping[str, dict]) -> bool:
        statuses = {objects[k]["status"] for k in ("campaign", "ad_set", "ad")}
        if statuses == {"PAUSED"}:
            return True
        assert statuses == {"ACTIVE"}, statuses
        return False

    def names(self, objects: Mapping[str, dict]) -> list[str]:
        return [objects[k]["name"] for k in ("campaign", "ad_set", "creative", "ad")]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        (audience,) = [o for o in sandbox_objects(sandbox, "meta") if o["id"] == audience_id]
        users = audience["_users"]
        return {"email": set(users.get("EMAIL_SHA256", [])), "phone": set(users["PHONE_SHA256"])}


CASE = MetaCase(
    name="meta",
    tree=("campaign", "image", "ad_set", "creative", "ad"),
    findable=("campaign", "ad_set", "creative", "ad"),
    # Meta: digits with the country code, no "+" (Custom Audience hashing guide).
    phone_text="573001234567",
    first_create="POST /v26.0/act_1000000001/campaigns",
    rejected=Rejection({"targeting": narrowed_ages()}, field="targeting.age_min"),
    # estimated_time_to_regain_access is in minutes: 180 s -> 3 min -> 180 s.
    expected_wait_s=lambda retry_after_s: retry_after_s,
)
