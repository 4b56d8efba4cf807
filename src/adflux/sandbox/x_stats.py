"""X Ads synchronous analytics (`GET /stats/accounts/{id}`), DAY granularity, for promoted posts,
line items and campaigns (a line item's or campaign's figures are the sum of its promoted posts').

Limits as X documents them (docs.x.com/x-ads-api/analytics, "Synchronous vs. Asynchronous" and
the stats endpoint reference): at most 20 `entity_ids` per request, a time range of at most 7
days, `start_time`/`end_time` in whole hours (for DAY granularity, midnights of the account's
time zone), and a user-level rate limit of 250 requests per 15 minutes, past which X answers 429
TOO_MANY_REQUESTS with `x-rate-limit-reset` (x_ads.py renders it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import ACCOUNT_TZ
from adflux.sandbox.quotas import Limit
from adflux.sandbox.x_objects import PLATFORM, owned
from adflux.sandbox.x_rules import invalid, one_of, require

MAX_ENTITY_IDS = 20
MAX_DAYS = 7
METRIC_GROUPS = {"ENGAGEMENT", "BILLING", "VIDEO", "MEDIA", "WEB_CONVERSION", "MOBILE_CONVERSION"}
PLACEMENTS = {"ALL_ON_TWITTER", "PUBLISHER_NETWORK", "SPOTLIGHT", "TREND"}
BUCKET = "x:stats"
LIMIT = Limit(calls=250, window_s=15 * 60)


def take_quota() -> int | None:
    """One call from the stats endpoint's window: None, or the seconds until a call would fit."""
    state = get_state()
    return state.quotas.take(BUCKET, LIMIT, state.clock.now())


def stats(account_id: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict]:
    require(params, "entity", "entity_ids", "start_time", "end_time", "granularity")
    require(params, "metric_groups", "placement")
    if params["entity"] not in ENTITIES:
        raise invalid("entity", f"This sandbox serves {', '.join(ENTITIES)} stats")
    if params["granularity"] != "DAY":
        raise invalid("granularity", "This sandbox serves DAY granularity")
    one_of(params, "metric_groups", METRIC_GROUPS)
    one_of(params, "placement", PLACEMENTS)
    if len(params["entity_ids"]) > MAX_ENTITY_IDS:
        raise invalid("entity_ids", f"Expected at most {MAX_ENTITY_IDS} items for entity_ids")
    since = _day_start(params["start_time"], "start_time")
    until = _day_start(params["end_time"], "end_time") - timedelta(days=1)
    days = (until - since).days + 1
    if days < 1 or days > MAX_DAYS:
        raise invalid("end_time", "The time range must be between 1 and 7 days for DAY data")
    collection, promoted_of = ENTITIES[params["entity"]]
    store = get_state().store
    data = []
    for entity_id in params["entity_ids"]:
        owned(collection, entity_id)
        metrics = {name: [0] * days for name in METRICS}
        for promoted in promoted_of(store, entity_id):
            series = _series(promoted, since, until, days)
            for name in METRICS:
                metrics[name] = [a + b for a, b in zip(metrics[name], series[name], strict=True)]
        data.append({"id": entity_id, "id_data": [{"segment": None, "metrics": metrics}]})
    return data, {"data_type": "stats", "time_series_length": days}


def _day_start(value: Any, name: str) -> date:
    """The account-local day a DAY-granularity bound starts: a date (the SDK's form) or a
    whole-hour ISO 8601 time that is midnight in the account's time zone."""
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(name, f"Expected an ISO 8601 time for {name}") from None
    if moment.minute or moment.second or moment.microsecond:
        raise invalid(name, f"{name} must be expressed in whole hours")
    local = moment.replace(tzinfo=moment.tzinfo or ACCOUNT_TZ).astimezone(ACCOUNT_TZ)
    if local.hour:
        raise invalid(name, f"{name} must be midnight in the account's time zone for DAY data")
    return local.date()


METRICS = ("impressions", "clicks", "billed_charge_local_micro")


def _promoted_of_line_item(store: Any, line_item_id: str) -> list[dict[str, Any]]:
    return store.find(PLATFORM, "promoted_tweet", line_item_id=line_item_id)


def _promoted_of_campaign(store: Any, campaign_id: str) -> list[dict[str, Any]]:
    items = store.find(PLATFORM, "line_item", campaign_id=campaign_id)
    return [p for item in items for p in _promoted_of_line_item(store, item["id"])]


# entity -> (its collection, the promoted posts whose figures it reports)
ENTITIES: dict[str, tuple[str, Any]] = {
    "PROMOTED_TWEET": ("promoted_tweets", lambda store, i: [owned("promoted_tweets", i)]),
    "LINE_ITEM": ("line_items", _promoted_of_line_item),
    "CAMPAIGN": ("campaigns", _promoted_of_campaign),
}


def _series(promoted: dict[str, Any], since: date, until: date, days: int) -> dict[str, list[int]]:
    now = get_state().clock.now()
    figures = {
        f.day: f
        for f in get_state().market.ad_days(
            PLATFORM, promoted["id"], since=since, until=until, now=now
        )
    }
    series = [figures.get(since + timedelta(days=i)) for i in range(days)]
    return {
        "impressions": [f.impressions if f else 0 for f in series],
        "clicks": [f.clicks if f else 0 for f in series],
        "billed_charge_local_micro": [f.spend * 1_000_000 if f else 0 for f in series],
    }
