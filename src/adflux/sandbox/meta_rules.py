"""What the emulated Graph API accepts: required params, enums, and special-ad-category rules.

Each check raises `GraphError` shaped like Graph's own error body. Enum values are copied from
facebook-business 26.0.3 (`adobjects/*.py`); rules and subcodes from Meta's docs as summarised in
research/platforms.md §2.1 and §5.1. Meta does not publish the subcodes of special-ad-category
targeting violations; the sandbox uses 2909034 ("Special Ad Category errors", seen in community
reports) for all of them, and tells the rules apart by `error_user_msg` and the blamed field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

OBJECTIVES = {
    "OUTCOME_APP_PROMOTION",
    "OUTCOME_AWARENESS",
    "OUTCOME_ENGAGEMENT",
    "OUTCOME_LEADS",
    "OUTCOME_SALES",
    "OUTCOME_TRAFFIC",
}
STATUSES = {"ACTIVE", "PAUSED"}
# Minimum daily ad set budgets (Meta Business Help "About minimum budgets"): COP is not one of
# the 16 currencies with the higher floor, so an ad set charged for impressions needs USD 0.50 a
# day, one charged for clicks, likes, views or engagement USD 2.50, and low-frequency events
# USD 40. The sandbox's ad account pays in COP, at 4,000 COP per USD.
MIN_DAILY_BUDGET_IMPRESSIONS = 2_000
MIN_DAILY_BUDGET_HIGH_FREQUENCY = 10_000
MIN_DAILY_BUDGET_LOW_FREQUENCY = 160_000
HIGH_FREQUENCY_EVENTS = {"CLICKS", "LINK_CLICKS", "PAGE_LIKES", "POST_ENGAGEMENT", "THRUPLAY"}
UPDATE_STATUSES = STATUSES | {"ARCHIVED", "DELETED"}
SPECIAL_AD_CATEGORIES = {
    "NONE",
    "EMPLOYMENT",
    "HOUSING",
    "FINANCIAL_PRODUCTS_SERVICES",
    "ISSUES_ELECTIONS_POLITICS",
    "ONLINE_GAMBLING_AND_GAMING",
}
RESTRICTED_CATEGORIES = {"EMPLOYMENT", "HOUSING", "FINANCIAL_PRODUCTS_SERVICES"}
BILLING_EVENTS = {
    "APP_INSTALLS",
    "CLICKS",
    "IMPRESSIONS",
    "LINK_CLICKS",
    "LISTING_INTERACTION",
    "NONE",
    "OFFER_CLAIMS",
    "PAGE_LIKES",
    "POST_ENGAGEMENT",
    "PURCHASE",
    "THRUPLAY",
}
OPTIMIZATION_GOALS = {
    "IMPRESSIONS",
    "LANDING_PAGE_VIEWS",
    "LEAD_GENERATION",
    "LINK_CLICKS",
    "OFFSITE_CONVERSIONS",
    "POST_ENGAGEMENT",
    "QUALITY_LEAD",
    "REACH",
    "THRUPLAY",
}
BID_STRATEGIES = {
    "COST_CAP",
    "LOWEST_COST_WITHOUT_CAP",
    "LOWEST_COST_WITH_BID_CAP",
    "LOWEST_COST_WITH_MIN_ROAS",
}
DESTINATION_TYPES = {"WEBSITE", "APP", "MESSENGER", "ON_AD", "ON_PAGE", "WHATSAPP"}
CALL_TO_ACTIONS = {"APPLY_NOW", "LEARN_MORE", "SIGN_UP", "CONTACT_US", "GET_QUOTE", "SEE_MORE"}
AUDIENCE_SUBTYPES = {"CUSTOM", "LOOKALIKE", "WEBSITE", "ENGAGEMENT", "APP"}
CUSTOMER_FILE_SOURCES = {
    "USER_PROVIDED_ONLY",
    "PARTNER_PROVIDED_ONLY",
    "BOTH_USER_AND_PARTNER_PROVIDED",
}
USER_SCHEMAS = {"EMAIL_SHA256", "PHONE_SHA256"}
MAX_USERS_PER_REQUEST = 10_000
# Special ad categories: city and pin radius at least 15 miles (Meta's help page), 24 km.
MIN_RESTRICTED_RADIUS_KM = 24.0
SPECIAL_AD_SUBCODE = 2909034
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class GraphError(Exception):
    """One Graph API error answer."""

    message: str
    code: int = 100
    subcode: int | None = None
    type: str = "OAuthException"
    user_title: str | None = None
    user_msg: str | None = None
    blame_field: tuple[str, ...] | None = None
    is_transient: bool = False
    http_status: int = 400

    def body(self, trace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["is_transient"] = self.is_transient
        if self.user_title:
            error["error_user_title"] = self.user_title
        if self.user_msg:
            error["error_user_msg"] = self.user_msg
        if self.blame_field:
            error["error_data"] = {"blame_field_specs": [list(self.blame_field)]}
        error["fbtrace_id"] = trace_id
        return {"error": error}


def invalid(message: str, *field: str, subcode: int | None = None, title: str | None = None):
    return GraphError(
        f"(#100) {message}",
        subcode=subcode,
        user_title=title,
        user_msg=message if title else None,
        blame_field=field or None,
    )


def require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise invalid(f"The parameter {name} is required", name)


def one_of(params: dict[str, Any], name: str, allowed: set[str]) -> None:
    value = params.get(name)
    if value is not None and value not in allowed:
        raise invalid(f"Param {name} must be one of {{{', '.join(sorted(allowed))}}}", name)


def integer(params: dict[str, Any], name: str, minimum: int = 0) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise invalid(f"Param {name} must be an integer", name) from None
    if number < minimum:
        raise invalid(f"Param {name} must be at least {minimum}", name)
    return number


def timestamp(params: dict[str, Any], name: str) -> datetime | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"Param {name} must be a valid ISO 8601 time", name) from None


def check_campaign(params: dict[str, Any]) -> None:
    require(params, "name", "objective", "special_ad_categories")
    one_of(params, "objective", OBJECTIVES)
    one_of(params, "status", STATUSES)
    categories = params["special_ad_categories"]
    if not isinstance(categories, list) or not set(categories) <= SPECIAL_AD_CATEGORIES:
        allowed = ", ".join(sorted(SPECIAL_AD_CATEGORIES))
        raise invalid(
            f"Param special_ad_categories must be a list of {{{allowed}}}",
            "special_ad_categories",
        )
    if set(categories) - {"NONE"}:
        countries = params.get("special_ad_category_country")
        if not countries:
            raise invalid(
                "When any special_ad_categories are selected, you must also set a "
                "special_ad_category_country",
                "special_ad_category_country",
            )
        if not isinstance(countries, list) or not all(
            isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in countries
        ):
            raise invalid(
                "Param special_ad_category_country must be a list of ISO country codes",
                "special_ad_category_country",
            )
    budget = integer(params, "daily_budget", 1) or integer(params, "lifetime_budget", 1)
    if budget is None and params.get("is_adset_budget_sharing_enabled") is None:
        raise invalid(
            "You must specify True or False in is_adset_budget_sharing_enabled field if you "
            "are not using campaign budget.",
            "is_adset_budget_sharing_enabled",
            subcode=4834011,
            title="Must specify True or False in is_adset_budget_sharing_enabled field",
        )


def min_daily_budget(billing_event: str) -> int:
    """The smallest daily budget (COP) of an ad set charged for `billing_event`."""
    if billing_event == "IMPRESSIONS":
        return MIN_DAILY_BUDGET_IMPRESSIONS
    if billing_event in HIGH_FREQUENCY_EVENTS:
        return MIN_DAILY_BUDGET_HIGH_FREQUENCY
    return MIN_DAILY_BUDGET_LOW_FREQUENCY


def _minimum_budget(
    billing_event: str,
    daily: int | None,
    lifetime: int | None,
    start: datetime | None,
    end: datetime | None,
) -> None:
    minimum = min_daily_budget(billing_event)
    if daily is not None and daily < minimum:
        field, needed = "daily_budget", minimum
    elif lifetime is not None and start and end:
        # A lifetime budget must cover the daily minimum for every day of the schedule.
        field, needed = (
            "lifetime_budget",
            minimum * max(1, -(-int((end - start).total_seconds()) // 86_400)),
        )
        if lifetime >= needed:
            return
    else:
        return
    raise invalid(
        f"Your budget is too low. The minimum budget for this ad set is COP {needed:,}.",
        field,
        subcode=1885272,
        title="Your Budget Is Too Low",
    )


def check_adset(params: dict[str, Any], campaign: dict[str, Any]) -> None:
    require(params, "name", "campaign_id", "billing_event", "optimization_goal", "targeting")
    one_of(params, "status", STATUSES)
    one_of(params, "billing_event", BILLING_EVENTS)
    one_of(params, "optimization_goal", OPTIMIZATION_GOALS)
    one_of(params, "bid_strategy", BID_STRATEGIES)
    one_of(params, "destination_type", DESTINATION_TYPES)
    daily = integer(params, "daily_budget", 1)
    lifetime = integer(params, "lifetime_budget", 1)
    campaign_budget = campaign.get("daily_budget") or campaign.get("lifetime_budget")
    if campaign_budget and (daily or lifetime):
        raise invalid("Ad set budget cannot be set when the campaign has a budget", "daily_budget")
    if not campaign_budget and not (daily or lifetime):
        raise invalid("Either daily_budget or lifetime_budget is required", "daily_budget")
    start, end = timestamp(params, "start_time"), timestamp(params, "end_time")
    if lifetime and end is None:
        raise invalid("end_time is required when lifetime_budget is set", "end_time")
    if start and end and end <= start:
        raise invalid("The end time must be after the start time", "end_time")
    _minimum_budget(params["billing_event"], daily, lifetime, start, end)
    targeting = params["targeting"]
    if not isinstance(targeting, dict):
        raise invalid("Param targeting must be a JSON object", "targeting")
    check_targeting(targeting, campaign)


def open_end(params: dict[str, Any]) -> bool:
    """Whether an ad set's `end_time` is 0: "specify end_time=0 to set the set to be ongoing and
    have no end date" (Marketing API, Ad Set reference)."""
    return str(params.get("end_time")) == "0"


