"""X Ads entities in the sandbox: campaigns, line items, targeting, posts, audiences, stats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import g

from adflux.sandbox import x_rules as rules
from adflux.sandbox.audience_minimums import X_TOO_SMALL, can_deliver, uploaded_people
from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import record_budget, status_entry
from adflux.sandbox.x_rules import XError, invalid, missing, require

PLATFORM = "x"
COLLECTIONS = {
    "campaigns": "campaign",
    "line_items": "line_item",
    "targeting_criteria": "targeting_criterion",
    "promoted_tweets": "promoted_tweet",
    "custom_audiences": "custom_audience",
    "tweets": "tweet",
    "media_library": "media",
    "cards": "card",
}
# Filters each list endpoint understands: query parameter -> stored field, per kind.
FILTERS = {
    "campaign": {"campaign_ids": "id", "funding_instrument_ids": "funding_instrument_id"},
    "line_item": {"line_item_ids": "id", "campaign_ids": "campaign_id"},
    "targeting_criterion": {"line_item_ids": "line_item_id", "targeting_criterion_ids": "id"},
    "promoted_tweet": {"promoted_tweet_ids": "id", "line_item_ids": "line_item_id"},
    "custom_audience": {"custom_audience_ids": "id"},
    "tweet": {"tweet_ids": "id"},
    "media": {"media_keys": "media_key"},
    "card": {"card_ids": "id", "card_uris": "card_uri"},
}
# Website cards (X Ads "Cards" reference and the website card specs): a name of at most 80
# characters, one MEDIA component (an image of the account's media library, 1.91:1 or 1:1, at
# least 800 pixels wide) and one DETAILS component (a title of at most 70 characters and a WEBSITE
# destination).
CARD_NAME_MAX = 80
CARD_TITLE_MAX = 70
CARD_IMAGE_MIN_WIDTH = 800
CARD_IMAGE_RATIOS = ((1200, 628), (1, 1))
# Colombian places the sandbox knows (X's own location keys are opaque hashes).
LOCATIONS = [
    {"name": "Colombia", "country_code": "CO", "location_type": "COUNTRIES",
     "targeting_value": "4a3f5b1c3d6e2a10", "targeting_type": "LOCATION"},
    {"name": "Bogotá, Bogotá D.C., CO", "country_code": "CO", "location_type": "CITIES",
     "targeting_value": "b3c8e1f0a4d2c611", "targeting_type": "LOCATION"},
    {"name": "Medellín, Antioquia, CO", "country_code": "CO", "location_type": "CITIES",
     "targeting_value": "c2d9f3a1b5e7d812", "targeting_type": "LOCATION"},
    {"name": "Cali, Valle del Cauca, CO", "country_code": "CO", "location_type": "CITIES",
     "targeting_value": "d1e2f4b6c8a0e913", "targeting_type": "LOCATION"},
    {"name": "Barranquilla, Atlántico, CO", "country_code": "CO", "location_type": "CITIES",
     "targeting_value": "e0f1a3c5d7b9fa14", "targeting_type": "LOCATION"},
    {"name": "Bucaramanga, Santander, CO", "country_code": "CO", "location_type": "CITIES",
     "targeting_value": "f9a0b2d4e6c8ab15", "targeting_type": "LOCATION"},
]  # fmt: skip
LOCATION_KEYS = {loc["targeting_value"] for loc in LOCATIONS}
MICROS = 1_000_000
MAX_BATCH = 500  # operations per batch request (X Ads batch endpoints)
# What PUT may change, per kind (X Ads campaign management reference, PUT campaigns / line_items).
EDITABLE = {
    "campaign": {"name", "entity_status", "daily_budget_amount_local_micro",
                 "total_budget_amount_local_micro"},
    "line_item": {"name", "entity_status", "start_time", "end_time", "bid_amount_local_micro",
                  "audience_expansion"},
}  # fmt: skip


def _now() -> float:
    return get_state().clock.now()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_id(prefix_start: int = 100_000) -> str:
    number = get_state().store.next_number(PLATFORM, prefix_start)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out


def _render(obj: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in obj.items() if not k.startswith("_") and k != "kind"}
    data["created_at"], data["updated_at"] = _iso(obj["_created"]), _iso(obj["_updated"])
    data["deleted"] = obj.get("_deleted", False)
    return data


def _time(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(name, f'Expected time, got "{value}" for {name}') from None
    return _iso(parsed.timestamp())


def _find(kind: str, object_id: str, name: str) -> dict[str, Any]:
    obj = get_state().store.get(PLATFORM, str(object_id), kind)
    if obj is None or obj.get("_deleted"):
        raise invalid(name, f"{name} {object_id} does not exist")
    return obj


def account(account_id: str) -> dict[str, Any]:
    return {
        "id": account_id,
        "name": "Magneto Empleos (sandbox)",
        "timezone": "America/Bogota",
        "approval_status": "ACCEPTED",
        "business_name": "Magneto Global",
        "deleted": False,
    }


def funding_instruments(account_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": get_state().credential(PLATFORM, "funding_instrument_id"),
            "account_id": account_id,
            "type": "CREDIT_CARD",
            "currency": "COP",
            "entity_status": "ACTIVE",
            "able_to_fund": True,
            "deleted": False,
        }
    ]


# --------------------------------------------------------------------------- create


def _check(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Validated fields of a new entity, as X stores them."""
    version = 12 if g.get("x_version") == "12" else 11
    if kind == "campaign":
        require(params, "funding_instrument_id", "name")
        if params["funding_instrument_id"] != get_state().credential(
            PLATFORM, "funding_instrument_id"
        ):
            raise invalid("funding_instrument_id", "Funding instrument not found")
        rules.one_of(params, "entity_status", rules.ENTITY_STATUSES)
        if len(params["name"]) > 255:
            raise invalid("name", "Name must be at most 255 characters")
        total = rules.micros(params, "total_budget_amount_local_micro")
        daily = rules.daily_budget(params, total)
        if daily is None and params.get("budget_optimization") != "LINE_ITEM":
            raise missing("daily_budget_amount_local_micro")
        return {
            "name": params["name"],
            "funding_instrument_id": params["funding_instrument_id"],
            "entity_status": params.get("entity_status", "ACTIVE"),
            "daily_budget_amount_local_micro": daily,
            "total_budget_amount_local_micro": total,
            "budget_optimization": params.get("budget_optimization", "CAMPAIGN"),
            "currency": "COP",
        }
    if kind == "line_item":
        require(params, "campaign_id", "objective", "placements", "product_type")
        if version == 12:
            require(params, "start_time")
        _find("campaign", params["campaign_id"], "campaign_id")
        rules.one_of(params, "objective", rules.OBJECTIVES)
        rules.one_of(params, "placements", rules.PLACEMENTS)
        rules.one_of(params, "product_type", rules.PRODUCT_TYPES)
        rules.one_of(params, "bid_strategy", rules.BID_STRATEGIES)
        rules.one_of(params, "entity_status", rules.ENTITY_STATUSES)
        start, end = _time(params, "start_time"), _time(params, "end_time")
        if start and end and end <= start:
            raise invalid("end_time", "end_time must be after start_time")
        return {
            "campaign_id": params["campaign_id"],
            "name": params.get("name"),
            "objective": params["objective"],
            "placements": params["placements"],
            "product_type": params["product_type"],
            "bid_strategy": params.get("bid_strategy", "AUTO"),
            "bid_amount_local_micro": rules.micros(params, "bid_amount_local_micro"),
            "entity_status": params.get("entity_status", "ACTIVE"),
            "start_time": start,
            "end_time": end,
            "audience_expansion": params.get("audience_expansion"),
            "currency": "COP",
        }
    if kind == "targeting_criterion":
        require(params, "line_item_id", "targeting_type", "targeting_value")
        _find("line_item", params["line_item_id"], "line_item_id")
        rules.one_of(params, "targeting_type", rules.TARGETING_TYPES)
        kind_, value = params["targeting_type"], params["targeting_value"]
        if kind_ == "LOCATION" and value not in LOCATION_KEYS:
            raise invalid("targeting_value", f"Invalid location targeting value {value}")
        if kind_ == "AGE" and value not in rules.AGE_BUCKETS:
            raise invalid("targeting_value", f"Invalid age bucket {value}")
        if kind_ == "GENDER" and value not in ("1", "2"):
            raise invalid("targeting_value", "Gender must be 1 (male) or 2 (female)")
        if kind_ == "CUSTOM_AUDIENCE":
            _find("custom_audience", value, "targeting_value")
        return {
            "line_item_id": params["line_item_id"],
            "targeting_type": kind_,
            "targeting_value": value,
            "operator_type": params.get("operator_type", "EQ"),
            "name": value,
        }
    if kind == "promoted_tweet":
        require(params, "line_item_id", "tweet_ids")
        _find("line_item", params["line_item_id"], "line_item_id")
        if len(params["tweet_ids"]) > 50:
            raise invalid("tweet_ids", "At most 50 tweet_ids")
        for tweet_id in params["tweet_ids"]:
            _find("tweet", tweet_id, "tweet_ids")
        return {"line_item_id": params["line_item_id"]}
    if kind == "custom_audience":
        require(params, "name")
        return {"name": params["name"], "description": params.get("description")}
    raise XError(404, "NOT_FOUND", "Resource not found")


