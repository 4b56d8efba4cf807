"""X Ads synchronous analytics (`GET /stats/accounts/{id}`) for promoted posts, DAY granularity."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import active_intervals, clip, daily_figures
from adflux.sandbox.x_objects import PLATFORM, owned
from adflux.sandbox.x_rules import invalid, require


def stats(account_id: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict]:
    require(params, "entity", "entity_ids", "start_time", "end_time", "granularity")
    require(params, "metric_groups")
    if params["entity"] != "PROMOTED_TWEET":
        raise invalid("entity", "This sandbox serves PROMOTED_TWEET stats")
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
    store, now = get_state().store, get_state().clock.now()
    data = []
    for promoted_id in params["entity_ids"]:
        promoted = owned("promoted_tweets", promoted_id)
        line_item = store.get(PLATFORM, promoted["line_item_id"]) or {}
        campaign = store.get(PLATFORM, line_item.get("campaign_id", "")) or {}
        logs = [
            campaign.get("_status_log", []),
            line_item.get("_status_log", []),
            promoted["_status_log"],
        ]
        start = _epoch(line_item.get("start_time"))
        intervals = clip(active_intervals(logs, now), start, _epoch(line_item.get("end_time")))
        budget = int(campaign.get("daily_budget_amount_local_micro") or 0) // 1_000_000
        figures = {
            f.day: f
            for f in daily_figures(
                seed=promoted_id, intervals=intervals, since=since, until=until, daily_budget=budget
            )
        }
        series = [figures.get(since + timedelta(days=i)) for i in range(days)]
        metrics = {
            "impressions": [f.impressions if f else 0 for f in series],
            "clicks": [f.clicks if f else 0 for f in series],
            "billed_charge_local_micro": [f.spend * 1_000_000 if f else 0 for f in series],
        }
        data.append({"id": promoted_id, "id_data": [{"segment": None, "metrics": metrics}]})
    return data, {"data_type": "stats", "time_series_length": days}


def _epoch(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