def check_adset_update(
    params: dict[str, Any], adset: dict[str, Any], campaign: dict[str, Any]
) -> None:
    """An ad set update, checked against what the ad set will hold once it is applied (the same
    rules as at creation: budget floor, schedule order, targeting)."""
    daily = integer(params, "daily_budget", 1)
    if daily is not None:
        if campaign.get("daily_budget") or campaign.get("lifetime_budget"):
            raise invalid(
                "Ad set budget cannot be set when the campaign has a budget", "daily_budget"
            )
        if adset.get("lifetime_budget"):
            raise invalid(
                "An ad set with a lifetime budget cannot switch to a daily budget", "daily_budget"
            )
        _minimum_budget(adset["billing_event"], daily, None, None, None)
    held = {**adset, **params}
    start = timestamp(held, "start_time")
    end = None if open_end(params) else timestamp(held, "end_time")
    if end is None and held.get("lifetime_budget"):
        raise invalid("end_time is required when lifetime_budget is set", "end_time")
    if start and end and end <= start:
        raise invalid("The end time must be after the start time", "end_time")
    if "targeting" in params:
        if not isinstance(params["targeting"], dict):
            raise invalid("Param targeting must be a JSON object", "targeting")
        check_targeting(params["targeting"], campaign)


def check_targeting(targeting: dict[str, Any], campaign: dict[str, Any]) -> None:
    geo = targeting.get("geo_locations")
    if not geo and not targeting.get("custom_audiences"):
        raise invalid(
            "Your audience is missing a location. You can add a location or a Custom Audience.",
            "targeting",
            "geo_locations",
            subcode=1487756,
            title="Missing Target Audience Location",
        )
    age_min = int(targeting.get("age_min", 18))
    age_max = int(targeting.get("age_max", 65))
    if not 13 <= age_min <= age_max <= 65:
        raise invalid("Invalid age range: ages must be between 13 and 65", "targeting", "age_min")
    automation = targeting.get("targeting_automation") or {}
    if "advantage_audience" not in automation:
        # v23.0+: ad set creation needs an explicit Advantage+ audience flag (platforms.md §2.1).
        raise invalid(
            "To create your ad set, you need to enable or disable the Advantage audience "
            "feature. Set targeting_automation.advantage_audience to 1 or 0.",
            "targeting",
            "targeting_automation",
            subcode=1870227,
            title="Advantage Audience Flag Required",
        )
    if int(automation["advantage_audience"]) == 1 and age_min > 25:
        raise invalid(
            "With Advantage+ audience, age_min cannot be above 25.",
            "targeting",
            "age_min",
            subcode=1870188,
            title="Age Minimum Too High",
        )
    if int(automation["advantage_audience"]) == 1 and age_max < 65:
        raise invalid(
            "With Advantage+ audience, age_max cannot be below 65.",
            "targeting",
            "age_max",
            subcode=1870189,
            title="Age Maximum Too Low",
        )
    categories = set(campaign.get("special_ad_categories") or ())
    if categories & RESTRICTED_CATEGORIES:
        check_special_category(targeting, campaign)