def _insert(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    now = _now()
    obj = {"id": _new_id(), "kind": kind, **fields, "_created": now, "_updated": now}
    if "entity_status" in fields:
        obj["_status_log"] = [status_entry(now, fields["entity_status"] == "ACTIVE")]
    get_state().store.insert(PLATFORM, obj)
    return obj


def create(account_id: str, collection: str, params: dict[str, Any]) -> Any:
    kind = COLLECTIONS.get(collection)
    if kind is None or kind == "tweet":
        raise XError(404, "NOT_FOUND", "Resource not found")
    fields = _check(kind, params)
    if kind == "promoted_tweet":
        made = [
            _insert(kind, {**fields, "tweet_id": t, "entity_status": "ACTIVE", "paused": False})
            for t in params["tweet_ids"]
        ]
        return [_render(o) for o in made]
    if kind == "custom_audience":
        fields.update(audience_size=None, audience_type="WEB", _users={}, **_targetability(0))
    return _render(_insert(kind, fields))


def batch_targeting(account_id: str, body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, list) or not body:
        raise invalid("operations", "Expected a JSON array of operations")
    if len(body) > MAX_BATCH:
        raise invalid("operations", f"At most {MAX_BATCH} operations per batch")
    checked: list[tuple[str, Any]] = []
    for operation in body:  # validate all first: a batch succeeds or fails as a whole
        kind, given = operation.get("operation_type"), operation.get("params") or {}
        if kind == "Create":
            checked.append((kind, _check("targeting_criterion", given)))
        elif kind == "Delete":
            require(given, "targeting_criterion_id")
            criterion = _find(
                "targeting_criterion", given["targeting_criterion_id"], "targeting_criterion_id"
            )
            checked.append((kind, criterion["id"]))
        else:
            raise invalid("operation_type", 'Expected "Create" or "Delete"')
    return [
        _render(_insert("targeting_criterion", value))
        if kind == "Create"
        else delete(account_id, "targeting_criteria", value)
        for kind, value in checked
    ]


def add_to_media_library(account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """`POST accounts/:id/media_library`: an uploaded media key becomes usable by the account's
    cards and posts. Adding a key already there answers it again."""
    require(params, "media_key")
    media = get_state().store.get(PLATFORM, str(params["media_key"]), "media")
    if media is None:
        raise invalid("media_key", f"Media {params['media_key']} was not uploaded")
    if len(params.get("name") or "") > 100:
        raise invalid("name", "name must be at most 100 characters")

    def add(stored: dict[str, Any]) -> None:
        stored.update(in_library=True, media_status="TRANSCODED", _updated=_now())
        for field in ("name", "file_name", "title", "description"):
            if params.get(field):
                stored[field] = params[field]
        stored["media_url"] = f"/_sandbox/x/media/{stored['media_key']}"

    return _render(_updated(media["id"], add))


def create_card(account_id: str, body: Any) -> dict[str, Any]:
    """`POST accounts/:id/cards` with a MEDIA and a DETAILS component: an IMAGE_WEBSITE card."""
    if not isinstance(body, dict):
        raise invalid("body", "Card create requests only accept JSON bodies")
    require(body, "name", "components")
    if len(str(body["name"])) > CARD_NAME_MAX:
        raise invalid("name", f"name must be at most {CARD_NAME_MAX} characters")
    components = body["components"]
    if not isinstance(components, list) or [c.get("type") for c in components] != [
        "MEDIA",
        "DETAILS",
    ]:
        raise invalid("components", "A website card is one MEDIA then one DETAILS component")
    media_part, details = components
    require(media_part, "media_key")
    media = get_state().store.get(PLATFORM, str(media_part["media_key"]), "media")
    if media is None or not media.get("in_library"):
        raise invalid("media_key", f"Media {media_part['media_key']} is not in the media library")
    if media["width"] < CARD_IMAGE_MIN_WIDTH or not any(
        abs(media["width"] / media["height"] / (w / h) - 1) <= 0.01 for w, h in CARD_IMAGE_RATIOS
    ):
        raise invalid(
            "media_key",
            f"Website card images are 1.91:1 or 1:1 and at least {CARD_IMAGE_MIN_WIDTH} px wide "
            f"(got {media['width']}x{media['height']})",
        )
    require(details, "title", "destination")
    if len(str(details["title"])) > CARD_TITLE_MAX:
        raise invalid("title", f"title must be at most {CARD_TITLE_MAX} characters")
    destination = details["destination"]
    if not isinstance(destination, dict) or destination.get("type") != "WEBSITE":
        raise invalid("destination", "A DETAILS component takes a WEBSITE destination")
    if not str(destination.get("url") or "").startswith(("https://", "http://")):
        raise invalid("url", "The website url must be an absolute http(s) URL")
    number = str(get_state().store.next_number(f"{PLATFORM}-cards", 1_880_000_000_000_000_001))
    now = _now()
    card = {"id": number, "kind": "card", "name": body["name"], "components": components,
            "card_uri": f"card://{number}", "card_type": "IMAGE_WEBSITE", "_created": now,
            "_updated": now}  # fmt: skip
    get_state().store.insert(PLATFORM, card)
    return _render(card)


def create_tweet(account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "as_user_id")
    if params["as_user_id"] != get_state().credential(PLATFORM, "user_id"):
        raise invalid("as_user_id", "User is not a promotable user of this account")
    if not params.get("text") and not params.get("media_keys") and not params.get("card_uri"):
        raise missing("text")
    rules.check_post_text(params.get("text"))
    if params.get("card_uri") and not get_state().store.find(
        PLATFORM, "card", card_uri=params["card_uri"]
    ):
        raise invalid("card_uri", f"Card {params['card_uri']} does not exist")
    if len(params.get("name") or "") > 80:
        raise invalid("name", "name must be at most 80 characters")
    number = get_state().store.next_number(f"{PLATFORM}-tweets", 1_860_000_000_000_000_001)
    now = _now()
    obj = {
        "id": str(number),
        "id_str": str(number),
        "kind": "tweet",
        "tweet_id": str(number),
        "name": params.get("name"),
        "full_text": params.get("text"),
        "card_uri": params.get("card_uri"),
        "nullcast": str(params.get("nullcast", "true")).lower() == "true",
        "user_id": params["as_user_id"],
        "_created": now,
        "_updated": now,
    }
    get_state().store.insert(PLATFORM, obj)
    return _render(obj)


# --------------------------------------------------------------------------- read and update


def owned(collection: str, object_id: str) -> dict[str, Any]:
    kind = COLLECTIONS.get(collection)
    obj = get_state().store.get(PLATFORM, object_id, kind) if kind else None
    if obj is None or obj.get("_deleted"):
        raise XError(404, "NOT_FOUND", "The requested resource could not be found")
    return obj


def get(account_id: str, collection: str, object_id: str) -> dict[str, Any]:
    return _render(owned(collection, object_id))


def list_collection(
    account_id: str, collection: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    kind = COLLECTIONS.get(collection)
    if kind is None:
        raise XError(404, "NOT_FOUND", "Resource not found")
    if kind == "targeting_criterion":
        require(params, "line_item_ids")
    found = [o for o in get_state().store.find(PLATFORM, kind) if not o.get("_deleted")]
    for name, field in FILTERS[kind].items():
        if params.get(name):
            found = [o for o in found if str(o.get(field)) in set(params[name])]
    if kind == "tweet" and params.get("timeline_type") == "NULLCAST":
        found = [o for o in found if o.get("nullcast")]
    if kind in ("card", "media") and params.get("q"):  # X: case-insensitive prefix of the name
        prefix = str(params["q"]).casefold()
        found = [o for o in found if str(o.get("name") or "").casefold().startswith(prefix)]
    start = int(params.get("cursor") or 0)
    count = min(int(params.get("count") or 200), 1000)
    page = found[start : start + count]
    more = start + count < len(found)
    return [_render(o) for o in page], str(start + count) if more else None


def update(account_id: str, collection: str, object_id: str, params: dict[str, Any]) -> dict:
    """`PUT accounts/:id/{campaigns|line_items|...}/:id`: only the parameters given change; one
    given as an empty string is unset (X's "making authenticated requests": `&end_time=`). A
    refused request changes nothing."""
    obj = owned(collection, object_id)
    # The SDK's save() sends every property it holds, read-only ones included; X ignores those.
    editable = EDITABLE.get(obj["kind"], {"name", "entity_status", "paused"})
    changes = {k: v for k, v in params.items() if k in editable and k in obj}
    rules.one_of(changes, "entity_status", rules.ENTITY_STATUSES)
    for name in [k for k in changes if k.endswith("_time")]:
        changes[name] = _time(changes, name)
    for name in [k for k in changes if k.endswith("_local_micro")]:
        changes[name] = rules.micros(changes, name)
    if obj["kind"] == "line_item":
        start, end = (changes.get(k, obj.get(k)) for k in ("start_time", "end_time"))
        if start and end and end <= start:
            raise invalid("end_time", "end_time must be after start_time")
    budget_change = "daily_budget_amount_local_micro" in changes
    if budget_change:
        total = changes.get(
            "total_budget_amount_local_micro", obj.get("total_budget_amount_local_micro")
        )
        changes["daily_budget_amount_local_micro"] = rules.daily_budget(changes, total)
    now = _now()

    def change(stored: dict[str, Any]) -> None:
        old_budget = stored.get("daily_budget_amount_local_micro") or 0
        stored.update(changes)
        stored["_updated"] = now
        if "entity_status" in changes and "_status_log" in stored:
            stored["_status_log"].append(status_entry(now, changes["entity_status"] == "ACTIVE"))
        new_budget = stored.get("daily_budget_amount_local_micro") or 0
        if budget_change and new_budget != old_budget:
            # The market delivers each day on the budget it had (delivery.budget_on).
            record_budget(stored, old_budget // MICROS, new_budget // MICROS, now)

    return _render(_updated(obj["id"], change))


def delete(account_id: str, collection: str, object_id: str) -> dict[str, Any]:
    obj = owned(collection, object_id)

    def change(stored: dict[str, Any]) -> None:
        stored["_deleted"] = True
        if "_status_log" in stored:
            stored["_status_log"].append(status_entry(_now(), False))

    return _render(_updated(obj["id"], change))


def _updated(object_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    updated = get_state().store.update(PLATFORM, object_id, change)
    if updated is None:  # deleted between the read and the write
        raise XError(404, "NOT_FOUND", "The requested resource could not be found")
    return updated


def locations(params: dict[str, Any]) -> list[dict[str, Any]]:
    query = (params.get("q") or "").lower()
    found = [
        loc
        for loc in LOCATIONS
        if (not params.get("country_code") or loc["country_code"] == params["country_code"])
        and (not params.get("location_type") or loc["location_type"] == params["location_type"])
        and query in loc["name"].lower()
    ]
    return found


def audience_users(account_id: str, object_id: str, body: Any) -> dict[str, Any]:
    owned("custom_audiences", object_id)
    count, add, remove = rules.check_users_operations(body)

    def change(stored: dict[str, Any]) -> None:
        for key, hashes in add.items():
            stored["_users"][key] = sorted(set(stored["_users"].get(key, [])) | hashes)
        for key, hashes in remove.items():
            stored["_users"][key] = sorted(set(stored["_users"].get(key, [])) - hashes)
        stored["audience_size"] = uploaded_people(stored["_users"])
        stored.update(_targetability(stored["audience_size"]))
        stored["_updated"] = _now()

    get_state().store.update(PLATFORM, object_id, change)
    return {"success_count": count, "total_count": count}


def _targetability(size: int) -> dict[str, Any]:
    """Whether an audience of `size` matched users may be targeted, and why not (X targets an
    audience only from 100 users matched; `audience_minimums`)."""
    if can_deliver(PLATFORM, size):
        return {"targetable": True, "reasons_not_targetable": []}
    return {"targetable": False, "reasons_not_targetable": [X_TOO_SMALL]}
