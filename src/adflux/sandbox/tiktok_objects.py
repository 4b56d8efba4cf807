"""TikTok objects in the sandbox store: campaigns, ad groups, ads, images, reports, audiences.

Field rules from the SDK's model docstrings (tiktok-business-api-sdk 1.0.1) and TikTok's
special-ad-category page (research/platforms.md §2.4, §5.4, §6). Errors name the field at the
start of the message, as TikTok's do; the code is 40002 for invalid parameters.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import request

from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import status_entry
from adflux.sandbox.images import has_ratio, inspect_image

PLATFORM = "tiktok"
FIRST_ID = 1_800_000_000_000_000_001
OBJECTIVES = {"TRAFFIC", "REACH", "VIDEO_VIEWS", "ENGAGEMENT", "APP_PROMOTION",
              "LEAD_GENERATION", "WEB_CONVERSIONS", "PRODUCT_SALES"}  # fmt: skip
BUDGET_MODES = {"BUDGET_MODE_INFINITE", "BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL"}
SCHEDULE_TYPES = {"SCHEDULE_START_END", "SCHEDULE_FROM_NOW"}
SPECIAL_INDUSTRIES = {"HOUSING", "EMPLOYMENT", "CREDIT"}
AGE_GROUPS = {"AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"}
ADULT_AGE_GROUPS = AGE_GROUPS - {"AGE_13_17"}
GENDERS = {"GENDER_UNLIMITED", "GENDER_MALE", "GENDER_FEMALE"}
AD_FORMATS = {"SINGLE_IMAGE", "SINGLE_VIDEO", "CAROUSEL_ADS"}
PLACEMENTS = {"PLACEMENT_TIKTOK", "PLACEMENT_PANGLE", "PLACEMENT_GLOBAL_APP_BUNDLE"}
CALL_TO_ACTIONS = {"APPLY_NOW", "LEARN_MORE", "SIGN_UP", "CONTACT_US", "DOWNLOAD_NOW"}
AUDIENCE_TYPES = {"EMAIL_SHA256", "PHONE_SHA256", "IDFA_SHA256", "GAID_SHA256"}
STATUSES = {"ENABLE", "DISABLE", "DELETE"}
# Emoji and pictographs: TikTok refuses them in names and ad texts.
EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d]")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
KINDS = {"campaign": "campaign_id", "adgroup": "adgroup_id", "ad": "ad_id", "audience": None}
# Minimum daily budgets (TikTok help "About budgets": campaign more than USD 50, ad group more
# than USD 20, or the same in the account currency). The sandbox's advertiser pays in COP, at
# 4,000 COP per USD.
MIN_CAMPAIGN_DAILY_BUDGET = 200_000
MIN_ADGROUP_DAILY_BUDGET = 80_000
# Image ads (TikTok help "image ad specifications" for Pangle and the Global App Bundle): a JPG or
# PNG in one of these aspect ratios, at least this many pixels.
IMAGE_FORMATS = {"png", "jpeg"}
IMAGE_MIN_SIZES = ((640, 640), (720, 1280), (1280, 720), (1200, 628))


@dataclass
class TikTokError(Exception):
    """A business error: HTTP 200 unless `http_status` says otherwise."""

    code: int
    message: str
    http_status: int = 200


def _error(code: int, message: str) -> TikTokError:
    return TikTokError(code, message)


def invalid(field: str, message: str) -> TikTokError:
    return TikTokError(40002, f"{field}: {message}")


def require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, "", []):
            raise invalid(name, "This field is required.")


def one_of(params: dict[str, Any], name: str, allowed: set[str]) -> None:
    value = params.get(name)
    for item in value if isinstance(value, list) else [value]:
        if item is not None and item not in allowed:
            raise invalid(name, f"Invalid value {item!r}. Allowed: {', '.join(sorted(allowed))}")


def text_length(text: str) -> int:
    """TikTok counts CJK (wide) characters as 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def check_text(params: dict[str, Any], name: str, low: int, high: int) -> None:
    value = params.get(name)
    if value is None:
        return
    if EMOJI.search(str(value)):
        raise invalid(name, "Emoji are not supported.")
    if not low <= text_length(str(value)) <= high:
        raise invalid(name, f"Length must be between {low} and {high} characters.")


