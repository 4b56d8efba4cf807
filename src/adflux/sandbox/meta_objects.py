"""Meta objects in the sandbox store: create, read back, update, list, insights, audience users."""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from flask import request

from adflux.sandbox import meta_rules as rules
from adflux.sandbox.audience_minimums import (
    META_READY,
    META_TOO_SMALL,
    can_deliver,
    uploaded_people,
)
from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import (
    ACCOUNT_TZ,
    DayFigures,
    local_day,
    record_budget,
    status_entry,
)
from adflux.sandbox.images import inspect_image
from adflux.sandbox.meta_rules import GraphError, invalid

PLATFORM = "meta"
# Ad images (Marketing API "Ad Image" reference): these formats, at most 30 MB.
IMAGE_FORMATS = {"jpeg", "png", "gif", "bmp", "tiff"}
IMAGE_MAX_BYTES = 30 * 1024 * 1024
FIRST_ID = 120_210_000_000_000_001
EDGE_KINDS = {
    "campaigns": "campaign",
    "adsets": "adset",
    "adimages": "adimage",
    "adcreatives": "adcreative",
    "ads": "ad",
    "customaudiences": "customaudience",
}
NODE_TYPES = {
    "campaign": "Campaign",
    "adset": "AdSet",
    "adimage": "AdImage",
    "adcreative": "AdCreative",
    "ad": "Ad",
    "customaudience": "CustomAudience",
}
COMPUTED_FIELDS = {
    "id",
    "account_id",
    "effective_status",
    "configured_status",
    "created_time",
    "updated_time",
}
# Parent nodes Graph serves as objects ({"id": ...}) beside their `*_id` fields.
PARENT_FIELDS = {
    "adset": {"campaign": "campaign_id"},
    "ad": {"campaign": "campaign_id", "adset": "adset_id"},
}
# Read edges of the objects AdFlux creates (the SDK's Campaign.get_ad_sets, Campaign.get_ads,
# AdSet.get_ads, AdSet.get_ad_creatives, Ad.get_ad_creatives): (node kind, edge) -> listed kind.
NODE_EDGES = {
    ("campaign", "adsets"): "adset",
    ("campaign", "ads"): "ad",
    ("adset", "ads"): "ad",
    ("adset", "adcreatives"): "adcreative",
    ("ad", "adcreatives"): "adcreative",
}
OPTIONAL_FIELDS = {
    "campaign": {"daily_budget", "lifetime_budget", "stop_time", "start_time", "buying_type"},
    "adset": {"end_time", "start_time", "bid_amount", "lifetime_budget", "daily_budget"},
    # Graph's AdImage `url` is where the image can be fetched (its CDN; here the sandbox).
    "adimage": {"url"},
    "adcreative": {"status", "object_type", "body", "title", "image_hash", "call_to_action_type"},
    "customaudience": {
        "approximate_count_lower_bound",
        "approximate_count_upper_bound",
        "operation_status",
        "delivery_status",
        "description",
    },
}
STATUSFUL = {"campaign", "adset", "ad"}
SCHEDULE_TIMES = {"start_time", "end_time", "stop_time"}


def missing(node: str) -> GraphError:
    return GraphError(
        f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation.",
        subcode=33,
    )


def _now() -> float:
    return get_state().clock.now()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, ACCOUNT_TZ).strftime("%Y-%m-%dT%H:%M:%S%z")


def _get(node: str) -> dict[str, Any]:
    obj = get_state().store.get(PLATFORM, node)
    if obj is None or obj.get("status") == "DELETED":
        raise missing(node)
    return obj


def _get_kind(node: str, kind: str, field: str) -> dict[str, Any]:
    obj = get_state().store.get(PLATFORM, str(node), kind)
    if obj is None or obj.get("status") == "DELETED":
        raise invalid(f"Invalid {field}: object {node} does not exist", field)
    return obj


# --------------------------------------------------------------------------- create


