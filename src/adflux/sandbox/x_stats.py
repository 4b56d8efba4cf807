"""X Ads synchronous analytics (`GET /stats/accounts/{id}`), DAY granularity, for promoted posts,
line items and campaigns (a line item's or campaign's figures are the sum of its promoted posts').
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from adflux.sandbox.common import get_state
from adflux.sandbox.x_objects import PLATFORM, owned
from adflux.sandbox.x_rules import invalid, require


def stats(account_id: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict]:
    require(params, "entity", "entity_ids", "start_time", "end_time", "granularity")
    require(params, "metric_groups")
    if params["entity"] not in ENTITIES:
        raise invalid("entity", f"This sandbox serves {', '.join(ENTITIES)} stats")
    if params["granularity"] != "DAY":
        raise invalid("granularity", "This sandbox serves DAY granularity")
    try:
        since = date.fromisoformat(str(params["start_time"])[:10])
        until = date.fromisoformat(str(params["end_time"])[:10]) - timedelta(days=1)
    except ValueError:
        raise invalid("start_time", "Expected ISO 8601 dates") from None
    days = (until - since).days + 1
    if days < 1 or days > 7:
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