def check_advertiser(params: dict[str, Any]) -> str:
    require(params, "advertiser_id")
    if str(params["advertiser_id"]) != get_state().credential(PLATFORM, "advertiser_id"):
        raise _error(40001, "No permission to operate advertiser " + str(params["advertiser_id"]))
    return str(params["advertiser_id"])


def _now() -> float:
    return get_state().clock.now()


def insert(kind: str, fields: dict[str, Any], status: str | None = None) -> str:
    store, now = get_state().store, _now()
    object_id = str(store.next_number(PLATFORM, FIRST_ID))
    obj = {"id": object_id, "kind": kind, **fields, "_created": now}
    id_field = KINDS.get(kind)
    if id_field:
        obj[id_field] = object_id
    if status is not None:
        obj["operation_status"] = status
        obj["_status_log"] = [status_entry(now, status == "ENABLE")]
    store.insert(PLATFORM, obj)
    return object_id


def get_object(kind: str, object_id: Any, field: str) -> dict[str, Any]:
    obj = get_state().store.get(PLATFORM, str(object_id), kind)
    if obj is None or obj.get("operation_status") == "DELETE":
        raise invalid(field, f"{object_id} does not exist.")
    return obj


def _time(params: dict[str, Any], name: str) -> float | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise invalid(name, "Format must be YYYY-MM-DD HH:MM:SS (UTC).") from None
    return moment.replace(tzinfo=UTC).timestamp()


# --------------------------------------------------------------------------- create


def create_campaign(params: dict[str, Any]) -> dict[str, Any]:
    advertiser = check_advertiser(params)
    require(params, "campaign_name", "objective_type", "budget_mode")
    check_text(params, "campaign_name", 1, 512)
    one_of(params, "objective_type", OBJECTIVES)
    one_of(params, "budget_mode", BUDGET_MODES)
    one_of(params, "special_industries", SPECIAL_INDUSTRIES)
    if params["budget_mode"] != "BUDGET_MODE_INFINITE":
        require(params, "budget")
        _minimum_budget(params, MIN_CAMPAIGN_DAILY_BUDGET)
    fields = {k: params.get(k) for k in ("campaign_name", "objective_type", "budget_mode")}
    fields.update(
        advertiser_id=advertiser,
        budget=float(params.get("budget") or 0),
        special_industries=list(params.get("special_industries") or []),
    )
    # operation_status on create is allowlist-only and otherwise ignored: campaigns start ENABLE.
    return {"campaign_id": insert("campaign", fields, "ENABLE")}


def create_adgroup(params: dict[str, Any]) -> dict[str, Any]:
    advertiser = check_advertiser(params)
    request_id = params.get("request_id")
    if request_id:  # idempotency: the same request_id returns the ad group already made
        for existing in get_state().store.find(PLATFORM, "adgroup", request_id=str(request_id)):
            return {"adgroup_id": existing["id"]}
    require(params, "campaign_id", "adgroup_name", "promotion_type", "location_ids")
    require(params, "budget_mode", "schedule_type", "schedule_start_time", "billing_event")
    require(params, "optimization_goal", "placement_type")
    campaign = get_object("campaign", params["campaign_id"], "campaign_id")
    start, end = check_adgroup(params, campaign)
    fields = {k: v for k, v in params.items() if k != "advertiser_id"}
    fields.update(advertiser_id=advertiser, _start=start, _end=end, request_id=request_id)
    return {"adgroup_id": insert("adgroup", fields, params.get("operation_status", "ENABLE"))}