def create(account: str, edge: str, params: dict[str, Any], image: bytes | None) -> dict:
    kind = EDGE_KINDS.get(edge)
    if kind is None:
        raise invalid(f"Unsupported post request on edge {edge}")
    store = get_state().store
    if kind == "adimage":
        return _create_image(account, image)
    if kind == "campaign":
        rules.check_campaign(params)
    elif kind == "adset":
        campaign = _get_kind(params.get("campaign_id", ""), "campaign", "campaign_id")
        rules.check_adset(params, campaign)
        if set(campaign["special_ad_categories"]) & rules.RESTRICTED_CATEGORIES:
            subtypes = {a["id"]: a["subtype"] for a in store.find(PLATFORM, "customaudience")}
            rules.check_lookalikes(params["targeting"], subtypes)
    elif kind == "adcreative":
        hashes = {i["hash"] for i in store.find(PLATFORM, "adimage", account_id=account)}
        rules.check_creative(params, get_state().credential(PLATFORM, "page_id"), hashes)
    elif kind == "ad":
        rules.require(params, "name", "adset_id", "creative")
        rules.one_of(params, "status", rules.STATUSES)
        adset = _get_kind(params["adset_id"], "adset", "adset_id")
        params["campaign_id"] = adset["campaign_id"]
        # Written as {"creative_id": ...}; Graph reads the field back as the AdCreative node.
        params["creative"] = {"id": _creative_of(params["creative"])}
    elif kind == "customaudience":
        rules.check_custom_audience(params)
    now = _now()
    obj = {**params, "id": str(store.next_number(PLATFORM, FIRST_ID)), "kind": kind}
    obj.update(account_id=account, _created=now, _updated=now)
    if kind in STATUSFUL:
        obj.setdefault("status", "ACTIVE")
        obj["_status_log"] = [status_entry(now, obj["status"] == "ACTIVE")]
    if kind == "customaudience":
        obj["_users"] = {}
    store.insert(PLATFORM, obj)
    return {"id": obj["id"]}


def _create_image(account: str, image: bytes | None) -> dict:
    info = inspect_image(image) if image else None
    if info is None or info.format not in IMAGE_FORMATS:
        raise invalid("Invalid image: upload a JPG, PNG, GIF, BMP or TIFF file", "bytes",
                      subcode=1487242)  # fmt: skip
    if info.size > IMAGE_MAX_BYTES:
        raise invalid("Image files must be 30 MB or smaller", "bytes", subcode=1487242)
    assert image is not None
    image_hash = hashlib.md5(image).hexdigest()  # Meta image hashes are MD5 hex
    store = get_state().store
    # One locked step: the same image uploaded twice at once (two campaigns of one job) gives
    # both uploads the one image, as Meta does, instead of a duplicate-id error.
    store.insert_once(
        PLATFORM,
        {
            "id": f"{account}:{image_hash}",
            "kind": "adimage",
            "hash": image_hash,
            "account_id": account,
            "name": "bytes",
            "width": info.width,
            "height": info.height,
            "original_width": info.width,
            "original_height": info.height,
            "_blob": store.put_blob(image),
            "_created": _now(),
            "_updated": _now(),
        },
    )
    url = f"/_sandbox/meta/adimages/{image_hash}"
    return {"images": {"bytes": {"hash": image_hash, "url": url}}}


# --------------------------------------------------------------------------- read and update


def _effective_status(obj: dict[str, Any]) -> str:
    store = get_state().store
    if obj["kind"] == "ad" or obj["kind"] == "adset":
        campaign = store.get(PLATFORM, obj["campaign_id"]) or {}
        if campaign.get("status") == "PAUSED":
            return "CAMPAIGN_PAUSED"
    if obj["kind"] == "ad":
        adset = store.get(PLATFORM, obj["adset_id"]) or {}
        if adset.get("status") == "PAUSED":
            return "ADSET_PAUSED"
    return obj.get("status", "ACTIVE")


