"""Snap measurement in the sandbox: `GET /v1/{adaccounts|campaigns|adsquads|ads}/{id}/stats`.

Figures come from the simulated market (`Market.ad_days`), an ad account's, campaign's or ad
squad's being the sum of its ads'. Shapes from Snap's Measurement page (`timeseries_stats[]
.timeseries_stat.timeseries[] {start_time, end_time, stats}`, spend in micro-currency, times in
the ad account's time zone): DAY and TOTAL granularity are served, with `breakdown` by ad (or ad
squad, campaign) below the entity asked about. A DAY request starts and ends at midnight in the
account's time zone and covers at most 31 days. With a breakdown, ads without delivery in the
range are left out of it (Snap lists them with zeros; nothing AdFlux reads differs).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import request

from adflux.sandbox import snapchat_objects as objects
from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import ACCOUNT_TZ
from adflux.sandbox.snapchat_rules import invalid

FIELDS = ("impressions", "swipes", "spend")
MAX_DAYS = 31
ENTITY_TYPES = {"adaccounts": "AD_ACCOUNT", "campaigns": "CAMPAIGN", "adsquads": "AD_SQUAD",
                "ads": "AD"}  # fmt: skip
# What each entity may be broken down by, and the kind each breakdown lists.
BREAKDOWNS = {
    "adaccounts": {"campaign": "campaign", "adsquad": "adsquad", "ad": "ad"},
    "campaigns": {"adsquad": "adsquad", "ad": "ad"},
    "adsquads": {"ad": "ad"},
    "ads": {},
}
STORE_KINDS = {"adaccounts": None, "campaigns": "campaign", "adsquads": "adsquad", "ads": "ad"}


def stats(collection: str, entity_id: str) -> dict[str, Any]:
    """The `timeseries_stats` (DAY) or `total_stats` (TOTAL) answer for one entity."""
    args = request.args
    granularity = args.get("granularity", "TOTAL")
    if granularity not in ("DAY", "TOTAL"):
        raise invalid("granularity", "this sandbox serves DAY and TOTAL")
    fields = [f for f in (args.get("fields") or ",".join(FIELDS)).split(",") if f]
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise invalid("fields", f"this sandbox serves {', '.join(FIELDS)}, not {unknown[0]}")
    since, until = _days(args.get("start_time"), args.get("end_time"))
    account_id = _entity_account(collection, entity_id)
    objects.account(account_id)
    breakdown = args.get("breakdown")
    if breakdown is not None and breakdown not in BREAKDOWNS[collection]:
        raise invalid("breakdown", f"one of {', '.join(BREAKDOWNS[collection]) or 'none'}")
    now = get_state().clock.now()
    stat: dict[str, Any] = {
        "id": entity_id,
        "type": ENTITY_TYPES[collection],
        "granularity": granularity,
        "start_time": _local(since),
        "end_time": _local(until + timedelta(days=1)),
    }
    per_day = _sum(_ads_of(collection, entity_id), since, until, now)
    if granularity == "DAY":
        stat["timeseries"] = _series(per_day, since, until, fields)
    else:
        stat["stats"] = _values(_total(per_day.values()), fields)
    if breakdown is not None:
        rows = []
        for child in _children(collection, entity_id, BREAKDOWNS[collection][breakdown]):
            child_days = _sum(_ads_below(breakdown, child["id"]), since, until, now)
            if not child_days:
                continue
            row: dict[str, Any] = {"id": child["id"], "type": ENTITY_TYPES[breakdown + "s"],
                                   "granularity": granularity}  # fmt: skip
            if granularity == "DAY":
                row["timeseries"] = _series(child_days, since, until, fields)
            else:
                row["stats"] = _values(_total(child_days.values()), fields)
            rows.append(row)
        stat["breakdown_stats"] = {breakdown: rows}
    key, inner = ("timeseries_stats", "timeseries_stat")
    if granularity == "TOTAL":
        key, inner = ("total_stats", "total_stat")
    return {key: [{"sub_request_status": "SUCCESS", inner: stat}]}


def _days(start: str | None, end: str | None) -> tuple[date, date]:
    """The account-local days [since, until] a request's midnight-to-midnight range covers."""
    moments = []
    for name, value in (("start_time", start), ("end_time", end)):
        if not value:
            raise invalid(name, "is required")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise invalid(name, "must be an ISO 8601 time with an offset") from None
        if moment.tzinfo is None:
            raise invalid(name, "must carry a time zone offset")
        local = moment.astimezone(ACCOUNT_TZ)
        if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
            raise invalid(name, "must be midnight in the ad account's time zone (-05:00)")
        moments.append(local.date())
    since, end_day = moments
    days = (end_day - since).days
    if not 1 <= days <= MAX_DAYS:
        raise invalid("end_time", f"must be 1 to {MAX_DAYS} days after start_time")
    return since, end_day - timedelta(days=1)


