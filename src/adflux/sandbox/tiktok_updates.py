"""TikTok updates in the sandbox: `/adgroup/update/` (budget, schedule, targeting) and
`/ad/update/` (the ad's creative), as tiktok-business-api-sdk 1.0.1 sends them (`AdgroupApi.
adgroup_update`, `AdApi.ad_update`; field docs in the SDK's AdgroupUpdateBody and
OpenApiv13adupdateCreatives models).

Each update is checked whole, against what the object will hold once it is applied, with the
rules of its create, and then applied in one step: a refused update changes nothing.
"""

from __future__ import annotations

from typing import Any

from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import record_budget, status_entry
from adflux.sandbox.tiktok_objects import (
    PLATFORM,
    STATUSES,
    check_adgroup,
    check_advertiser,
    check_creative,
    get_object,
    invalid,
    one_of,
    require,
)

# What `/adgroup/update/` changes here: the name, budget, schedule and the targeting AdFlux
# sends. Other AdgroupUpdateBody fields (bidding, placements' brand safety, app fields) are
# refused by name rather than silently dropped.
ADGROUP_UPDATABLE = {
    "adgroup_name",
    "budget",
    "schedule_type",
    "schedule_start_time",
    "schedule_end_time",
    "location_ids",
    "age_groups",
    "gender",
    "languages",
    "audience_ids",
    "excluded_audience_ids",
    "zipcode_ids",
    "targeting_expansion",
}
LIST_FIELDS = {
    "location_ids",
    "age_groups",
    "languages",
    "audience_ids",
    "excluded_audience_ids",
    "zipcode_ids",
}
# "The start time can be up to 12 hours earlier than the current time" (AdgroupUpdateBody
# schedule_start_time); a start left as it was is not a new start.
START_GRACE_S = 12 * 3600


def _now() -> float:
    return get_state().clock.now()


def update_adgroup(params: dict[str, Any]) -> dict[str, Any]:
    check_advertiser(params)
    require(params, "adgroup_id")
    adgroup = get_object("adgroup", params["adgroup_id"], "adgroup_id")
    changes = {k: v for k, v in params.items() if k not in ("advertiser_id", "adgroup_id")}
    for name in sorted(changes):
        if name not in ADGROUP_UPDATABLE:
            raise invalid(name, "This field cannot be updated.")
        if name in LIST_FIELDS and not (
            isinstance(changes[name], list)
            and all(isinstance(v, str | int) and not isinstance(v, bool) for v in changes[name])
        ):
            raise invalid(name, "Must be a list of ids or enum values.")
    if "budget" in changes and adgroup.get("budget_mode") == "BUDGET_MODE_INFINITE":
        raise invalid("budget", "The ad group has no budget of its own (BUDGET_MODE_INFINITE).")
    held = {**adgroup, **changes}
    if held.get("schedule_type") == "SCHEDULE_FROM_NOW" and "schedule_end_time" not in changes:
        held.pop("schedule_end_time", None)  # from now on, with no end of its own
    campaign = get_object("campaign", adgroup["campaign_id"], "campaign_id")
    start, end = check_adgroup(held, campaign)
    now = _now()
    moved = changes.get("schedule_start_time", adgroup["schedule_start_time"])
    if moved != adgroup["schedule_start_time"] and start and start < now - START_GRACE_S:
        raise invalid(
            "schedule_start_time", "The start time can be up to 12 hours earlier than now."
        )

    def change(stored: dict[str, Any]) -> None:
        if "budget" in changes:
            record_budget(stored, int(float(stored["budget"])), int(float(changes["budget"])), now)
        stored.update(changes, _start=start, _end=end, _updated=now)
        if "schedule_end_time" not in held:
            stored.pop("schedule_end_time", None)

    get_state().store.update(PLATFORM, adgroup["id"], change)
    return {"adgroup_id": adgroup["id"]}


def update_ad(params: dict[str, Any]) -> dict[str, Any]:
    """`/ad/update/`: each creative names its `ad_id` and carries the ad's whole creative, which
    replaces the one the ad held (fields left out are not kept); the ad keeps its id, status and
    history."""
    check_advertiser(params)
    require(params, "adgroup_id", "creatives")
    adgroup = get_object("adgroup", params["adgroup_id"], "adgroup_id")
    creatives = params["creatives"]
    if not isinstance(creatives, list) or not 1 <= len(creatives) <= 20:
        raise invalid("creatives", "Provide 1 to 20 creatives.")
    ads = []
    for creative in creatives:
        if not isinstance(creative, dict):
            raise invalid("creatives", "Each creative must be an object.")
        require(creative, "ad_id")
        foreign = sorted(set(creative) & NOT_CREATIVE)
        if foreign:
            raise invalid(foreign[0], "Not a field of an ad's creative.")
        one_of(creative, "operation_status", STATUSES)
        ad = get_object("ad", creative["ad_id"], "ad_id")
        if ad["adgroup_id"] != adgroup["id"]:
            raise invalid("ad_id", f"{ad['id']} is not in ad group {adgroup['id']}.")
        check_creative(creative, adgroup)
        ads.append(ad)
    now = _now()
    for ad, creative in zip(ads, creatives, strict=True):

        def change(stored: dict[str, Any], creative: dict = creative) -> None:
            for name in [k for k in stored if not k.startswith("_") and k not in AD_OWN_FIELDS]:
                del stored[name]
            stored.update(creative, _updated=now)
            if "operation_status" in creative:
                stored["_status_log"].append(
                    status_entry(now, creative["operation_status"] == "ENABLE")
                )

        get_state().store.update(PLATFORM, ad["id"], change)
    return {"ad_ids": [ad["id"] for ad in ads]}


# An ad's fields that are not its creative (its ids, parents and status), and of those the ones
# a creative sent to /ad/update/ cannot carry (read-only, or set by other calls).
AD_OWN_FIELDS = {"id", "kind", "ad_id", "adgroup_id", "campaign_id", "operation_status",
                 "advertiser_id"}  # fmt: skip
NOT_CREATIVE = AD_OWN_FIELDS - {"ad_id", "operation_status"} | {"create_time", "modify_time"}
