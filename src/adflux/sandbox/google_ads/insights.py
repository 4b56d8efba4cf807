"""Simulated delivery for campaigns: impressions, clicks and cost that grow while a campaign serves.

A campaign serves while it is ENABLED (the stored [start, end] periods) and after its start date.
Rates are derived from the campaign id, so figures are reproducible; daily cost never exceeds the
campaign budget, as Google paces spend to the daily budget.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from adflux.sandbox.google_ads.mutate import ACCOUNT_TZ

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class DayMetrics:
    day: date
    impressions: int
    clicks: int
    cost_micros: int


@dataclass(frozen=True)
class Rates:
    impressions_per_hour: int
    ctr_per_mille: int  # clicks per 1000 impressions
    cpc_micros: int


def rates_for(campaign_id: int) -> Rates:
    """Stable per-campaign rates: 240-600 impressions/hour, CTR 3-6 %, CPC 800-2,400 COP."""
    digest = hashlib.sha256(str(campaign_id).encode()).digest()
    return Rates(
        impressions_per_hour=240 + digest[0] * 360 // 255,
        ctr_per_mille=30 + digest[1] * 30 // 255,
        cpc_micros=(800 + digest[2] * 1600 // 255) * 1_000_000,
    )


def _day_bounds(day: date) -> tuple[float, float]:
    start = datetime.combine(day, time(0), ACCOUNT_TZ).timestamp()
    return start, start + SECONDS_PER_DAY


def _start_of(campaign: Any) -> float | None:
    if not campaign.start_date_time:
        return None
    parsed = datetime.strptime(campaign.start_date_time[:10], "%Y-%m-%d")
    return datetime.combine(parsed.date(), time(0), ACCOUNT_TZ).timestamp()


def serving_seconds(record: dict[str, Any], campaign: Any, day: date, now: float) -> float:
    """Seconds on `day` during which the campaign was enabled and past its start date."""
    low, high = _day_bounds(day)
    not_before = _start_of(campaign)
    total = 0.0
    for start, end in record.get("serving", []):
        begin = max(start, low, not_before or start)
        finish = min(end if end is not None else now, high, now)
        total += max(0.0, finish - begin)
    return total


def day_metrics(
    record: dict[str, Any], campaign: Any, budget_micros: int, day: date, now: float
) -> DayMetrics:
    rates = rates_for(campaign.id)
    seconds = serving_seconds(record, campaign, day, now)
    impressions = int(seconds * rates.impressions_per_hour / 3600)
    clicks = impressions * rates.ctr_per_mille // 1000
    if budget_micros > 0:
        clicks = min(clicks, budget_micros // rates.cpc_micros)
    return DayMetrics(day, impressions, clicks, clicks * rates.cpc_micros)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def today(now: float) -> date:
    return datetime.fromtimestamp(now, ACCOUNT_TZ).date()
