"""What the emulated Snap Marketing API accepts: each object's fields, checked whole.

Field rules from Snap's Ads API reference (developers.snap.com/api/marketing-api/Ads-API:
campaigns, ad-squads, creatives, media, ads, customer-lists; /work notes in snapchat-facts.md).
A refusal is an HTTP 400 whose message starts with the field's path ("targeting.demographics:
..."), as the sandbox's other platforms name theirs; Snap's own bodies carry no separate field.

Employment ads (Housing, Employment and Credit, "HEC"): an ad account that runs them declares
`regulations.restricted_delivery_signals`, its campaigns carry the same `regulations`, and their ad
squads `targeting.regulated_content: true`; such an ad squad takes no age narrowing (18 and up),
no gender, no postal codes, no exclusions, no lookalikes and no audience expansion.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

STATUSES = {"ACTIVE", "PAUSED"}
OBJECTIVES = {"BRAND_AWARENESS", "APP_CONVERSION", "APP_INSTALL", "CATALOG_SALES", "ENGAGEMENT",
              "LEAD_GENERATION", "VIDEO_VIEW", "WEB_CONVERSION", "PROMOTE_STORIES",
              "PROMOTE_PLACES"}  # fmt: skip
OBJECTIVES_V2 = {"AWARENESS_AND_ENGAGEMENT", "TRAFFIC", "LEADS", "APP_PROMOTION", "SALES"}
SQUAD_TYPES = {"SNAP_ADS", "LENS", "FILTER"}
BILLING_EVENTS = {"IMPRESSION"}
OPTIMIZATION_GOALS = {
    "IMPRESSIONS", "SWIPES", "APP_INSTALLS", "VIDEO_VIEWS", "USES", "STORY_OPENS",
    "PIXEL_PAGE_VIEW", "PIXEL_SIGNUP", "LANDING_PAGE_VIEW",
}  # fmt: skip
BID_STRATEGIES = {"AUTO_BID", "LOWEST_COST_WITH_MAX_BID", "TARGET_COST"}
PLACEMENT_CONFIGS = {"AUTOMATIC", "CUSTOM"}
CREATIVE_TYPES = {"SNAP_AD", "WEB_VIEW", "APP_INSTALL", "DEEP_LINK"}
CALLS_TO_ACTION = {"APPLY_NOW", "LEARN_MORE", "MORE", "SIGN_UP", "VIEW_MORE", "SHOP_NOW",
                   "BOOK_NOW", "GET_NOW", "ORDER_NOW", "WATCH_MORE"}  # fmt: skip
# Ad type -> the creative type it takes (the Ads reference's mapping table).
AD_TYPES = {
    "SNAP_AD": "SNAP_AD", "REMOTE_WEBPAGE": "WEB_VIEW", "APP_INSTALL": "APP_INSTALL",
    "DEEP_LINK": "DEEP_LINK",
}  # fmt: skip
MEDIA_TYPES = {"IMAGE", "VIDEO"}
OPERATIONS = {"INCLUDE", "EXCLUDE"}
GENDERS = {"MALE", "FEMALE"}
UNITS = {"KILOMETERS": 1.0, "MILES": 1.609344}

NAME_MAX = 375
HEADLINE_MAX = 34
BRAND_NAME_MAX = 32
# Snap ad squads: "daily_budget_micro ... Minimum value 5000000" (USD 5); a campaign's daily spend
# cap, where set, at least USD 20. The sandbox's account bills in COP at 4,000 COP per USD.
COP_PER_USD = 4_000
MIN_SQUAD_DAILY_BUDGET_MICRO = 5 * COP_PER_USD * 1_000_000
MIN_CAMPAIGN_DAILY_CAP_MICRO = 20 * COP_PER_USD * 1_000_000
# Top Snap images (Snap's creative specs): 9:16, at least 1080x1920, PNG or JPEG, at most 5 MB.
TOP_SNAP_SIZE = (1080, 1920)
IMAGE_MAX_BYTES = 5 * 1024 * 1024
ADULT_AGE = 18
COUNTRY = re.compile(r"^[a-z]{2}$")
URL = re.compile(r"^https?://\S+$")


class SnapError(Exception):
    """A refusal: HTTP status, message, and Snap-style error code."""

    def __init__(self, http_status: int, message: str, error_code: str = "E1008") -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.error_code = error_code


def invalid(field: str, message: str) -> SnapError:
    return SnapError(400, f"{field}: {message}")


def not_found(field: str, object_id: Any) -> SnapError:
    # E3003 is what Snap answers for an unknown id (as third-party clients quote it).
    return SnapError(404, f"{field}: no object with id {object_id} in this ad account", "E3003")


# --------------------------------------------------------------------------- field checks


def require(item: dict[str, Any], *names: str) -> None:
    for name in names:
        if item.get(name) in (None, "", []):
            raise invalid(name, "is required")


def one_of(item: dict[str, Any], name: str, allowed: set[str] | dict[str, Any]) -> None:
    value = item.get(name)
    if value is not None and value not in allowed:
        raise invalid(name, f"{value!r} is not one of {', '.join(sorted(allowed))}")


def text(item: dict[str, Any], name: str, high: int, *, required: bool = True) -> None:
    value = item.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, "must be a non-empty string")
    if len(value) > high:
        raise invalid(name, f"max length: {high} characters (got {len(value)})")


def moment(item: dict[str, Any], name: str) -> float | None:
    """An ISO 8601 time with an offset (or "Z") as epoch seconds; None when absent."""
    value = item.get(name)
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(
            name, "must be an ISO 8601 time, e.g. 2026-12-04T00:00:00.000-05:00"
        ) from None
    if parsed.tzinfo is None:
        raise invalid(name, "must carry a time zone offset")
    return parsed.timestamp()


def micro(item: dict[str, Any], name: str, minimum: int) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, "must be an integer amount of micro-currency")
    if value < minimum:
        raise invalid(name, f"must be at least {minimum} micro-currency ({minimum // 10**6} COP)")
    return value


def schedule(item: dict[str, Any]) -> tuple[float | None, float | None]:
    start, end = moment(item, "start_time"), moment(item, "end_time")
    if start is not None and end is not None and end <= start:
        raise invalid("end_time", "must be later than start_time")
    return start, end


# --------------------------------------------------------------------------- objects


def check_campaign(item: dict[str, Any], account: dict[str, Any]) -> tuple[float | None, ...]:
    require(item, "ad_account_id", "name", "status", "start_time")
    if item["ad_account_id"] != account["id"]:
        raise invalid("ad_account_id", "does not match the ad account in the path")
    text(item, "name", NAME_MAX)
    one_of(item, "status", STATUSES)
    one_of(item, "objective", OBJECTIVES)
    v2 = item.get("objective_v2_properties")
    if v2 is not None:
        if not isinstance(v2, dict):
            raise invalid("objective_v2_properties", "must be an object")
        one_of(v2, "objective_v2_type", OBJECTIVES_V2)
    micro(item, "daily_budget_micro", MIN_CAMPAIGN_DAILY_CAP_MICRO)
    regulations = item.get("regulations")
    if regulations is not None:
        if not isinstance(regulations, dict):
            raise invalid("regulations", "must be an object")
        if regulations.get("restricted_delivery_signals") and not _hec_account(account):
            raise invalid(
                "regulations.restricted_delivery_signals",
                "the ad account has not declared Housing, Employment or Credit ads",
            )
    return schedule(item)


def check_ad_squad(
    item: dict[str, Any],
    campaign: dict[str, Any],
    account: dict[str, Any],
    segment: Any,
) -> tuple[float | None, float | None]:
    """`segment(id)` returns the stored segment or None."""
    require(item, "campaign_id", "name", "type", "status", "targeting", "billing_event")
    require(item, "optimization_goal")
    if item["campaign_id"] != campaign["id"]:
        raise invalid("campaign_id", "does not match the campaign in the path")
    text(item, "name", NAME_MAX)
    one_of(item, "type", SQUAD_TYPES)
    one_of(item, "status", STATUSES)
    one_of(item, "billing_event", BILLING_EVENTS)
    one_of(item, "optimization_goal", OPTIMIZATION_GOALS)
    one_of(item, "bid_strategy", BID_STRATEGIES)
    if item.get("bid_strategy", "AUTO_BID") != "AUTO_BID":
        require(item, "bid_micro")
    placement = item.get("placement_v2")
    if placement is not None:
        if not isinstance(placement, dict):
            raise invalid("placement_v2", "must be an object")
        one_of(placement, "config", PLACEMENT_CONFIGS)
    daily = micro(item, "daily_budget_micro", MIN_SQUAD_DAILY_BUDGET_MICRO)
    lifetime = micro(item, "lifetime_budget_micro", MIN_SQUAD_DAILY_BUDGET_MICRO)
    if (daily is None) == (lifetime is None):
        raise invalid("daily_budget_micro", "one of daily_budget_micro or lifetime_budget_micro")
    start, end = schedule(item)
    if lifetime is not None and end is None:
        raise invalid("end_time", "is required with lifetime_budget_micro")
    targeting = item["targeting"]
    if not isinstance(targeting, dict):
        raise invalid("targeting", "must be an object")
    check_targeting(targeting, segment)
    if targeting.get("regulated_content"):
        if not _hec_account(account):
            raise invalid(
                "targeting.regulated_content",
                "the ad account must declare regulations.restricted_delivery_signals",
            )
        if not (campaign.get("regulations") or {}).get("restricted_delivery_signals"):
            raise invalid(
                "targeting.regulated_content",
                "the campaign must carry regulations.restricted_delivery_signals",
            )
        hec_rules(targeting, segment)
    return start, end


def check_targeting(targeting: dict[str, Any], segment: Any) -> None:
    geos = targeting.get("geos")
    if not isinstance(geos, list) or not geos:
        raise invalid("targeting.geos", "at least one country is required")
    for geo in geos:
        if not isinstance(geo, dict) or not COUNTRY.match(str(geo.get("country_code", ""))):
            raise invalid("targeting.geos.country_code", "a lowercase ISO 3166-1 alpha-2 code")
        one_of(geo, "operation", OPERATIONS)
    for demographic in _list(targeting, "demographics"):
        for bound in ("min_age", "max_age"):
            value = demographic.get(bound)
            if value is not None and not (str(value).isdigit() and 13 <= int(value) <= 50):
                raise invalid(f"targeting.demographics.{bound}", "an age from 13 to 50")
        low, high = demographic.get("min_age"), demographic.get("max_age")
        if low is not None and high is not None and int(high) < int(low):
            raise invalid("targeting.demographics.max_age", "must not be under min_age")
        one_of(demographic, "gender", GENDERS)
        languages = demographic.get("languages", [])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise invalid("targeting.demographics.languages", "must be a list of language codes")
    for location in _list(targeting, "locations"):
        one_of(location, "operation", OPERATIONS)
        for circle in location.get("circles") or []:
            _circle(circle)
    for group in _list(targeting, "segments"):
        one_of(group, "operation", OPERATIONS)
        ids = group.get("segment_id")
        if not isinstance(ids, list) or not ids:
            raise invalid("targeting.segments.segment_id", "must be a non-empty list of ids")
        for segment_id in ids:
            if segment(str(segment_id)) is None:
                raise not_found("targeting.segments.segment_id", segment_id)


def _circle(circle: Any) -> None:
    if not isinstance(circle, dict):
        raise invalid("targeting.locations.circles", "each circle must be an object")
    try:
        lat, lon, radius = (float(circle[k]) for k in ("latitude", "longitude", "radius"))
    except (KeyError, TypeError, ValueError):
        raise invalid(
            "targeting.locations.circles", "latitude, longitude and radius are required numbers"
        ) from None
    one_of(circle, "unit", UNITS)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise invalid("targeting.locations.circles", "latitude or longitude out of range")
    km = radius * UNITS[circle.get("unit", "MILES")]
    if not 0.1 <= km <= 160.0:
        raise invalid("targeting.locations.circles.radius", "from 0.1 to 100 miles")


def hec_rules(targeting: dict[str, Any], segment: Any) -> None:
    """Housing, Employment and Credit ad squads: no narrowing by age, gender, postal code,
    exclusion, lookalike or expansion."""
    for demographic in _list(targeting, "demographics"):
        if demographic.get("min_age") not in (None, str(ADULT_AGE), ADULT_AGE):
            raise invalid(
                "targeting.demographics.min_age",
                "age targeting is not available for regulated (HEC) ads: 18 and up only",
            )
        if demographic.get("max_age") is not None:
            raise invalid(
                "targeting.demographics.max_age",
                "age targeting is not available for regulated (HEC) ads",
            )
        if demographic.get("gender") is not None:
            raise invalid(
                "targeting.demographics.gender",
                "gender targeting is not available for regulated (HEC) ads",
            )
    for geo in targeting.get("geos") or []:
        if geo.get("postal_code") or geo.get("operation") == "EXCLUDE":
            raise invalid(
                "targeting.geos",
                "postal codes and excluded places are not available for regulated (HEC) ads",
            )
    for location in _list(targeting, "locations"):
        if location.get("operation") == "EXCLUDE":
            raise invalid(
                "targeting.locations", "excluded places are not available for regulated ads"
            )
    for group in _list(targeting, "segments"):
        if group.get("operation") == "EXCLUDE":
            raise invalid(
                "targeting.segments", "excluded audiences are not available for regulated ads"
            )
        for segment_id in group.get("segment_id") or []:
            found = segment(str(segment_id)) or {}
            if found.get("source_type") == "LOOKALIKE":
                raise invalid(
                    "targeting.segments", "lookalike audiences are not available for regulated ads"
                )
    expansion = targeting.get("auto_expansion_options") or {}
    if any((option or {}).get("enabled") for option in expansion.values()):
        raise invalid(
            "targeting.auto_expansion_options",
            "audience expansion is not available for regulated (HEC) ads",
        )


def check_creative(item: dict[str, Any], account: dict[str, Any], media: Any) -> None:
    """`media(id)` returns the stored media or None."""
    require(item, "ad_account_id", "name", "type", "headline", "top_snap_media_id")
    if item["ad_account_id"] != account["id"]:
        raise invalid("ad_account_id", "does not match the ad account in the path")
    text(item, "name", NAME_MAX)
    text(item, "headline", HEADLINE_MAX)
    text(item, "brand_name", BRAND_NAME_MAX, required=False)
    one_of(item, "type", CREATIVE_TYPES)
    one_of(item, "call_to_action", CALLS_TO_ACTION)
    found = media(str(item["top_snap_media_id"]))
    if found is None:
        raise not_found("top_snap_media_id", item["top_snap_media_id"])
    if found.get("media_status") != "READY":
        raise invalid("top_snap_media_id", "the media has no uploaded file (PENDING_UPLOAD)")
    if item["type"] == "WEB_VIEW":
        require(item, "call_to_action", "web_view_properties")
        properties = item["web_view_properties"]
        if not isinstance(properties, dict) or not URL.match(str(properties.get("url", ""))):
            raise invalid("web_view_properties.url", "an absolute http(s) URL is required")
    elif item.get("web_view_properties") is not None:
        raise invalid("web_view_properties", f"not used by {item['type']} creatives")


def check_ad(item: dict[str, Any], squad: dict[str, Any], creative: Any) -> None:
    """`creative(id)` returns the stored creative or None."""
    require(item, "ad_squad_id", "creative_id", "name", "status", "type")
    if item["ad_squad_id"] != squad["id"]:
        raise invalid("ad_squad_id", "does not match the ad squad in the path")
    text(item, "name", NAME_MAX)
    one_of(item, "status", STATUSES)
    one_of(item, "type", AD_TYPES)
    found = creative(str(item["creative_id"]))
    if found is None:
        raise not_found("creative_id", item["creative_id"])
    if found["type"] != AD_TYPES[item["type"]]:
        raise invalid("type", f"a {item['type']} ad takes a {AD_TYPES[item['type']]} creative")


def check_media(item: dict[str, Any], account: dict[str, Any]) -> None:
    require(item, "ad_account_id", "name", "type")
    if item["ad_account_id"] != account["id"]:
        raise invalid("ad_account_id", "does not match the ad account in the path")
    text(item, "name", NAME_MAX)
    one_of(item, "type", MEDIA_TYPES)


def _list(targeting: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = targeting.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise invalid(f"targeting.{name}", "must be a list of objects")
    return value


def _hec_account(account: dict[str, Any]) -> bool:
    return bool((account.get("regulations") or {}).get("restricted_delivery_signals"))
