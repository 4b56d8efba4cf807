"""Google Ads mutate operations for one AdFlux ad, built with the SDK's own types.

Pure translation from the port's dataclasses to v26 operations: no calls, so every builder is unit
tested on its own. Field names and values follow research/platforms.md §2.2.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from adflux.platforms.base import (
    AdSpec,
    Creative,
    GeoTarget,
    InvalidRequest,
    Schedule,
    Targeting,
    cop_to_micros,
    named,
)

# The account's time zone: Google reads start/end date-times in it.
ACCOUNT_TZ = ZoneInfo("America/Bogota")
COUNTRY_GEO_TARGETS = {"CO": 2170}  # geoTargetConstants/2170 = Colombia
LANGUAGE_CONSTANTS = {"es": 1003, "en": 1000, "pt": 1014, "fr": 1002}  # languageConstants/N
MIN_RADIUS_KM = 24.0  # employment ads: no radius under 15 miles (compliance.py enforces it too)
DEFAULT_RADIUS_KM = 25.0
CPC_BID_RANGE_COP = (500, 5_000)  # manual CPC, from 1/20 of the daily budget within this range
KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS = 80, 10
KEYWORD_INVALID = re.compile(r"[!@%,*^=;~`<>?\\|]")
PATH1 = "empleos"  # display path: googleads shows example.co/empleos
# The forms a Customer Match list id takes: what UserListService answers (and sync_audience
# returns), the Data Manager API's own name for the same list, and the bare numeric id.
USER_LIST_NAME = re.compile(r"customers/(\d+)/userLists/(\d+)")
DATA_MANAGER_USER_LIST_NAME = re.compile(r"accountTypes/GOOGLE_ADS/accounts/(\d+)/userLists/(\d+)")
MICROS_PER_DEGREE = 1_000_000


def _account_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ACCOUNT_TZ).date()


def schedule(when: AdSpec | Schedule, *, now: datetime) -> tuple[str, str | None]:
    """The campaign's `start_date_time` and `end_date_time`, in the account's time zone.

    Search campaigns serve whole days (time granularity "is only supported for some campaign
    types", v26 Campaign reference): the start day at 00:00:00, the end day at 23:59:59. A start
    day already past is refused (CANNOT_SET_DATE_TO_PAST), so it becomes today: left unset, the
    campaign would still start now but read back with no start date.
    """
    start = max(_account_day(when.start_at), _account_day(now))
    end = None if when.end_at is None else f"{_account_day(when.end_at):%Y-%m-%d} 23:59:59"
    return f"{start:%Y-%m-%d} 00:00:00", end


def budget_operation(client: Any, spec: AdSpec) -> Any:
    op = client.get_type("CampaignBudgetOperation")
    budget = op.create
    budget.name = named(spec.publication_key, "budget", spec.name)
    budget.amount_micros = cop_to_micros(spec.daily_budget_cop)
    budget.delivery_method = client.enums.BudgetDeliveryMethodEnum.STANDARD
    budget.period = client.enums.BudgetPeriodEnum.DAILY
    # A budget that is not shared belongs to exactly one campaign, like AdFlux's publication.
    budget.explicitly_shared = False
    return op


def campaign_operation(client: Any, spec: AdSpec, budget: str, *, now: datetime) -> Any:
    op = client.get_type("CampaignOperation")
    campaign = op.create
    campaign.name = named(spec.publication_key, "campaign", spec.name)
    campaign.advertising_channel_type = client.enums.AdvertisingChannelTypeEnum.SEARCH
    campaign.status = _campaign_status(client, spec.active)
    campaign.campaign_budget = budget
    campaign.manual_cpc.enhanced_cpc_enabled = False
    campaign.network_settings.target_google_search = True
    campaign.network_settings.target_search_network = True
    campaign.network_settings.target_content_network = False
    campaign.network_settings.target_partner_search_network = False
    # Reach people *in* the places, not people merely interested in them.
    campaign.geo_target_type_setting.positive_geo_target_type = (
        client.enums.PositiveGeoTargetTypeEnum.PRESENCE
    )
    # Required on every new campaign since 2025 (api-policy/eu-par); job ads are not political.
    campaign.contains_eu_political_advertising = (
        client.enums.EuPoliticalAdvertisingStatusEnum.DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING
    )
    campaign.start_date_time, end = schedule(spec, now=now)
    if end is not None:
        campaign.end_date_time = end
    return op


def _campaign_status(client: Any, active: bool) -> Any:
    statuses = client.enums.CampaignStatusEnum
    return statuses.ENABLED if active else statuses.PAUSED


def status_operation(client: Any, campaign: str, active: bool) -> Any:
    """Pause or resume a campaign: an update that names only `status` in its mask."""
    op = client.get_type("CampaignOperation")
    op.update.resource_name = campaign
    op.update.status = _campaign_status(client, active)
    op.update_mask.paths.append("status")
    return op


def _proximity(client: Any, campaign: str, place: GeoTarget) -> Any:
    assert place.latitude is not None and place.longitude is not None
    op = client.get_type("CampaignCriterionOperation")
    criterion = op.create
    criterion.campaign = campaign
    point = criterion.proximity.geo_point
    point.latitude_in_micro_degrees = round(place.latitude * MICROS_PER_DEGREE)
    point.longitude_in_micro_degrees = round(place.longitude * MICROS_PER_DEGREE)
    criterion.proximity.radius = max(place.radius_km or DEFAULT_RADIUS_KM, MIN_RADIUS_KM)
    criterion.proximity.radius_units = client.enums.ProximityRadiusUnitsEnum.KILOMETERS
    return op


def criteria_operations(client: Any, targeting: Targeting, campaign: str) -> list[Any]:
    """Where and in which language: city radii when the spec has them, else the whole country."""
    places = [p for p in targeting.locations if p.latitude is not None and p.longitude is not None]
    operations = [_proximity(client, campaign, place) for place in places]
    if not places:
        op = client.get_type("CampaignCriterionOperation")
        op.create.campaign = campaign
        geo_id = COUNTRY_GEO_TARGETS.get(targeting.country.upper(), COUNTRY_GEO_TARGETS["CO"])
        op.create.location.geo_target_constant = f"geoTargetConstants/{geo_id}"
        operations.append(op)
    for code in dict.fromkeys(targeting.languages):
        language = LANGUAGE_CONSTANTS.get(code.lower())
        if language is None:
            continue
        op = client.get_type("CampaignCriterionOperation")
        op.create.campaign = campaign
        op.create.language.language_constant = f"languageConstants/{language}"
        operations.append(op)
    return operations


def cpc_bid_micros(daily_budget_cop: int) -> int:
    low, high = CPC_BID_RANGE_COP
    bid_cop = min(max(daily_budget_cop // 20, low), high)
    return cop_to_micros(bid_cop - bid_cop % 10)


def ad_group_operation(client: Any, spec: AdSpec, campaign: str) -> Any:
    op = client.get_type("AdGroupOperation")
    group = op.create
    group.name = named(spec.publication_key, "ad_group", spec.name)
    group.campaign = campaign
    group.status = client.enums.AdGroupStatusEnum.ENABLED
    group.type_ = client.enums.AdGroupTypeEnum.SEARCH_STANDARD
    group.cpc_bid_micros = cpc_bid_micros(spec.daily_budget_cop)
    if spec.targeting.custom_audience_ids:
        group.targeting_setting.target_restrictions.append(audience_restriction(client))
    return op


def audience_restriction(client: Any) -> Any:
    """The ad group's TargetRestriction that makes its audience criteria restrict delivery."""
    # "Targeting", not "Observation": bid_only=false restricts the ad group's traffic to the
    # users on its lists (developers.google.com/google-ads/api/docs/targeting/
    # targeting-settings: keep bid_only false for a campaign set up for its audience). Meta,
    # X and TikTok likewise serve an ad set with custom audiences to those audiences only.
    # Set before any list is attached: Google refuses switching a Customer Match list from
    # observation to targeting later (SettingError.BID_ONLY_IS_NOT_ALLOWED_TO_BE_MODIFIED_WITH_
    # CUSTOMER_MATCH_TARGETING), and the campaign carries no targeting_setting of its own (an
    # ad group may not set one when its campaign does).
    restriction = client.get_type("TargetRestriction")
    restriction.targeting_dimension = client.enums.TargetingDimensionEnum.AUDIENCE
    restriction.bid_only = False
    return restriction


def restriction_operation(client: Any, ad_group: str) -> Any:
    """A MutateOperation giving an ad group, before its first audience, the restriction above."""
    op = client.get_type("MutateOperation")
    update = op.ad_group_operation.update
    update.resource_name = ad_group
    update.targeting_setting.target_restrictions.append(audience_restriction(client))
    op.ad_group_operation.update_mask.paths.append("targeting_setting.target_restrictions")
    return op


def criterion_key(which: str, criterion: Any) -> tuple[Any, ...]:
    """What a campaign or ad group criterion targets (`which`: its criterion type, lower case),
    alike for one built to be created and one read back, so the two compare."""
    if which == "proximity":
        point = criterion.proximity.geo_point
        return (
            which,
            point.latitude_in_micro_degrees,
            point.longitude_in_micro_degrees,
            round(criterion.proximity.radius, 6),
            int(criterion.proximity.radius_units),
        )
    if which == "location":
        return which, criterion.location.geo_target_constant
    if which == "language":
        return which, criterion.language.language_constant
    if which == "keyword":
        return which, criterion.keyword.text.casefold(), int(criterion.keyword.match_type)
    if which == "user_list":
        return which, criterion.user_list.user_list
    return (which,)


# The MutateOperation field and the service operation type of each criteria kind of the tree.
CRITERIA_KINDS = {
    "criteria": ("campaign_criterion_operation", "CampaignCriterionOperation"),
    "keywords": ("ad_group_criterion_operation", "AdGroupCriterionOperation"),
    "audiences": ("ad_group_criterion_operation", "AdGroupCriterionOperation"),
}


@dataclass
class Retargeting:
    """The operations that turn the criteria a tree holds into the wanted ones, for one atomic
    GoogleAdsService.Mutate: `creates[i]` names the kind created by operation i (None: a
    remove or an update), `kept` the held criteria still wanted, by kind."""

    operations: list[Any]
    creates: list[str | None]
    kept: dict[str, list[str]]


def retargeting(
    client: Any,
    wanted: Mapping[str, list[Any]],
    held: Mapping[str, Mapping[tuple[Any, ...], str]],
) -> Retargeting:
    """Remove the held criteria (key -> resource name) that are no longer wanted and create the
    wanted ones (create operations, as publish builds them) that are not held; criteria wanted
    and held stay as they are, so applying the same targeting twice changes nothing."""
    plan = Retargeting([], [], {})
    for kind, creates in wanted.items():
        field, op_type = CRITERIA_KINDS[kind]
        by_key = {
            criterion_key(type(op.create).pb(op.create).WhichOneof("criterion"), op.create): op
            for op in creates
        }
        plan.kept[kind] = [name for key, name in held[kind].items() if key in by_key]
        for key, name in held[kind].items():
            if key not in by_key:
                removal = client.get_type(op_type)
                removal.remove = name
                plan.operations.append(_wrapped(client, field, removal))
                plan.creates.append(None)
        for key, op in by_key.items():
            if key not in held[kind]:
                plan.operations.append(_wrapped(client, field, op))
                plan.creates.append(kind)
    return plan


def _wrapped(client: Any, field: str, op: Any) -> Any:
    mutate_op = client.get_type("MutateOperation")
    client.copy_from(getattr(mutate_op, field), op)
    return mutate_op


def clean_keyword(text: str) -> str | None:
    """A keyword Google accepts: no forbidden symbols, at most 10 words and 80 characters."""
    words = KEYWORD_INVALID.sub(" ", text).split()[:KEYWORD_MAX_WORDS]
    cleaned = " ".join(words)
    while len(cleaned) > KEYWORD_MAX_CHARS and " " in cleaned:
        cleaned = cleaned.rsplit(" ", 1)[0]
    return cleaned.lower() if cleaned and len(cleaned) <= KEYWORD_MAX_CHARS else None


def keyword_operations(client: Any, targeting: Targeting, ad_group: str) -> list[Any]:
    keywords = [k for k in (clean_keyword(t) for t in targeting.keywords) if k]
    operations = []
    for text in dict.fromkeys(keywords):
        op = client.get_type("AdGroupCriterionOperation")
        op.create.ad_group = ad_group
        op.create.status = client.enums.AdGroupCriterionStatusEnum.ENABLED
        op.create.keyword.text = text
        op.create.keyword.match_type = client.enums.KeywordMatchTypeEnum.PHRASE
        operations.append(op)
    return operations


def user_list_resource(audience_id: str, customer_id: str, index: int = 0) -> str:
    """The Google Ads resource name of a Customer Match list id AdFlux holds for `customer_id`."""
    text = audience_id.strip()
    found = USER_LIST_NAME.fullmatch(text) or DATA_MANAGER_USER_LIST_NAME.fullmatch(text)
    if found is not None:
        owner, list_id = found.groups()
    elif text.isdigit():
        owner, list_id = customer_id, text
    else:
        raise InvalidRequest(
            "google",
            f"{audience_id!r} is not a Google Ads user list id",
            field=f"targeting.custom_audience_ids[{index}]",
        )
    return f"customers/{owner}/userLists/{list_id}"


def audience_operations(client: Any, targeting: Targeting, ad_group: str) -> list[Any]:
    """The segments' Customer Match lists, each an audience criterion of the ad group.

    Customer Match lists are targeted through an AdGroupCriterion whose UserListInfo names the
    list (developers.google.com/google-ads/api/docs/remarketing/audience-segments/customer-match);
    the ad group's targeting_setting (ad_group_operation) makes them restrict delivery.
    """
    customer_id = ad_group.split("/")[1]  # the list lives in the ad group's own customer
    names = [
        user_list_resource(audience_id, customer_id, index)
        for index, audience_id in enumerate(targeting.custom_audience_ids)
    ]
    operations = []
    for name in dict.fromkeys(names):
        op = client.get_type("AdGroupCriterionOperation")
        op.create.ad_group = ad_group
        op.create.status = client.enums.AdGroupCriterionStatusEnum.ENABLED
        op.create.user_list.user_list = name
        operations.append(op)
    return operations


def ad_operation(client: Any, creative: Creative, ad_group: str) -> Any:
    """A responsive search ad; the texts are already fitted to 3-15 x 30 and 2-4 x 90."""
    op = client.get_type("AdGroupAdOperation")
    ad_group_ad = op.create
    ad_group_ad.ad_group = ad_group
    # Serving is switched at the campaign, so the ad itself is always enabled.
    ad_group_ad.status = client.enums.AdGroupAdStatusEnum.ENABLED
    _write_ad(client, ad_group_ad.ad, creative)
    return op


def _write_ad(client: Any, ad: Any, creative: Creative) -> None:
    ad.final_urls.append(creative.link_url)
    for text in creative.headlines:
        asset = client.get_type("AdTextAsset")
        asset.text = text
        ad.responsive_search_ad.headlines.append(asset)
    for text in creative.descriptions:
        asset = client.get_type("AdTextAsset")
        asset.text = text
        ad.responsive_search_ad.descriptions.append(asset)
    ad.responsive_search_ad.path1 = PATH1


# The Ad fields a copy change sets: AdService.MutateAds updates a responsive search ad in place
# ("Updating ads is not supported for TextAd, ExpandedDynamicSearchAd, GmailAd and ImageAd", v26
# AdService reference), so the ad keeps its id, its history and its reports.
AD_COPY_FIELDS = (
    "final_urls",
    "responsive_search_ad.headlines",
    "responsive_search_ad.descriptions",
    "responsive_search_ad.path1",
)


def ad_copy_operation(client: Any, ad: str, creative: Creative) -> Any:
    """An AdOperation setting the link and texts of `ad` (customers/{c}/ads/{ad id})."""
    op = client.get_type("AdOperation")
    op.update.resource_name = ad
    _write_ad(client, op.update, creative)
    op.update_mask.paths.extend(AD_COPY_FIELDS)
    return op


def budget_amount_operation(client: Any, budget: str, daily_budget_cop: int) -> Any:
    """Set a campaign budget's daily amount: an update naming only `amount_micros`."""
    op = client.get_type("CampaignBudgetOperation")
    op.update.resource_name = budget
    op.update.amount_micros = cop_to_micros(daily_budget_cop)
    op.update_mask.paths.append("amount_micros")
    return op


def schedule_operation(
    client: Any, campaign: str, held: tuple[str, str], when: Schedule, *, now: datetime
) -> Any | None:
    """Set the campaign's dates to `when`, given the (start, end) it holds; None when it holds them.

    A campaign that has started keeps its start: Google refuses moving it
    (CampaignError.CANNOT_MODIFY_START_DATE_IF_ALREADY_STARTED) and refuses any start day in the
    past (CANNOT_SET_DATE_TO_PAST). An end left empty in the mask removes the end date.
    """
    start, end = schedule(when, now=now)
    held_start, held_end = held
    today = f"{_account_day(now):%Y-%m-%d} 00:00:00"
    op = client.get_type("CampaignOperation")
    op.update.resource_name = campaign
    if start != held_start and not (held_start and held_start[:10] <= today[:10]):
        op.update.start_date_time = start
        op.update_mask.paths.append("start_date_time")
    if (end or "") != held_end:
        if end is not None:
            op.update.end_date_time = end
        op.update_mask.paths.append("end_date_time")
    return op if op.update_mask.paths else None


@dataclass(frozen=True)
class Step:
    """One object kind of the published tree and the mutate call that creates it."""

    kind: str  # key in PublishResult.external_ids
    service: str
    method: str
    resource: str  # for error field paths, e.g. "ad_group_ad"
    build: Callable[[Any, AdSpec, Mapping[str, str]], list[Any]]


# In creation order: each step may use the ids of the steps before it.
PUBLISH_STEPS = (
    Step(
        "budget",
        "CampaignBudgetService",
        "mutate_campaign_budgets",
        "campaign_budget",
        lambda client, spec, ids: [budget_operation(client, spec)],
    ),
    Step(
        "campaign",
        "CampaignService",
        "mutate_campaigns",
        "campaign",
        lambda client, spec, ids: [
            campaign_operation(client, spec, ids["budget"], now=datetime.now(UTC))
        ],
    ),
    Step(
        "criteria",
        "CampaignCriterionService",
        "mutate_campaign_criteria",
        "campaign_criterion",
        lambda client, spec, ids: criteria_operations(client, spec.targeting, ids["campaign"]),
    ),
    Step(
        "ad_group",
        "AdGroupService",
        "mutate_ad_groups",
        "ad_group",
        lambda client, spec, ids: [ad_group_operation(client, spec, ids["campaign"])],
    ),
    Step(
        "keywords",
        "AdGroupCriterionService",
        "mutate_ad_group_criteria",
        "ad_group_criterion",
        lambda client, spec, ids: keyword_operations(client, spec.targeting, ids["ad_group"]),
    ),
    Step(
        "audiences",
        "AdGroupCriterionService",
        "mutate_ad_group_criteria",
        "ad_group_criterion",
        lambda client, spec, ids: audience_operations(client, spec.targeting, ids["ad_group"]),
    ),
    Step(
        "ad",
        "AdGroupAdService",
        "mutate_ad_group_ads",
        "ad_group_ad",
        lambda client, spec, ids: [ad_operation(client, spec.creative, ids["ad_group"])],
    ),
)


def like_prefix(text: str) -> str:
    """A GAQL LIKE pattern matching names that start with `text` ([ ] % _ bracket-escaped)."""
    return "".join(f"[{c}]" if c in "[]%_" else c for c in text) + "%"


def quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
