"""Snapchat results: the ad account's daily stats, broken down by ad.

`GET /v1/adaccounts/{id}/stats?granularity=DAY&breakdown=ad&fields=impressions,swipes,spend`
(Snap's Measurement page; the account-level breakdown as Snap's connectors call it): one call per
31 days covers every ad of the account, whatever the number of trees; days run midnight to
midnight in the account's time zone; spend is micro-currency of the account's currency (COP); a
swipe up opens the ad's link, so swipes are the clicks. Pages are followed by
`paging.next_link`, as Snap's lists page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from adflux.platforms.base import ReportRow
from adflux.platforms.snapchat_http import SnapClient

REPORT_DAYS_PER_CALL = 31
ACCOUNT_TZ = timezone(timedelta(hours=-5))  # America/Bogota, no daylight saving


def daily_rows(
    client: SnapClient, account_id: str, keys: Mapping[str, str], since: date, until: date
) -> list[ReportRow]:
    """Rows for the ads in `keys` (ad id -> publication key), days with delivery only."""
    rows: list[ReportRow] = []
    if not keys:
        return rows
    day = since
    while day <= until:
        last = min(until, day + timedelta(days=REPORT_DAYS_PER_CALL - 1))
        body = client.call(
            "GET",
            f"/adaccounts/{account_id}/stats",
            write=False,
            params={
                "granularity": "DAY",
                "breakdown": "ad",
                "fields": "impressions,swipes,spend",
                "start_time": local_midnight(day),
                "end_time": local_midnight(last + timedelta(days=1)),
            },
        )
        while True:
            for entry in body.get("timeseries_stats") or []:
                stat = entry.get("timeseries_stat") or {}
                for ad in (stat.get("breakdown_stats") or {}).get("ad") or []:
                    key = keys.get(str(ad.get("id")))
                    if key is not None:
                        rows.extend(day_rows(key, ad.get("timeseries") or []))
            next_link = (body.get("paging") or {}).get("next_link")
            if not next_link:
                break
            body = client.call("GET", "", write=False, url=next_link)
        day = last + timedelta(days=1)
    return rows


def local_midnight(day: date) -> str:
    """The start of an account-local day: stats days run midnight to midnight there."""
    return datetime.combine(day, datetime.min.time(), ACCOUNT_TZ).isoformat()


def day_rows(key: str, series: list[dict[str, Any]]) -> Iterator[ReportRow]:
    for point in series:
        stats = point.get("stats") or {}
        impressions = int(stats.get("impressions") or 0)
        spend_micro = int(stats.get("spend") or 0)
        if not impressions and not spend_micro:
            continue  # a day without delivery
        yield ReportRow(
            publication_key=key,
            day=date.fromisoformat(str(point["start_time"])[:10]),  # local date, offset kept
            impressions=impressions,
            clicks=int(stats.get("swipes") or 0),  # a swipe up opens the link: Snap's click
            spend_cop=int((Decimal(spend_micro) / 1_000_000).to_integral(ROUND_HALF_UP)),
        )