def _entity_account(collection: str, entity_id: str) -> str:
    kind = STORE_KINDS[collection]
    if kind is None:
        return entity_id
    obj = objects.get_object(kind, entity_id)
    while "ad_account_id" not in obj:
        parent = "campaign" if "campaign_id" in obj else "adsquad"
        obj = objects.get_object(
            parent, obj["campaign_id" if parent == "campaign" else "ad_squad_id"]
        )
    return str(obj["ad_account_id"])


def _children(collection: str, entity_id: str, kind: str) -> list[dict[str, Any]]:
    """The objects of `kind` under the entity, in creation order."""
    if kind == "ad":
        return [objects.get_object("ad", i) for i in _ads_of(collection, entity_id)]
    if kind == "adsquad":
        return _squads_of(collection, entity_id)
    return objects.children("campaign", entity_id)  # campaigns: only under an ad account


def _squads_of(collection: str, entity_id: str) -> list[dict[str, Any]]:
    store = get_state().store
    if collection == "adsquads":
        return [objects.get_object("adsquad", entity_id)]
    if collection == "campaigns":
        return objects.children("adsquad", entity_id)
    if collection == "adaccounts":
        return store.find(objects.PLATFORM, "adsquad")
    return []


def _ads_of(collection: str, entity_id: str) -> list[str]:
    if collection == "ads":
        return [entity_id]
    return [ad["id"] for squad in _squads_of(collection, entity_id)
            for ad in objects.children("ad", squad["id"])]  # fmt: skip


def _ads_below(breakdown: str, child_id: str) -> list[str]:
    return _ads_of(breakdown + "s", child_id)


def _sum(ad_ids: list[str], since: date, until: date, now: float) -> dict[date, list[int]]:
    market = get_state().market
    per_day: dict[date, list[int]] = {}
    for ad_id in ad_ids:
        for fig in market.ad_days(objects.PLATFORM, ad_id, since=since, until=until, now=now):
            totals = per_day.setdefault(fig.day, [0, 0, 0])
            totals[0] += fig.impressions
            totals[1] += fig.clicks
            totals[2] += fig.spend
    return per_day


def _total(days: Any) -> list[int]:
    totals = [0, 0, 0]
    for values in days:
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    return totals


def _values(totals: list[int], fields: list[str]) -> dict[str, int]:
    impressions, swipes, spend = totals
    # Spend in micro-currency of the account's currency (whole COP from the market).
    values = {"impressions": impressions, "swipes": swipes, "spend": spend * 1_000_000}
    return {name: values[name] for name in fields}


def _series(
    per_day: dict[date, list[int]], since: date, until: date, fields: list[str]
) -> list[dict[str, Any]]:
    rows, day = [], since
    while day <= until:
        rows.append(
            {
                "start_time": _local(day),
                "end_time": _local(day + timedelta(days=1)),
                "stats": _values(per_day.get(day, [0, 0, 0]), fields),
            }
        )
        day += timedelta(days=1)
    return rows


def _local(day: date) -> str:
    """Account-local midnight as Snap writes stats times: 2026-12-04T00:00:00.000-05:00."""
    moment = datetime.combine(day, datetime.min.time(), ACCOUNT_TZ)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000") + moment.strftime("%z")[:3] + ":00"
