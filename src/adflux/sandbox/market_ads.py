"""What the market reads from each emulated platform's objects: one `AdView` per deliverable ad.

The unit that delivers is the platform's ad (Meta ad, TikTok ad, X promoted post) and, on Google
Ads, the campaign (the sandbox's Google emulation serves delivery per campaign and splits it
among its ad groups and ads). For each the market reads:

- when the whole chain was active (status logs of campaign, ad set / ad group / line item, ad)
  inside the schedule;
- the daily budget the platform holds, with its history (Meta ad set `daily_budget`; TikTok ad
  group `budget`, else the campaign's; X campaign `daily_budget_amount_local_micro`; Google
  campaign budget `amount_micros`; Snapchat ad squad `daily_budget_micro`; each change the
  emulations accept is noted with `delivery.record_budget`, so a day delivers on the budget it
  had; lifetime budgets are not read: such an ad spends like UNSET_BUDGET_COP);
- the link people land on (Meta creative `object_story_spec.link_data.link`, Google ad
  `final_urls[0]`, X card's website destination or the post's text URL, TikTok
  `landing_page_url`, Snapchat creative `web_view_properties.url`);
- the member hashes of the custom audiences it is restricted to (Meta ad set
  `targeting.custom_audiences` -> `_users`; TikTok ad group `audience_ids` -> `_members`; X line
  item CUSTOM_AUDIENCE criteria -> `_users`; Google ad group USER_LIST criteria -> `_members`;
  Snapchat ad squad `targeting.segments` INCLUDE ids -> `_members`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from adflux.sandbox.audience_minimums import uploaded_people
from adflux.sandbox.delivery import (
    ACCOUNT_TZ,
    BudgetLog,
    active_intervals,
    budget_log,
    budget_on,
    clip,
)
from adflux.sandbox.store import Store

PLATFORMS = ("meta", "google", "x", "tiktok", "snapchat")
_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class AdView:
    platform: str
    ad_id: str
    intervals: tuple[tuple[float, float], ...]  # when the whole chain delivered, up to now
    budgets: BudgetLog  # the daily budget (whole COP) and when it was set
    link: str | None
    audiences: tuple[frozenset[str], ...] | None  # member hashes; None = no custom audience
    # People uploaded to each audience, aligned with `audiences` (what counts without a world).
    audience_people: tuple[int, ...] = ()

    @property
    def daily_budget(self) -> int:
        """The daily budget the platform holds now."""
        return self.budgets[-1][1]

    def budget_on(self, day: date) -> int:
        """The daily budget the ad had on an account-local day."""
        return budget_on(self.budgets, day)


def ad_ids(store: Store, platform: str) -> list[str]:
    """Every deliverable ad of the platform, in creation order."""
    kind = {"meta": "ad", "tiktok": "ad", "x": "promoted_tweet", "google": "campaign",
            "snapchat": "ad"}[platform]  # fmt: skip
    return [obj["id"] for obj in store.find(platform, kind)]


def read_ad(store: Store, platform: str, ad_id: str, now: float) -> AdView | None:
    """The ad as the market sees it at `now`; None when it does not exist."""
    return _READERS[platform](store, ad_id, now)


def _meta(store: Store, ad_id: str, now: float) -> AdView | None:
    ad = store.get("meta", ad_id, "ad")
    if ad is None:
        return None
    adset = store.get("meta", ad.get("adset_id", "")) or {}
    campaign = store.get("meta", ad.get("campaign_id", "")) or {}
    logs = [campaign.get("_status_log", []), adset.get("_status_log", []), ad["_status_log"]]
    intervals = clip(
        active_intervals(logs, now), _iso(adset.get("start_time")), _iso(adset.get("end_time"))
    )
    creative = store.get("meta", (ad.get("creative") or {}).get("id", "")) or {}
    link_data = (creative.get("object_story_spec") or {}).get("link_data") or {}
    chosen = (adset.get("targeting") or {}).get("custom_audiences") or []
    held = [str(item.get("id", "")) for item in chosen]
    return AdView(
        "meta",
        ad_id,
        tuple(intervals),
        budget_log(adset, int(adset.get("daily_budget") or 0)),
        link_data.get("link"),
        *_audiences(store, "meta", held, "_users"),
    )


def _tiktok(store: Store, ad_id: str, now: float) -> AdView | None:
    ad = store.get("tiktok", ad_id, "ad")
    if ad is None:
        return None
    adgroup = store.get("tiktok", ad.get("adgroup_id", "")) or {}
    campaign = store.get("tiktok", ad.get("campaign_id", "")) or {}
    logs = [campaign.get("_status_log", []), adgroup.get("_status_log", []), ad["_status_log"]]
    intervals = clip(active_intervals(logs, now), adgroup.get("_start"), adgroup.get("_end"))
    holder = adgroup if adgroup.get("budget") else campaign
    budgets = budget_log(holder, int(float(holder.get("budget") or 0)))
    held = [str(i) for i in adgroup.get("audience_ids") or []]
    return AdView(
        "tiktok",
        ad_id,
        tuple(intervals),
        budgets,
        ad.get("landing_page_url"),
        *_audiences(store, "tiktok", held, "_members"),
    )


def _snapchat(store: Store, ad_id: str, now: float) -> AdView | None:
    ad = store.get("snapchat", ad_id, "ad")
    if ad is None:
        return None
    squad = store.get("snapchat", ad.get("ad_squad_id", "")) or {}
    campaign = store.get("snapchat", squad.get("campaign_id", "")) or {}
    logs = [campaign.get("_status_log", []), squad.get("_status_log", []), ad["_status_log"]]
    intervals = active_intervals(logs, now)
    for holder in (campaign, squad):  # the campaign's schedule bounds its ad squads'
        intervals = clip(intervals, holder.get("_start"), holder.get("_end"))
    budget = int(squad.get("daily_budget_micro") or 0) // 1_000_000  # the account bills in COP
    creative = store.get("snapchat", ad.get("creative_id", "")) or {}
    link = (creative.get("web_view_properties") or {}).get("url")
    held = [
        str(segment_id)
        for group in (squad.get("targeting") or {}).get("segments") or []
        if group.get("operation", "INCLUDE") == "INCLUDE"
        for segment_id in group.get("segment_id") or []
    ]
    return AdView(
        "snapchat",
        ad_id,
        tuple(intervals),
        budget_log(squad, budget),
        link,
        *_audiences(store, "snapchat", held, "_members"),
    )


def _x(store: Store, ad_id: str, now: float) -> AdView | None:
    promoted = store.get("x", ad_id, "promoted_tweet")
    if promoted is None:
        return None
    line_item = store.get("x", promoted.get("line_item_id", "")) or {}
    campaign = store.get("x", line_item.get("campaign_id", "")) or {}
    logs = [
        campaign.get("_status_log", []),
        line_item.get("_status_log", []),
        promoted["_status_log"],
    ]
    schedule = _iso(line_item.get("start_time")), _iso(line_item.get("end_time"))
    intervals = clip(active_intervals(logs, now), *schedule)
    criteria = store.find_by("x", "targeting_criterion", _line_item_of, line_item.get("id"))
    chosen = [c["targeting_value"] for c in criteria if c["targeting_type"] == "CUSTOM_AUDIENCE"]
    held = [str(i) for i in chosen]
    budget = int(campaign.get("daily_budget_amount_local_micro") or 0) // 1_000_000
    budgets = budget_log(campaign, budget)
    link = _x_link(store, promoted)
    audiences = _audiences(store, "x", held, "_users")
    return AdView("x", ad_id, tuple(intervals), budgets, link, *audiences)


def _x_link(store: Store, promoted: dict[str, Any]) -> str | None:
    tweets = store.find_by("x", "tweet", _tweet_id_of, promoted.get("tweet_id"))
    if not tweets:
        return None
    tweet = tweets[0]
    card_uri = tweet.get("card_uri") or ""
    if card_uri.startswith("card://"):
        card = store.get("x", card_uri.removeprefix("card://")) or {}
        for component in card.get("components") or []:
            url = (component.get("destination") or {}).get("url")
            if url:
                return str(url)
    found = _URL.search(tweet.get("full_text") or "")
    return found.group(0) if found else None


def _google(store: Store, ad_id: str, now: float) -> AdView | None:
    record = store.get("google", ad_id, "campaign")
    if record is None or record.get("removed"):
        return None
    resource = record.get("resource") or {}
    intervals = clip(
        active_intervals([record.get("status_log", [])], now),
        _google_moment(resource.get("start_date_time")),
        _google_moment(resource.get("end_date_time")),
    )
    budget = store.get("google", resource.get("campaign_budget", "")) or {}
    amount = int((budget.get("resource") or {}).get("amount_micros") or 0) // 1_000_000
    budgets = budget_log(budget, amount)
    groups = [
        g["id"]
        for g in store.find_by("google", "ad_group", campaign_of, ad_id)
        if not g.get("removed")
    ]
    link, lists = None, []
    for group in groups:
        for ad in store.find_by("google", "ad_group_ad", ad_group_of, group):
            urls = ((ad.get("resource") or {}).get("ad") or {}).get("final_urls") or []
            if link is None and urls and not ad.get("removed"):
                link = urls[0]
        for criterion in store.find_by("google", "ad_group_criterion", ad_group_of, group):
            user_list = ((criterion.get("resource") or {}).get("user_list") or {}).get("user_list")
            if user_list and not criterion.get("removed"):
                lists.append(str(user_list))
    audiences = _audiences(store, "google", lists, "_members")
    return AdView("google", ad_id, tuple(intervals), budgets, link, *audiences)


# Index keys for Store.find_by: long-lived functions that only read.
def _line_item_of(obj: dict[str, Any]) -> Any:
    return obj.get("line_item_id")


def _tweet_id_of(obj: dict[str, Any]) -> Any:
    return obj.get("tweet_id")


def campaign_of(obj: dict[str, Any]) -> Any:
    return (obj.get("resource") or {}).get("campaign")


def ad_group_of(obj: dict[str, Any]) -> Any:
    return (obj.get("resource") or {}).get("ad_group")


def _audiences(
    store: Store, platform: str, audience_ids: list[str], key: str
) -> tuple[tuple[frozenset[str], ...] | None, tuple[int, ...]]:
    """The member hashes and the uploaded people of each audience an ad is restricted to, read
    in place (`Store.read`): an audience holds thousands of hashes, and the market reads every
    ad's each time it reports."""
    if not audience_ids:
        return None, ()

    def read(audience: dict[str, Any]) -> tuple[frozenset[str], int]:
        return _members(audience, key), uploaded_people(audience.get(key) or {})

    held = [store.read(platform, audience_id, read) for audience_id in audience_ids]
    return (
        tuple(found[0] if found else frozenset() for found in held),
        tuple(found[1] if found else 0 for found in held),
    )


def _members(audience: dict[str, Any], key: str) -> frozenset[str]:
    """Every hash uploaded to an audience, whatever identifier type it was uploaded as."""
    return frozenset(h for hashes in (audience.get(key) or {}).values() for h in hashes)


def _iso(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _google_moment(value: str | None) -> float | None:
    if not value:
        return None
    layout = "%Y-%m-%d %H:%M:%S" if len(value) > 10 else "%Y-%m-%d"
    return datetime.strptime(value, layout).replace(tzinfo=ACCOUNT_TZ).timestamp()


_READERS: dict[str, Callable[[Store, str, float], AdView | None]] = {
    "meta": _meta,
    "tiktok": _tiktok,
    "x": _x,
    "google": _google,
    "snapchat": _snapchat,
}


def all_ads(store: Store, now: float) -> Iterator[AdView]:
    for platform in PLATFORMS:
        for ad_id in ad_ids(store, platform):
            view = read_ad(store, platform, ad_id, now)
            if view is not None:
                yield view