def _special(message: str, *field: str) -> GraphError:
    return invalid(
        message,
        "targeting",
        *field,
        subcode=SPECIAL_AD_SUBCODE,
        title="Special Ad Category Targeting Not Allowed",
    )


def check_special_category(targeting: dict[str, Any], campaign: dict[str, Any]) -> None:
    """Targeting limits for housing, employment and financial ads (Meta help 2220749868045706)."""
    for name, required in (("age_min", 18), ("age_max", 65)):
        if int(targeting.get(name, required)) != required:
            raise _special(
                "Ads in a special ad category must target ages 18 to 65+; age can't be narrowed.",
                name,
            )
    genders = targeting.get("genders") or []
    if genders and sorted(int(g) for g in genders) != [1, 2]:
        raise _special("Ads in a special ad category can't target by gender.", "genders")
    geo = targeting.get("geo_locations") or {}
    if geo.get("zips"):
        raise _special("Ads in a special ad category can't target postal codes.", "zips")
    if targeting.get("excluded_geo_locations"):
        raise _special(
            "Ads in a special ad category can't exclude locations.", "excluded_geo_locations"
        )
    for place in list(geo.get("cities") or []) + list(geo.get("custom_locations") or []):
        radius = float(place.get("radius", MIN_RESTRICTED_RADIUS_KM))
        unit = place.get("distance_unit", "mile")
        radius_km = radius * 1.609344 if unit == "mile" else radius
        if radius_km < MIN_RESTRICTED_RADIUS_KM - 0.5:
            raise _special(
                "Ads in a special ad category need a location radius of at least 15 miles (24 km).",
                "geo_locations",
            )
    if targeting.get("flexible_spec") or targeting.get("exclusions"):
        raise _special(
            "Detailed targeting is limited for special ad categories and can't be excluded.",
            "flexible_spec",
        )
    countries = set(campaign.get("special_ad_category_country") or ())
    outside = set(geo.get("countries") or ()) - countries
    if outside:
        raise _special(
            f"Locations {', '.join(sorted(outside))} are outside the campaign's special ad "
            "category country.",
            "geo_locations",
        )


