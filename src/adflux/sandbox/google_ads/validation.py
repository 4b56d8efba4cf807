"""What Google Ads refuses, per resource, as the documented GoogleAdsError codes and field paths.

Each validator gets the resource after defaults/updates, the error path prefix of its operation
(e.g. [("operations", 0), "create"]) and a `Lookup` over live objects, and returns every error it
finds, so one request can report several problems as the real API does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from google.ads.googleads.v26.errors.types.errors import GoogleAdsError

from adflux.sandbox.google_ads.failures import PathElement, error, malformed, not_found

NAME_MAX = 255
RSA_HEADLINES = (3, 15, 30)  # min count, max count, max width
RSA_DESCRIPTIONS = (2, 4, 90)
RSA_PATH_MAX = 15
KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS = 80, 10
KEYWORD_INVALID = re.compile(r"[!@%,*]")
MICROS_UNIT = 10_000  # amounts must be whole cents
MAX_RADIUS_KM = 800
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")


class Lookup(Protocol):
    customer_id: str  # the customer the request mutates

    def live(self, kind: str, resource_name: str) -> dict[str, Any] | None:
        """The resource's stored JSON form (proto field names, defaults left out) when it exists
        and is not removed; parsing it back into a message cost more than most checks need."""

    def any_live_with(self, kind: str, excluding: str, **fields: str) -> bool:
        """Whether a live object of `kind`, other than `excluding`, has these field values."""

    def today(self) -> date:
        """Today in the account's time zone."""


Path = Sequence[PathElement]
Errors = list[GoogleAdsError]