def check_adgroup(
    fields: dict[str, Any], campaign: dict[str, Any]
) -> tuple[float | None, float | None]:
    """An ad group's fields (as created, or as an update leaves them), checked whole; its
    schedule's start and end (epoch seconds)."""
    check_text(fields, "adgroup_name", 1, 512)
    one_of(fields, "age_groups", AGE_GROUPS)
    one_of(fields, "gender", GENDERS)
    one_of(fields, "budget_mode", BUDGET_MODES)
    one_of(fields, "schedule_type", SCHEDULE_TYPES)
    if fields["placement_type"] == "PLACEMENT_TYPE_NORMAL":
        require(fields, "placements")
        one_of(fields, "placements", PLACEMENTS)
    if fields["budget_mode"] != "BUDGET_MODE_INFINITE":
        require(fields, "budget")
        _minimum_budget(fields, MIN_ADGROUP_DAILY_BUDGET)
    start, end = _time(fields, "schedule_start_time"), _time(fields, "schedule_end_time")
    if fields["schedule_type"] == "SCHEDULE_START_END" and end is None:
        raise invalid("schedule_end_time", "Required when schedule_type is SCHEDULE_START_END.")
    if start and end and end <= start:
        raise invalid("schedule_end_time", "Must be later than schedule_start_time.")
    for audience in fields.get("audience_ids") or []:
        get_object("audience", audience, "audience_ids")
    if "EMPLOYMENT" in campaign["special_industries"]:
        _employment_rules(fields)
    return start, end


