"""TikTok synchronous integrated reports: `GET /report/integrated/get/`, BASIC, per object and day.

Rows of an ad are computed by the per-ad function (`tiktok_objects.ad_days`); an ad group's or
a campaign's are the sum of its ads', as TikTok aggregates them. Limits as TikTok documents them
(Reporting > Synchronous reports, business-api.tiktok.com/portal/docs?id=1740302848100353, and
Rate limits v1.3): a date range of at most 30 days with `stat_time_day`, at most 100 ids in an
id filter, `page_size` at most 1,000 (default 10), and the Basic tier's 600 requests per minute,
past which TikTok answers HTTP 200 with code 40100 (no reset header).
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from adflux.sandbox.common import get_state
from adflux.sandbox.quotas import Limit
from adflux.sandbox.tiktok_objects import (
    PLATFORM,
    TikTokError,
    ad_days,
    check_advertiser,
    get_object,
    invalid,
    require,
)

# Report levels served: data_level -> (the object's id dimension, its filtering field, kind).
REPORT_LEVELS = {
    "AUCTION_AD": ("ad_id", "ad_ids", "ad"),
    "AUCTION_ADGROUP": ("adgroup_id", "adgroup_ids", "adgroup"),
    "AUCTION_CAMPAIGN": ("campaign_id", "campaign_ids", "campaign"),
}
METRICS = ("spend", "impressions", "clicks")
MAX_DAYS = 30
MAX_FILTER_IDS = 100
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
BUCKET = "tiktok:report"
LIMIT = Limit(calls=600, window_s=60)


def report(params: dict[str, Any]) -> dict[str, Any]:
    """One page of a BASIC report per ad, ad group or campaign and day."""
    state = get_state()
    if state.quotas.take(BUCKET, LIMIT, state.clock.now()) is not None:
        raise TikTokError(40100, "Too many requests. Please retry in some time.")
    check_advertiser(params)
    require(params, "report_type", "data_level", "dimensions", "start_date", "end_date")
    level = REPORT_LEVELS.get(params["data_level"])
    if params["report_type"] != "BASIC" or level is None:
        raise invalid(
            "data_level", f"This sandbox serves BASIC reports at {', '.join(REPORT_LEVELS)}."
        )
    id_dimension, id_filter, kind = level
    if sorted(params["dimensions"]) != sorted([id_dimension, "stat_time_day"]):
        raise invalid("dimensions", f"This sandbox serves [{id_dimension}, stat_time_day].")
    metrics = params.get("metrics") or ["spend", "impressions", "clicks"]
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise invalid("metrics", f"This sandbox serves {', '.join(METRICS)}, not {unknown[0]}.")
    since, until = _dates(params)
    page, page_size = _paging(params)
    store, now = state.store, state.clock.now()
    object_ids = _filtered_ids(params, id_filter)
    if object_ids is None:  # no id filter: every object of the level in the account
        object_ids = [o["id"] for o in store.find(PLATFORM, kind)]
    rows = []
    for object_id in object_ids:
        get_object(kind, object_id, "filtering")
        ads = store.find(PLATFORM, "ad", **{id_dimension: object_id})
        per_day: dict[date, list[float]] = {}
        for ad in ads:
            for fig in ad_days(store, ad, now, since, until):
                totals = per_day.setdefault(fig.day, [0, 0, 0.0])
                totals[0] += fig.impressions
                totals[1] += fig.clicks
                totals[2] += fig.spend
        for day, (impressions, clicks, spend) in sorted(per_day.items()):
            values = {
                "impressions": str(int(impressions)),
                "clicks": str(int(clicks)),
                "spend": f"{spend:.2f}",
            }
            rows.append(
                {
                    "dimensions": {id_dimension: object_id, "stat_time_day": f"{day} 00:00:00"},
                    "metrics": {m: values[m] for m in metrics},
                }
            )
    start = (page - 1) * page_size
    return {
        "list": rows[start : start + page_size],
        "page_info": {
            "page": page,
            "page_size": page_size,
            "total_number": len(rows),
            "total_page": math.ceil(len(rows) / page_size),
        },
    }


def _dates(params: dict[str, Any]) -> tuple[date, date]:
    try:
        since = date.fromisoformat(params["start_date"])
    except ValueError:
        raise invalid("start_date", "Format must be YYYY-MM-DD.") from None
    try:
        until = date.fromisoformat(params["end_date"])
    except ValueError:
        raise invalid("end_date", "Format must be YYYY-MM-DD.") from None
    if not 0 <= (until - since).days < MAX_DAYS:
        raise invalid("end_date", "The date range of daily data cannot exceed 30 days.")
    return since, until


def _paging(params: dict[str, Any]) -> tuple[int, int]:
    try:
        page = int(params.get("page") or 1)
        page_size = int(params.get("page_size") or DEFAULT_PAGE_SIZE)
    except (TypeError, ValueError):
        raise invalid("page_size", "page and page_size must be integers.") from None
    if page < 1:
        raise invalid("page", "page must be at least 1.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise invalid("page_size", f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
    return page, page_size


def _filtered_ids(params: dict[str, Any], id_filter: str) -> list[str] | None:
    """The ids of the level's IN filter, or None when the report has none."""
    found: list[str] | None = None
    for rule in params.get("filtering") or []:
        if rule.get("field_name") != id_filter:
            continue
        value = rule.get("filter_value")
        ids = [str(v) for v in (value if isinstance(value, list) else _json_list(value))]
        if len(ids) > MAX_FILTER_IDS:
            raise invalid("filtering", f"{id_filter} accepts at most {MAX_FILTER_IDS} ids.")
        found = (found or []) + ids
    return found


def _json_list(value: Any) -> list[Any]:
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        raise invalid("filtering", "filter_value must be a JSON array.") from None
    return parsed if isinstance(parsed, list) else [parsed]