def text_width(text: str) -> int:
    """Google counts double-width (CJK) characters twice against text limits."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _has(resource: Any, field: str) -> bool:
    return type(resource).pb(resource).HasField(field)


def _required(path: Path, field: str) -> GoogleAdsError:
    return error(
        "field_error", "REQUIRED", "The required field was not present.", path=[*path, field]
    )


def _name(resource: Any, path: Path, out: Errors) -> bool:
    if not resource.name:
        out.append(_required(path, "name"))
        return False
    if text_width(resource.name) > NAME_MAX:
        out.append(
            error(
                "string_length_error",
                "TOO_LONG",
                "Too long.",
                path=[*path, "name"],
                trigger=resource.name,
            )
        )
        return False
    return True


def _reference(
    lookup: Lookup, kind: str, value: str, path: Path, field: str, out: Errors
) -> dict[str, Any] | None:
    if not value:
        out.append(_required(path, field))
        return None
    found = lookup.live(kind, value)
    if found is None:
        out.append(not_found(value, [*path, field]))
    return found


def _micros(value: int, path: Path, field: str, out: Errors) -> None:
    if value < 0:
        out.append(error("range_error", "TOO_LOW", "Too low.", path=[*path, field]))
    elif value % MICROS_UNIT:
        out.append(
            error(
                "campaign_budget_error",
                "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
                "Money amount is not a multiple of the minimum currency unit.",
                path=[*path, field],
            )
        )


def _duplicate(lookup: Lookup, kind: str, own_name: str, **fields: str) -> bool:
    return lookup.any_live_with(kind, own_name, **fields)


# --------------------------------------------------------------------------- per resource


def campaign_budget(res: Any, path: Path, lookup: Lookup, own: str, before: Any = None) -> Errors:
    out: Errors = []
    named = bool(res.name) and _name(res, path, out)
    if named and _duplicate(lookup, "campaign_budget", own, name=res.name):
        out.append(
            error(
                "campaign_budget_error",
                "DUPLICATE_NAME",
                "A campaign budget with this name already exists.",
                path=[*path, "name"],
                trigger=res.name,
            )
        )
    if res.amount_micros <= 0:
        out.append(error("range_error", "TOO_LOW", "Too low.", path=[*path, "amount_micros"]))
    else:
        _micros(res.amount_micros, path, "amount_micros", out)
    return out


def _date_time(value: str, path: Path, field: str, out: Errors) -> date | None:
    if not DATE_TIME.match(value):
        out.append(
            error(
                "date_error",
                "INVALID_STRING_DATE_TIME_SECONDS",
                "The string date time's format should be yyyy-mm-dd hh:mm:ss.",
                path=[*path, field],
                trigger=value,
            )
        )
        return None
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").date()
    except ValueError:
        out.append(
            error(
                "date_error",
                "INVALID_FIELD_VALUES_IN_DATE_TIME",
                "Given field values do not correspond to a valid date time.",
                path=[*path, field],
                trigger=value,
            )
        )
        return None


def campaign(res: Any, path: Path, lookup: Lookup, own: str, before: Any = None) -> Errors:
    out: Errors = []
    if _name(res, path, out) and _duplicate(lookup, "campaign", own, name=res.name):
        out.append(
            error(
                "campaign_error",
                "DUPLICATE_CAMPAIGN_NAME",
                "Campaign name already assigned to another campaign.",
                path=[*path, "name"],
                trigger=res.name,
            )
        )
    if not res.advertising_channel_type:
        out.append(_required(path, "advertising_channel_type"))
    # developers.google.com/google-ads/api/docs/api-policy/eu-par: required on every new campaign.
    if not res.contains_eu_political_advertising:
        out.append(_required(path, "contains_eu_political_advertising"))
    if (
        type(res).pb(res).WhichOneof("campaign_bidding_strategy") is None
        and not res.bidding_strategy
    ):
        out.append(_required(path, "campaign_bidding_strategy"))
    budget = _reference(
        lookup, "campaign_budget", res.campaign_budget, path, "campaign_budget", out
    )
    if budget is not None and not budget.get("explicitly_shared", False):
        shared = _duplicate(lookup, "campaign", own, campaign_budget=res.campaign_budget)
        if shared:
            out.append(
                error(
                    "campaign_budget_error",
                    "CAMPAIGN_BUDGET_CANNOT_BE_SHARED",
                    "A budget that is not explicitly shared is already used by another campaign.",
                    path=[*path, "campaign_budget"],
                    trigger=res.campaign_budget,
                )
            )
    start = (
        _date_time(res.start_date_time, path, "start_date_time", out)
        if res.start_date_time
        else None
    )
    end = _date_time(res.end_date_time, path, "end_date_time", out) if res.end_date_time else None
    start_changed = before is None or before.start_date_time != res.start_date_time
    started = before is not None and before.start_date_time[:10] <= f"{lookup.today()}"
    if start_changed and started and before.start_date_time:
        out.append(
            error(
                "campaign_error",
                "CANNOT_MODIFY_START_DATE_IF_ALREADY_STARTED",
                "Cannot modify the start date if the campaign has already started.",
                path=[*path, "start_date_time"],
                trigger=res.start_date_time,
            )
        )
    elif start is not None and start_changed and start < lookup.today():
        out.append(
            error(
                "campaign_error",
                "CANNOT_SET_DATE_TO_PAST",
                "Cannot set date to past.",
                path=[*path, "start_date_time"],
                trigger=res.start_date_time,
            )
        )
    if start is not None and end is not None and end < start:
        out.append(
            error(
                "date_error",
                "DATE_RANGE_MINIMUM_DATE_LATER_THAN_MAXIMUM_DATE",
                "The minimum date is later than the maximum date.",
                path=[*path, "end_date_time"],
            )
        )
    return out


def campaign_criterion(
    res: Any, path: Path, lookup: Lookup, own: str, before: Any = None
) -> Errors:
    out: Errors = []
    _reference(lookup, "campaign", res.campaign, path, "campaign", out)
    which = _criterion_type(res, path, out)
    if which == "location" and not re.fullmatch(
        r"geoTargetConstants/\d+", res.location.geo_target_constant
    ):
        out.append(
            _malformed(path, "location", "geo_target_constant", res.location.geo_target_constant)
        )
    elif which == "language" and not re.fullmatch(
        r"languageConstants/\d+", res.language.language_constant
    ):
        out.append(
            _malformed(path, "language", "language_constant", res.language.language_constant)
        )
    elif which == "proximity":
        out.extend(_proximity(res.proximity, [*path, "proximity"]))
    return out


def _criterion_type(res: Any, path: Path, out: Errors) -> str | None:
    which = type(res).pb(res).WhichOneof("criterion")
    if which is None:
        out.append(
            error(
                "campaign_criterion_error",
                "CONCRETE_TYPE_REQUIRED",
                "Concrete type of criterion is required.",
                path=path,
            )
        )
    return which


def _malformed(path: Path, field: str, sub: str, value: str) -> GoogleAdsError:
    return malformed(value, [*path, field, sub])


def _proximity(prox: Any, path: Path) -> Errors:
    out: Errors = []
    pb = type(prox).pb(prox)
    if not pb.HasField("geo_point") and not pb.HasField("address"):
        out.append(
            error(
                "criterion_error",
                "PROXIMITY_GEOPOINT_AND_ADDRESS_BOTH_CANNOT_BE_NULL",
                "Geo point and address both cannot be null.",
                path=path,
            )
        )
    if not 0 < prox.radius <= MAX_RADIUS_KM:
        out.append(
            error(
                "criterion_error",
                "INVALID_PROXIMITY_RADIUS",
                "Invalid proximity radius.",
                path=[*path, "radius"],
            )
        )
    if not prox.radius_units:
        out.append(
            error(
                "criterion_error",
                "INVALID_PROXIMITY_RADIUS_UNITS",
                "Invalid radius units.",
                path=[*path, "radius_units"],
            )
        )
    return out


def ad_group(res: Any, path: Path, lookup: Lookup, own: str, before: Any = None) -> Errors:
    out: Errors = []
    _reference(lookup, "campaign", res.campaign, path, "campaign", out)
    if _name(res, path, out) and _duplicate(
        lookup, "ad_group", own, campaign=res.campaign, name=res.name
    ):
        out.append(
            error(
                "ad_group_error",
                "DUPLICATE_ADGROUP_NAME",
                "AdGroup with the same name already exists for the campaign.",
                path=[*path, "name"],
                trigger=res.name,
            )
        )
    _micros(res.cpc_bid_micros, path, "cpc_bid_micros", out)
    out.extend(_targeting_setting(res, path))
    return out


def _targeting_setting(res: Any, path: Path) -> Errors:
    """Each TargetRestriction names the dimension it restricts (or leaves to bids only)."""
    where = [*path, "targeting_setting"]
    return [
        _required([*where, ("target_restrictions", index)], "targeting_dimension")
        for index, restriction in enumerate(res.targeting_setting.target_restrictions)
        if int(restriction.targeting_dimension) in (0, 1)  # UNSPECIFIED, UNKNOWN
    ]


def _assets(items: Sequence[Any], path: Path, field: str, limits: tuple[int, int, int]) -> Errors:
    low, high, width = limits
    out: Errors = []
    if len(items) < low or len(items) > high:
        out.append(
            error(
                "collection_size_error",
                "TOO_FEW" if len(items) < low else "TOO_MANY",
                "Too few." if len(items) < low else "Too many.",
                path=[*path, field],
            )
        )
    for index, item in enumerate(items):
        where = [*path, (field, index), "text"]
        if not item.text.strip():
            out.append(error("string_length_error", "EMPTY", "Empty.", path=where))
        elif text_width(item.text) > width:
            out.append(
                error("string_length_error", "TOO_LONG", "Too long.", path=where, trigger=item.text)
            )
    return out


def _url(url: str, path: Path) -> GoogleAdsError | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        return error(
            "url_field_error",
            "INVALID_FINAL_URL",
            "The final url is invalid.",
            path=path,
            trigger=url,
        )
    return None


def ad_group_ad(res: Any, path: Path, lookup: Lookup, own: str, before: Any = None) -> Errors:
    out: Errors = []
    _reference(lookup, "ad_group", res.ad_group, path, "ad_group", out)
    return out + ad(res.ad, [*path, "ad"])


def ad(res: Any, ad_path: Path) -> Errors:
    """An Ad, created inside its AdGroupAd or updated by AdService (paths start at the ad)."""
    out: Errors = []
    if not res.final_urls:
        out.append(_required(ad_path, "final_urls"))
    for index, url in enumerate(res.final_urls):
        bad = _url(url, [*ad_path, ("final_urls", index)])
        if bad is not None:
            out.append(bad)
    if type(res).pb(res).WhichOneof("ad_data") != "responsive_search_ad":
        out.append(_required(ad_path, "responsive_search_ad"))
        return out
    rsa, rsa_path = res.responsive_search_ad, [*ad_path, "responsive_search_ad"]
    out.extend(_assets(rsa.headlines, rsa_path, "headlines", RSA_HEADLINES))
    out.extend(_assets(rsa.descriptions, rsa_path, "descriptions", RSA_DESCRIPTIONS))
    for field in ("path1", "path2"):
        value = getattr(rsa, field)
        if text_width(value) > RSA_PATH_MAX:
            out.append(
                error(
                    "string_length_error",
                    "TOO_LONG",
                    "Too long.",
                    path=[*rsa_path, field],
                    trigger=value,
                )
            )
    return out


def ad_group_criterion(
    res: Any, path: Path, lookup: Lookup, own: str, before: Any = None
) -> Errors:
    out: Errors = []
    _reference(lookup, "ad_group", res.ad_group, path, "ad_group", out)
    which = _criterion_type(res, path, out)
    if which == "user_list":
        out.extend(_user_list_criterion(res.user_list.user_list, [*path, "user_list"], lookup))
    if which == "keyword":
        kw_path, text = [*path, "keyword"], res.keyword.text
        if not text.strip():
            out.append(_required(kw_path, "text"))
        elif len(text) > KEYWORD_MAX_CHARS:
            out.append(
                _keyword(kw_path, "KEYWORD_TEXT_TOO_LONG", "Keyword text is too long.", text)
            )
        elif len(text.split()) > KEYWORD_MAX_WORDS:
            out.append(
                _keyword(kw_path, "KEYWORD_HAS_TOO_MANY_WORDS", "Keyword has too many words.", text)
            )
        elif KEYWORD_INVALID.search(text):
            out.append(
                _keyword(
                    kw_path, "KEYWORD_HAS_INVALID_CHARS", "Keyword has invalid characters.", text
                )
            )
        if not res.keyword.match_type:
            out.append(_required(kw_path, "match_type"))
    return out


def _user_list_criterion(name: str, path: Path, lookup: Lookup) -> Errors:
    """UserListInfo.user_list: a user list of the request's own customer, open to new members."""
    out: Errors = []
    if not name:
        return [_required(path, "user_list")]
    found = re.fullmatch(r"customers/(\d+)/userLists/(\d+)", name)
    if found is None:
        return [_malformed(path[:-1], "user_list", "user_list", name)]
    if found.group(1) != lookup.customer_id:
        # A list of another account is not this customer's to target (nor to look up).
        return [
            error(
                "criterion_error",
                "INVALID_USER_LIST",
                "Invalid user list criterion.",
                path=[*path, "user_list"],
                trigger=name,
            )
        ]
    user_list = _reference(lookup, "user_list", name, path, "user_list", out)
    if user_list is not None and user_list.get("membership_status") == "CLOSED":
        out.append(
            error(
                "criterion_error",
                "CANNOT_ADD_CLOSED_USER_LIST",
                "Cannot add a closed user list.",
                path=[*path, "user_list"],
                trigger=name,
            )
        )
    return out