def check_lookalikes(targeting: dict[str, Any], subtypes: dict[str, str]) -> None:
    """Lookalike audiences are unavailable for special ad categories."""
    for audience in targeting.get("custom_audiences") or []:
        if subtypes.get(str(audience.get("id"))) == "LOOKALIKE":
            raise _special(
                "Lookalike audiences can't be used in a special ad category.", "custom_audiences"
            )


def check_creative(params: dict[str, Any], page_id: str, image_hashes: set[str]) -> None:
    require(params, "object_story_spec")
    spec = params["object_story_spec"]
    if not isinstance(spec, dict):
        raise invalid("Param object_story_spec must be a JSON object", "object_story_spec")
    if str(spec.get("page_id")) != page_id:
        raise invalid("Invalid page_id in object_story_spec", "object_story_spec", "page_id")
    link = spec.get("link_data")
    if not isinstance(link, dict) or not link.get("link"):
        raise invalid("link_data.link is required", "object_story_spec", "link_data", "link")
    if not re.match(r"^https?://", str(link["link"])):
        raise invalid("link_data.link must be a valid URL", "object_story_spec", "link_data")
    if link.get("image_hash") and link["image_hash"] not in image_hashes:
        raise invalid(
            "Image with hash not found in this ad account", "object_story_spec", "image_hash"
        )
    cta = (link.get("call_to_action") or {}).get("type")
    if cta is not None and cta not in CALL_TO_ACTIONS:
        raise invalid("Invalid call_to_action type", "object_story_spec", "call_to_action")


def check_custom_audience(params: dict[str, Any]) -> None:
    require(params, "name", "subtype")
    one_of(params, "subtype", AUDIENCE_SUBTYPES)
    if params["subtype"] == "CUSTOM":
        require(params, "customer_file_source")
        one_of(params, "customer_file_source", CUSTOMER_FILE_SOURCES)


def check_users_payload(params: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """(schema, valid hashes, invalid entries) of a `/users` upload."""
    require(params, "payload")
    payload = params["payload"]
    if not isinstance(payload, dict) or payload.get("schema") not in USER_SCHEMAS:
        raise invalid(
            f"payload.schema must be one of {{{', '.join(sorted(USER_SCHEMAS))}}}", "payload"
        )
    data = payload.get("data")
    if not isinstance(data, list) or not data:
        raise invalid("payload.data must be a non-empty list", "payload", "data")
    if len(data) > MAX_USERS_PER_REQUEST:
        raise invalid(f"At most {MAX_USERS_PER_REQUEST} users per request", "payload", "data")
    valid = [d for d in data if isinstance(d, str) and SHA256_HEX.match(d)]
    bad = [d for d in data if not (isinstance(d, str) and SHA256_HEX.match(d))]
    return payload["schema"], valid, bad