def _minimum_budget(params: dict[str, Any], daily_minimum: int) -> None:
    try:
        budget = float(params["budget"])
    except (TypeError, ValueError):
        raise invalid("budget", "Must be a number.") from None
    days = 1
    if params["budget_mode"] == "BUDGET_MODE_TOTAL":
        start, end = _time(params, "schedule_start_time"), _time(params, "schedule_end_time")
        if start and end:  # a lifetime budget covers the minimum for every scheduled day
            days = max(1, -(-int(end - start) // 86_400))
    if budget < daily_minimum * days:
        raise invalid(
            "budget", f"Budget must be at least {daily_minimum * days:,} COP ({days} day(s))."
        )


def _employment_rules(params: dict[str, Any]) -> None:
    """Special ad category limits (TikTok help: targeting restrictions for special industries)."""
    ages = set(params.get("age_groups") or [])
    if ages and ages != ADULT_AGE_GROUPS:
        raise invalid("age_groups", "Age targeting is not supported for special industries ads.")
    if params.get("gender") not in (None, "GENDER_UNLIMITED"):
        raise invalid("gender", "Gender targeting is not supported for special industries ads.")
    if params.get("zipcode_ids"):
        raise invalid("zipcode_ids", "Zip code targeting is not supported for special industries.")
    expansion = params.get("targeting_expansion") or {}
    if expansion.get("expansion_enabled") or params.get("auto_targeting_enabled"):
        raise invalid(
            "targeting_expansion", "Targeting expansion is not supported for special industries."
        )


def create_ad(params: dict[str, Any]) -> dict[str, Any]:
    advertiser = check_advertiser(params)
    require(params, "adgroup_id", "creatives")
    adgroup = get_object("adgroup", params["adgroup_id"], "adgroup_id")
    creatives = params["creatives"]
    if not isinstance(creatives, list) or not 1 <= len(creatives) <= 20:
        raise invalid("creatives", "Provide 1 to 20 creatives.")
    for creative in creatives:
        check_creative(creative, adgroup)
    made = []
    for creative in creatives:
        fields = {**creative, "advertiser_id": advertiser, "adgroup_id": adgroup["id"]}
        fields["campaign_id"] = adgroup["campaign_id"]
        status = params.get("operation_status", "ENABLE")
        made.append(insert("ad", fields, status))
    return {"ad_ids": made, "creatives": [{"ad_id": i} for i in made]}


def check_creative(creative: dict[str, Any], adgroup: dict[str, Any]) -> None:
    """One ad's creative, as `/ad/create/` and `/ad/update/` check it for its ad group."""
    identity = get_state().credential(PLATFORM, "identity_id")
    require(creative, "ad_name", "identity_type", "identity_id", "ad_format", "ad_text")
    require(creative, "landing_page_url")
    check_text(creative, "ad_name", 1, 512)
    check_text(creative, "ad_text", 1, 100)
    check_text(creative, "display_name", 1, 40)
    one_of(creative, "ad_format", AD_FORMATS)
    one_of(creative, "call_to_action", CALL_TO_ACTIONS)
    if str(creative["identity_id"]) != identity:
        raise invalid("identity_id", "Identity does not exist.")
    if creative["ad_format"] == "SINGLE_VIDEO":
        require(creative, "video_id")
    if creative["ad_format"] == "SINGLE_IMAGE":
        require(creative, "image_ids")
        if "PLACEMENT_TIKTOK" in (adgroup.get("placements") or []):
            raise invalid(
                "ad_format",
                "For in-feed ads on TikTok, set ad_format to SINGLE_VIDEO; image ads run on "
                "the TikTok Ad Network (PLACEMENT_PANGLE) or Global App Bundle.",
            )
        if len(creative["image_ids"]) != 1:
            raise invalid("image_ids", "A single image ad takes exactly one image.")
    for image_id in creative.get("image_ids") or []:
        image = get_object("image", image_id, "image_ids")
        if creative["ad_format"] == "SINGLE_IMAGE" and not _image_ad_size(image):
            raise invalid(
                "image_ids",
                f"Image {image_id} is {image['width']}x{image['height']}; image ads need 1:1 "
                "(640x640 or more), 9:16 (720x1280), 16:9 (1280x720) or 1.91:1 (1200x628).",
            )
    if not re.match(r"^https?://", str(creative["landing_page_url"])):
        raise invalid("landing_page_url", "Invalid URL.")


def _image_ad_size(image: dict[str, Any]) -> bool:
    info = inspect_image(get_state().store.get_blob(image["_blob"]) or b"")
    return info is not None and any(
        has_ratio(info, w, h) and info.width >= w and info.height >= h for w, h in IMAGE_MIN_SIZES
    )


def upload_image(params: dict[str, Any]) -> dict[str, Any]:
    check_advertiser(params)
    upload_type = params.get("upload_type") or "UPLOAD_BY_FILE"
    if upload_type != "UPLOAD_BY_FILE":
        raise invalid("upload_type", "This sandbox accepts UPLOAD_BY_FILE only.")
    upload = request.files.get("image_file")
    if upload is None:
        raise invalid("image_file", "This field is required for UPLOAD_BY_FILE.")
    content = upload.read()
    require(params, "image_signature")
    signature = hashlib.md5(content).hexdigest()
    if params.get("image_signature") != signature:
        raise invalid("image_signature", "The signature does not match the file (MD5).")
    info = inspect_image(content)
    if info is None or info.format not in IMAGE_FORMATS:
        raise invalid("image_file", "Only JPG and PNG images are supported.")
    image_id = "ad-site-i18n-sg/" + signature
    image = get_state().store.insert_once(  # the same file gives the same image
        PLATFORM,
        {"id": image_id, "kind": "image", "image_id": image_id, "material_id": signature[:16],
         "signature": signature, "size": info.size, "width": info.width,
         "height": info.height, "format": info.format, "file_name": params.get("file_name"),
         "_blob": get_state().store.put_blob(content), "_created": _now()},
    )  # fmt: skip
    return _image_info(image)


def _image_info(image: dict[str, Any]) -> dict[str, Any]:
    fields = ("image_id", "material_id", "signature", "size", "width", "height", "format")
    info = {name: image.get(name) for name in fields}
    info.update(file_name=image.get("file_name"), displayable=True, is_carousel_usable=True)
    info["image_url"] = f"{request.host_url}open_api/v1.3/file/image/ad/{image['signature']}"
    return info


def image_info(params: dict[str, Any]) -> dict[str, Any]:
    """`/file/image/ad/info/`: what TikTok holds for up to 100 image ids."""
    check_advertiser(params)
    require(params, "image_ids")
    ids = params["image_ids"]
    if not isinstance(ids, list) or len(ids) > 100:
        raise invalid("image_ids", "Provide a list of at most 100 image ids.")
    found = [get_state().store.get(PLATFORM, str(i), "image") for i in ids]
    return {"list": [_image_info(image) for image in found if image is not None]}


def image_bytes(signature: str) -> bytes | None:
    """The stored file behind an `image_url` (so a reader can see what was uploaded)."""
    image = get_state().store.get(PLATFORM, "ad-site-i18n-sg/" + signature, "image")
    return get_state().store.get_blob(image["_blob"]) if image else None


# --------------------------------------------------------------------------- read and update


def _render(obj: dict[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
    """An object as `*/get/` lists it: every field, or only `fields` when the caller names some
    ("When not specified, all fields are returned by default", the SDK's `fields` docs)."""
    data = {k: v for k, v in obj.items() if not k.startswith("_") and k not in ("kind", "id")}
    data["create_time"] = _time_text(obj["_created"])
    data["modify_time"] = _time_text(obj.get("_updated", obj["_created"]))
    if fields:
        data = {name: data[name] for name in fields if name in data}
    return data


def _time_text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def list_kind(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    check_advertiser(params)
    filtering = params.get("filtering") or {}
    found = [
        o for o in get_state().store.find(PLATFORM, kind) if o.get("operation_status") != "DELETE"
    ]
    for name, field in (
        ("campaign_ids", "campaign_id"),
        ("adgroup_ids", "adgroup_id"),
        ("ad_ids", "ad_id"),
        ("custom_audience_ids", "custom_audience_id"),
    ):
        if name in filtering:
            wanted = {str(v) for v in filtering[name]}
            found = [o for o in found if str(o.get(field)) in wanted]
    if "adgroup_name" in filtering:
        found = [o for o in found if filtering["adgroup_name"] in o.get("adgroup_name", "")]
    page, size = int(params.get("page") or 1), min(int(params.get("page_size") or 10), 1000)
    chunk = found[(page - 1) * size : page * size]
    total_pages = max(1, -(-len(found) // size))
    fields = params.get("fields")
    if fields is not None and not (
        isinstance(fields, list) and all(isinstance(f, str) for f in fields)
    ):
        raise invalid("fields", "Must be a list of field names.")
    return {
        "list": [_render(o, fields) for o in chunk],
        "page_info": {
            "page": page,
            "page_size": size,
            "total_number": len(found),
            "total_page": total_pages,
        },
    }


def set_status(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    check_advertiser(params)
    ids_field = f"{kind}_ids"
    require(params, ids_field, "operation_status")
    one_of(params, "operation_status", STATUSES)
    status = params["operation_status"]
    now = _now()
    objects = [get_object(kind, object_id, ids_field) for object_id in params[ids_field]]

    def change(stored: dict[str, Any]) -> None:
        stored["operation_status"] = status
        stored["_status_log"].append(status_entry(now, status == "ENABLE"))
        stored["_updated"] = now

    for obj in objects:
        get_state().store.update(PLATFORM, obj["id"], change)
    return {ids_field: [o["id"] for o in objects], "status": status}


# --------------------------------------------------------------------------- delivery


def ad_days(store: Any, ad: dict[str, Any], now: float, since: date, until: date) -> list[Any]:
    """One ad's figures for each day in [since, until] with delivery (every report row of it),
    from the simulated market, which reads the ad's chain, budget, audiences and link."""
    return get_state().market.ad_days(PLATFORM, ad["id"], since=since, until=until, now=now)