def _keyword(path: Path, code: str, message: str, text: str) -> GoogleAdsError:
    return error("criterion_error", code, message, path=[*path, "text"], trigger=text)


def user_list(res: Any, path: Path, lookup: Lookup, own: str, before: Any = None) -> Errors:
    out: Errors = []
    if _name(res, path, out) and _duplicate(lookup, "user_list", own, name=res.name):
        out.append(
            error(
                "user_list_error",
                "NAME_ALREADY_USED",
                "Name is already being used for another user list for the account.",
                path=[*path, "name"],
                trigger=res.name,
            )
        )
    if type(res).pb(res).WhichOneof("user_list") is None:
        out.append(
            error(
                "user_list_error",
                "CONCRETE_TYPE_REQUIRED",
                "Concrete type of user list is required.",
                path=path,
            )
        )
    elif _has(res, "crm_based_user_list") and not res.crm_based_user_list.upload_key_type:
        out.append(_required([*path, "crm_based_user_list"], "upload_key_type"))
    # 10000 means "no expiration"; otherwise at most 540 days.
    if res.membership_life_span > 540 and res.membership_life_span != 10000:
        out.append(
            error("range_error", "TOO_HIGH", "Too high.", path=[*path, "membership_life_span"])
        )
    return out


VALIDATORS: dict[str, Callable[..., Errors]] = {
    "campaign_budget": campaign_budget,
    "campaign": campaign,
    "campaign_criterion": campaign_criterion,
    "ad_group": ad_group,
    "ad_group_ad": ad_group_ad,
    "ad_group_criterion": ad_group_criterion,
    "user_list": user_list,
}

# Fields an update may not change (beyond id and resource_name).
IMMUTABLE: dict[str, frozenset[str]] = {
    "campaign_budget": frozenset(),
    "campaign": frozenset({"advertising_channel_type"}),
    "campaign_criterion": frozenset({"campaign", "criterion_id"}),
    "ad_group": frozenset({"campaign"}),
    "ad_group_ad": frozenset({"ad_group", "ad"}),
    # AdService.MutateAds: an ad's type is what it was created as.
    "ad": frozenset({"type_"}),
    "ad_group_criterion": frozenset({"ad_group", "criterion_id"}),
    "user_list": frozenset(),
}
