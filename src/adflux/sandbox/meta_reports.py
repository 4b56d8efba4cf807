"""Meta account-level insights: `GET /act_{id}/insights?level=ad&time_increment=1`.

One row per ad and day with delivery (Meta omits empty rows), each computed by the same per-ad
function as a node's insights (`meta_objects.ad_days`), filtered by `ad.id IN [...]`, paged with
cursors (`limit`, `after`). Validation answers Graph's (#100) errors naming the parameter.

Rate limit: the Insights calls of an ad account share the `ads_insights` business-use-case
bucket, "calls within one hour = 600 + 400 × active ads" at the standard (Limited) access tier
(developers.facebook.com/docs/graph-api/overview/rate-limiting, Business Use Case rate limits,
Ads Insights); past it Graph answers code 80000 with the bucket's `X-Business-Use-Case-Usage`
(`estimated_time_to_regain_access` in minutes), which meta.py renders.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import local_day
from adflux.sandbox.meta_objects import PLATFORM, ad_days
from adflux.sandbox.meta_rules import invalid
from adflux.sandbox.quotas import Limit

LEVELS = ("ad", "adset", "campaign", "account")
SERVED_LEVEL = "ad"
# Fields an ad-level insights row can carry here (Graph's Ads Insights fields of that name).
ROW_FIELDS = {
    "account_id",
    "campaign_id",
    "adset_id",
    "ad_id",
    "ad_name",
    "impressions",
    "clicks",
    "spend",
    "date_start",
    "date_stop",
}
DEFAULT_FIELDS = ("impressions", "spend", "date_start", "date_stop")
DEFAULT_LIMIT = 25
# Graph serves insights for the last 37 months only (Insights API, time_range).
HISTORY_DAYS = 37 * 31
FILTER_OPERATORS = {"IN", "EQUAL"}
BUCKET = "meta:ads_insights"


def report_limit() -> Limit:
    """The account's ads_insights bucket: 600 + 400 per active ad, per hour (standard tier)."""
    active = sum(1 for ad in get_state().store.find(PLATFORM, "ad") if ad.get("status") == "ACTIVE")
    return Limit(calls=600 + 400 * active, window_s=3600)


def take_quota() -> int | None:
    """One call from the ads_insights bucket: None, or the seconds until a call would fit."""
    state = get_state()
    return state.quotas.take(BUCKET, report_limit(), state.clock.now())


def account_insights(number: str, params: dict[str, Any], url: str) -> dict[str, Any]:
    """One page of the account's ad-level daily insights."""
    level = params.get("level") or "account"
    if level not in LEVELS:
        raise invalid(f"Param level must be one of {{{', '.join(LEVELS)}}}", "level")
    if level != SERVED_LEVEL:
        raise invalid(f"This sandbox serves account insights at level={SERVED_LEVEL}", "level")
    if str(params.get("time_increment", "")) != "1":
        raise invalid("This sandbox serves time_increment=1 (daily rows)", "time_increment")
    since, until = _time_range(params)
    fields = _fields(params)
    ads = _ads(number, params.get("filtering") or [])
    store, now = get_state().store, get_state().clock.now()
    rows = [(fig.day, ad, fig) for ad in ads for fig in ad_days(store, ad, now, since, until)]
    rows.sort(key=lambda row: (row[0], int(row[1]["id"])))
    limit = _limit(params)
    start = _cursor(params.get("after"))
    page = rows[start : start + limit]
    data = [_row(number, ad, fig, fields) for _day, ad, fig in page]
    paging: dict[str, Any] = {
        "cursors": {"before": _encode(start), "after": _encode(start + len(page))}
    }
    if start + limit < len(rows):
        paging["next"] = url  # the SDK's Cursor only checks that "next" exists, then sends after
    return {"data": data, "paging": paging}


def _time_range(params: dict[str, Any]) -> tuple[date, date]:
    today = local_day(get_state().clock.now())
    time_range = params.get("time_range")
    if not isinstance(time_range, dict):
        raise invalid("Param time_range must be a JSON object with since and until", "time_range")
    try:
        since = date.fromisoformat(str(time_range["since"]))
        until = date.fromisoformat(str(time_range["until"]))
    except (KeyError, ValueError):
        raise invalid("Param time_range must have since and until dates", "time_range") from None
    if since > until:
        raise invalid("time_range since must not be after until", "time_range")
    if since < today - timedelta(days=HISTORY_DAYS):
        raise invalid("time_range since must be within the last 37 months", "time_range")
    return since, until


def _fields(params: dict[str, Any]) -> list[str]:
    raw = params.get("fields") or ",".join(DEFAULT_FIELDS)
    names = [n.strip() for n in (raw if isinstance(raw, list) else str(raw).split(",")) if n]
    for name in names:
        if name not in ROW_FIELDS:
            raise invalid(f"{name} is not valid for fields param", "fields")
    return names


def _ads(number: str, filtering: Any) -> list[dict[str, Any]]:
    store = get_state().store
    ads = [a for a in store.find(PLATFORM, "ad") if a.get("account_id", number) == number]
    if not isinstance(filtering, list):
        raise invalid("Param filtering must be an array of filter objects", "filtering")
    for rule in filtering:
        if not isinstance(rule, dict) or rule.get("field") != "ad.id":
            raise invalid("This sandbox filters account insights on ad.id only", "filtering")
        if rule.get("operator") not in FILTER_OPERATORS:
            raise invalid("Filter operator must be IN or EQUAL", "filtering")
        value = rule.get("value")
        wanted = {str(v) for v in (value if isinstance(value, list) else [value])}
        ads = [a for a in ads if a["id"] in wanted]
    return [a for a in ads if a.get("status") != "DELETED"]


def _limit(params: dict[str, Any]) -> int:
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
    except (TypeError, ValueError):
        raise invalid("Param limit must be a positive integer", "limit") from None
    if limit < 1:
        raise invalid("Param limit must be a positive integer", "limit")
    return limit


def _cursor(after: Any) -> int:
    if not after:
        return 0
    try:
        return int(base64.b64decode(str(after)).decode())
    except ValueError:
        raise invalid("Param after is not a valid cursor", "after") from None


def _encode(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def _row(number: str, ad: dict[str, Any], fig: Any, fields: list[str]) -> dict[str, Any]:
    values = {
        "account_id": number,
        "campaign_id": ad["campaign_id"],
        "adset_id": ad["adset_id"],
        "ad_id": ad["id"],
        "ad_name": ad.get("name", ""),
        "impressions": str(fig.impressions),
        "clicks": str(fig.clicks),
        "spend": str(fig.spend),
        "date_start": fig.day.isoformat(),
        "date_stop": fig.day.isoformat(),
    }
    # Graph always adds the row's date bounds when time_increment splits the range.
    wanted = [*fields, "date_start", "date_stop"]
    return {name: values[name] for name in dict.fromkeys(wanted)}
