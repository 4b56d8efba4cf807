"""Simulated delivery for Google Ads campaigns, on the sandbox's shared delivery model.

A campaign delivers while it is ENABLED (its status log) and inside its start/end date-times.
Figures come from the simulated market (`adflux.sandbox.market`), like every other emulated
platform's, and are served as metrics.impressions / clicks / cost_micros per segments.date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from adflux.sandbox import delivery
from adflux.sandbox.market import Market

MICROS = 1_000_000


def track_status(record: dict[str, Any], before: str | None, after: str | None, now: float) -> None:
    """Append to the campaign's status log when it starts or stops being ENABLED."""
    was, now_active = before == "ENABLED", after == "ENABLED"
    if was != now_active:
        record.setdefault("status_log", []).append(delivery.status_entry(now, now_active))


def _moment(value: str) -> float | None:
    """Epoch seconds of a Google "yyyy-MM-dd[ HH:mm:ss]" in the account's time zone."""
    if not value:
        return None
    layout = "%Y-%m-%d %H:%M:%S" if len(value) > 10 else "%Y-%m-%d"
    parsed = datetime.strptime(value, layout).replace(tzinfo=delivery.ACCOUNT_TZ)
    return parsed.timestamp()


def campaign_days(
    record: dict[str, Any],
    now: float,
    *,
    market: Market,
    since: date | None = None,
    until: date | None = None,
) -> list[delivery.DayFigures]:
    """Every day with delivery from the campaign's creation (or `since`) until today (or
    `until`), from the simulated market (which reads the campaign's status log, schedule,
    budget, audiences and ad link)."""
    first, last = delivery.local_day(record["created_at"]), delivery.local_day(now)
    return market.ad_days(
        "google",
        record["id"],
        since=first if since is None else max(first, since),
        until=last if until is None else min(last, until),
        now=now,
    )


def today(now: float) -> date:
    return delivery.local_day(now)