def render(obj: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    kind = obj["kind"]
    parents = PARENT_FIELDS.get(kind, {})
    allowed = COMPUTED_FIELDS | OPTIONAL_FIELDS.get(kind, set()) | set(parents)
    allowed |= {k for k in obj if not k.startswith("_") and k != "kind"}
    out: dict[str, Any] = {}
    for name in fields:
        if name not in allowed:
            raise invalid(
                f"Tried accessing nonexisting field ({name}) on node type ({NODE_TYPES[kind]})"
            )
        if name == "effective_status" and kind in STATUSFUL:
            out[name] = _effective_status(obj)
        elif name == "configured_status":
            out[name] = obj.get("status")
        elif name == "status" and kind == "adcreative":
            out[name] = obj.get("status", "ACTIVE")  # a creative in use is ACTIVE
        elif name in ("created_time", "updated_time"):
            out[name] = _iso(obj["_created" if name == "created_time" else "_updated"])
        elif name in SCHEDULE_TIMES and obj.get(name):
            # Graph answers times in the ad account's zone, whatever offset they were sent with.
            moment = rules.timestamp(obj, name)
            out[name] = _iso(moment.timestamp()) if moment else obj[name]
        elif name.startswith("approximate_count"):
            # People, not hashes: one person sent with an email and a phone counts once.
            out[name] = uploaded_people(obj["_users"])
        elif name == "delivery_status" and kind == "customaudience":
            # Under Meta's minimum of matched people the audience cannot deliver an ad set.
            matched = uploaded_people(obj["_users"])
            out[name] = META_READY if can_deliver(PLATFORM, matched) else META_TOO_SMALL
        elif name in parents:
            out[name] = {"id": obj[parents[name]]}
        elif name == "creative" and kind == "ad":
            out[name] = _creative_node(obj[name])
        elif name == "url" and kind == "adimage":
            out[name] = image_url(obj["hash"])
        elif kind == "adcreative" and name in CREATIVE_FROM_LINK_DATA:
            value = _creative_field(obj, name)
            if value is not None:
                out[name] = value
        elif name in obj:
            out[name] = obj[name]
    out["id"] = obj["id"]
    return out


# AdCreative fields Graph fills from a link ad's object_story_spec.link_data.
CREATIVE_FROM_LINK_DATA = {"body", "title", "image_hash", "call_to_action_type", "object_type"}


def _creative_field(obj: dict[str, Any], name: str) -> Any:
    link_data = (obj.get("object_story_spec") or {}).get("link_data") or {}
    if name == "object_type":
        return "SHARE" if link_data else None  # a link ad is a shared link post
    if name == "body":
        return link_data.get("message")
    if name == "title":
        return link_data.get("name")
    if name == "call_to_action_type":
        return (link_data.get("call_to_action") or {}).get("type")
    return link_data.get(name)


def image_url(image_hash: str) -> str:
    """The absolute URL the sandbox serves an uploaded image's bytes at."""
    return f"{request.host_url}_sandbox/meta/adimages/{image_hash}"


def _creative_node(stored: dict[str, Any]) -> dict[str, Any]:
    # Objects stored before the create normalised it still hold {"creative_id": ...}.
    return {"id": str(stored.get("id") or stored.get("creative_id"))}


def _fields(params: dict[str, Any], default: str = "id,name") -> list[str]:
    raw = params.get("fields") or default
    names = raw if isinstance(raw, list) else str(raw).split(",")
    return [n.strip() for n in names if n.strip()]


def read(node: str, params: dict[str, Any]) -> dict[str, Any]:
    return render(_get(node), _fields(params))


def account(number: str, params: dict[str, Any]) -> dict[str, Any]:
    data = {
        "id": f"act_{number}",
        "account_id": number,
        "name": "Magneto Empleos (sandbox)",
        "account_status": 1,
        "currency": "COP",
        "timezone_name": "America/Bogota",
    }
    return {k: v for k, v in data.items() if k in set(_fields(params)) | {"id"}}


# What an update may change on each node type (Marketing API reference, "Updating" of Campaign,
# Ad Set, Ad, Ad Creative and Custom Audience); every node takes name and status (a DELETE is
# status DELETED). An ad's copy lives in its creative, which Graph never edits: a new creative
# is made and the ad's `creative` pointed at it.
EDITABLE = {
    "campaign": {"daily_budget", "stop_time"},
    "adset": {"daily_budget", "start_time", "end_time", "targeting"},
    "ad": {"creative"},
    "customaudience": {"description"},
}
BUDGET_HOLDERS = {"campaign", "adset"}


def update(node: str, params: dict[str, Any]) -> dict[str, Any]:
    """POST /{node}: checked whole against what the node will hold, then applied in one step,
    so a refused update changes nothing."""
    obj = _get(node)
    kind = obj["kind"]
    rules.one_of(params, "status", rules.UPDATE_STATUSES)
    unknown = sorted(set(params) - {"name", "status"} - EDITABLE.get(kind, set()))
    if unknown:
        raise invalid(f"Param {unknown[0]} cannot be updated", unknown[0])
    rules.integer(params, "daily_budget", 1)
    if kind == "adset":
        campaign = _get_kind(obj["campaign_id"], "campaign", "campaign_id")
        rules.check_adset_update(params, obj, campaign)
        restricted = set(campaign["special_ad_categories"]) & rules.RESTRICTED_CATEGORIES
        if "targeting" in params and restricted:
            subtypes = {
                a["id"]: a["subtype"] for a in get_state().store.find(PLATFORM, "customaudience")
            }
            rules.check_lookalikes(params["targeting"], subtypes)
    if kind == "ad" and "creative" in params:
        params = {**params, "creative": {"id": _creative_of(params["creative"])}}
    now = _now()

    def change(stored: dict[str, Any]) -> None:
        if "daily_budget" in params and kind in BUDGET_HOLDERS:
            held = int(stored.get("daily_budget") or 0)
            record_budget(stored, held, int(params["daily_budget"]), now)
        stored.update(params)
        if rules.open_end(params):
            del stored["end_time"]
        stored["_updated"] = now
        if "status" in params and kind in STATUSFUL:
            stored["_status_log"].append(status_entry(now, params["status"] == "ACTIVE"))

    get_state().store.update(PLATFORM, node, change)
    return {"success": True}


def _creative_of(value: Any) -> str:
    """The AdCreative an ad's `creative` param names ({"creative_id": ...}), which must exist."""
    creative_id = value.get("creative_id") if isinstance(value, dict) else None
    return _get_kind(creative_id or "", "adcreative", "creative")["id"]


def _matches(obj: dict[str, Any], rule: dict[str, Any]) -> bool:
    field, operator, value = rule.get("field", ""), rule.get("operator"), rule.get("value")
    actual = obj.get(field.replace(".", "_"), obj.get(field))
    if operator == "EQUAL":
        return str(actual) == str(value)
    if operator == "CONTAIN":
        return str(value).lower() in str(actual or "").lower()
    if operator == "IN":
        return str(actual) in {str(v) for v in value or []}
    raise invalid(f"Unsupported filtering operator {operator}", "filtering")


def list_edge(account: str, edge: str, params: dict[str, Any], url: str) -> dict[str, Any]:
    kind = EDGE_KINDS.get(edge)
    if kind is None:
        raise invalid(f"Unsupported get request on edge {edge}")
    found = get_state().store.find(PLATFORM, kind, account_id=account)
    if kind == "adimage" and params.get("hashes"):
        found = [o for o in found if o["hash"] in params["hashes"]]
    return _listing(found, params, url, "hash,name" if kind == "adimage" else "id")


def node_edge(node: str, edge: str, params: dict[str, Any], url: str) -> dict[str, Any]:
    """A read edge of a campaign, ad set or ad: its ad sets, ads or ad creatives."""
    obj = _get(node)
    listed = NODE_EDGES.get((obj["kind"], edge))
    if listed is None:
        raise GraphError(
            f"(#100) Unsupported get request. Edge '{edge}' does not exist on node type "
            f"({NODE_TYPES[obj['kind']]}).",
        )
    store = get_state().store
    if listed != "adcreative":
        found = store.find(PLATFORM, listed, **{f"{obj['kind']}_id": obj["id"]})
    else:
        ads = [obj] if obj["kind"] == "ad" else store.find(PLATFORM, "ad", adset_id=obj["id"])
        wanted = list(dict.fromkeys(_creative_node(ad["creative"])["id"] for ad in ads))
        found = [c for c in (store.get(PLATFORM, i, "adcreative") for i in wanted) if c]
    return _listing(found, params, url, "id")


def _listing(
    found: list[dict[str, Any]], params: dict[str, Any], url: str, default_fields: str
) -> dict[str, Any]:
    """One page of an edge, Graph's way: filtering, effective_status, fields, cursor paging."""
    found = [
        o
        for o in found
        if o.get("status") != "DELETED"
        and all(_matches(o, rule) for rule in params.get("filtering") or [])
    ]
    statuses = params.get("effective_status")
    if statuses:
        found = [o for o in found if _effective_status(o) in statuses]
    limit = int(params.get("limit") or 25)
    start = int(base64.b64decode(params["after"]).decode()) if params.get("after") else 0
    page = found[start : start + limit]
    data = [render(o, _fields(params, default_fields)) for o in page]
    paging: dict[str, Any] = {
        "cursors": {
            "before": base64.b64encode(str(start).encode()).decode(),
            "after": base64.b64encode(str(start + len(page)).encode()).decode(),
        }
    }
    if start + limit < len(found):
        paging["next"] = url  # the SDK only checks that "next" exists, then sends `after`
    return {"data": data, "paging": paging}


# --------------------------------------------------------------------------- insights, users


def _ads_under(obj: dict[str, Any]) -> list[dict[str, Any]]:
    store = get_state().store
    if obj["kind"] == "ad":
        return [obj]
    key = {"campaign": "campaign_id", "adset": "adset_id"}.get(obj["kind"])
    if key is None:
        raise invalid(f"Insights are not available on {NODE_TYPES[obj['kind']]}")
    return store.find(PLATFORM, "ad", **{key: obj["id"]})


def ad_days(
    store: Any, ad: dict[str, Any], now: float, since: date, until: date
) -> list[DayFigures]:
    """One ad's figures for each day in [since, until] with delivery: what every insights row
    of the ad (or of a node above it, summed) reports. The simulated market computes them from
    the ad's chain, budget, audiences and link as the store holds them."""
    return get_state().market.ad_days(PLATFORM, ad["id"], since=since, until=until, now=now)


def insights(node: str, params: dict[str, Any]) -> dict[str, Any]:
    obj = _get(node)
    store, now = get_state().store, _now()
    time_range = params.get("time_range") or {}
    try:
        until = date.fromisoformat(time_range.get("until", local_day(now).isoformat()))
        since = date.fromisoformat(
            time_range.get("since", (until - timedelta(days=29)).isoformat())
        )
    except (TypeError, ValueError):
        raise invalid("Param time_range must have since and until dates", "time_range") from None
    if since > until:
        raise invalid("time_range since must not be after until", "time_range")
    per_day: dict[date, list[int]] = {}
    for ad in _ads_under(obj):
        for fig in ad_days(store, ad, now, since, until):
            totals = per_day.setdefault(fig.day, [0, 0, 0])
            totals[0] += fig.impressions
            totals[1] += fig.clicks
            totals[2] += fig.spend
    rows = [
        {
            f"{obj['kind']}_id": obj["id"],
            "impressions": str(imp),
            "clicks": str(clicks),
            "spend": str(spend),
            "date_start": day.isoformat(),
            "date_stop": day.isoformat(),
        }
        for day, (imp, clicks, spend) in sorted(per_day.items())
    ]
    return {"data": rows, "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}


def users(node: str, params: dict[str, Any], *, remove: bool) -> dict[str, Any]:
    audience = _get(node)
    if audience["kind"] != "customaudience":
        raise missing(f"{node}/users")
    schema, valid, bad = rules.check_users_payload(params)

    def change(stored: dict[str, Any]) -> None:
        current = set(stored["_users"].get(schema, []))
        current = current - set(valid) if remove else current | set(valid)
        stored["_users"][schema] = sorted(current)
        stored["_updated"] = _now()

    get_state().store.update(PLATFORM, node, change)
    return {
        "audience_id": node,
        "session_id": str(params.get("session", {}).get("session_id", "0"))
        if isinstance(params.get("session"), dict)
        else "0",
        "num_received": len(valid) + len(bad),
        "num_invalid_entries": len(bad),
        "invalid_entry_samples": {str(b): "invalid hash" for b in bad[:10]},
    }
