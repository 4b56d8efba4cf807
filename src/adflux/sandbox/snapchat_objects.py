"""Snap Marketing API objects in the sandbox store: the ad account, campaigns, ad squads, media,
creatives and ads, created and updated in batches as the API takes them.

A create POSTs `{"<plural>": [item, ...]}` to the parent's collection; an update PUTs the same
shape with each item's `id` and the whole object (Snap updates replace what the object holds:
optional fields left out are cleared; read-only fields sent back are ignored). Every item of a
batch is checked, whole, before any is stored: a batch with one bad item stores nothing and is
answered HTTP 400 with each item's `sub_request_status`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adflux.sandbox import snapchat_rules as rules
from adflux.sandbox.common import get_state
from adflux.sandbox.delivery import record_budget, status_entry
from adflux.sandbox.snapchat_rules import SnapError, invalid, not_found

PLATFORM = "snapchat"
ACCOUNT_TIMEZONE = "America/Bogota"
ACCOUNT_CURRENCY = "COP"
MAX_ITEMS = 1000  # the sandbox's own cap on items per batch; Snap documents none
# Snap ids are UUIDs; the sandbox derives them from its counter so a run is reproducible.
ID_NAMESPACE = uuid.UUID("6f1b8f0e-2c4d-4b7a-9d3e-5a0c1e2f3b4d")


@dataclass(frozen=True)
class Kind:
    name: str  # the store's kind
    plural: str  # the envelope's list key and the URL's collection
    singular: str  # each item's key in the envelope
    parent: str  # the field naming the parent object
    read_only: frozenset[str]  # kept from the stored object on update, ignored when sent
    immutable: frozenset[str] = frozenset()  # may be sent on update, but not changed


READ_ONLY = frozenset({"id", "created_at", "updated_at"})
KINDS = {
    "campaign": Kind("campaign", "campaigns", "campaign", "ad_account_id",
                     READ_ONLY | {"delivery_status"}, frozenset({"ad_account_id"})),
    "adsquad": Kind("adsquad", "adsquads", "adsquad", "campaign_id",
                    READ_ONLY | {"delivery_status", "child_ad_type"},
                    frozenset({"campaign_id", "type"})),
    "media": Kind("media", "media", "media", "ad_account_id",
                  READ_ONLY | {"media_status", "download_link", "file_name", "file_size_in_bytes",
                               "image_metadata"}, frozenset({"ad_account_id", "type"})),
    "creative": Kind("creative", "creatives", "creative", "ad_account_id",
                     READ_ONLY | {"review_status"}, frozenset({"ad_account_id", "type"})),
    "ad": Kind("ad", "ads", "ad", "ad_squad_id",
               READ_ONLY | {"review_status", "delivery_status"}, frozenset({"ad_squad_id"})),
    "segment": Kind("segment", "segments", "segment", "ad_account_id",
                    READ_ONLY | {"status", "approximate_number_users", "upload_status",
                                 "targetable_status"}, frozenset({"ad_account_id"})),
}  # fmt: skip


class SnapBatchError(SnapError):
    """Some items of a batch were refused: HTTP 400 with a status per item."""

    def __init__(self, kind: Kind, reasons: list[str | None]) -> None:
        first = next(reason for reason in reasons if reason)
        super().__init__(400, first)
        self.kind = kind
        self.reasons = reasons


def now() -> float:
    return get_state().clock.now()


def snap_time(epoch: float | None) -> str | None:
    """A moment as Snap writes it: UTC with milliseconds, "2026-12-04T05:00:00.000Z"."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --------------------------------------------------------------------------- account


def account(account_id: str) -> dict[str, Any]:
    """The configured ad account, or HTTP 403 for any other id (no access to it)."""
    credentials = get_state().credentials[PLATFORM]
    if account_id != credentials["ad_account_id"]:
        raise SnapError(403, f"ad_account_id: no access to ad account {account_id}", "E3002")
    return {
        "id": account_id,
        "name": "Magneto Empleos (sandbox)",
        "type": "DIRECT",
        "status": "ACTIVE",
        "organization_id": credentials["organization_id"],
        "currency": ACCOUNT_CURRENCY,
        "timezone": ACCOUNT_TIMEZONE,
        # The account declares Housing, Employment and Credit ads (see snapchat_rules).
        "regulations": {"restricted_delivery_signals": True},
    }


def organization() -> dict[str, Any]:
    credentials = get_state().credentials[PLATFORM]
    return {"id": credentials["organization_id"], "name": "Magneto Empleos", "type": "ENTERPRISE",
            "country": "CO"}  # fmt: skip


# --------------------------------------------------------------------------- reading


def get_object(kind: str, object_id: str, field: str = "id") -> dict[str, Any]:
    obj = get_state().store.get(PLATFORM, str(object_id), kind)
    if obj is None:
        raise not_found(field, object_id)
    return obj


def find(kind: str, object_id: str) -> dict[str, Any] | None:
    return get_state().store.get(PLATFORM, str(object_id), kind)


def children(kind: str, parent_id: str) -> list[dict[str, Any]]:
    return get_state().store.find(PLATFORM, kind, **{KINDS[kind].parent: parent_id})


def render(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API answers it: its fields, with creation and update times."""
    data = {k: v for k, v in obj.items() if not k.startswith("_") and k != "kind"}
    data["created_at"] = snap_time(obj["_created"])
    data["updated_at"] = snap_time(obj.get("_updated", obj["_created"]))
    return data


# --------------------------------------------------------------------------- writing


Check = Callable[[dict[str, Any]], dict[str, Any]]  # item -> extra stored fields


def create(kind_name: str, parent_id: str, items: Any, check: Check) -> list[dict[str, Any]]:
    """Store every item of a create batch, or none."""
    kind = KINDS[kind_name]
    batch = _batch(kind, items)
    extras = _checked(kind, batch, check)
    store, moment, made = get_state().store, now(), []
    for item, extra in zip(batch, extras, strict=True):
        number = store.next_number(PLATFORM, 1)
        object_id = str(uuid.uuid5(ID_NAMESPACE, f"{PLATFORM}-{number}"))
        fields = _utc_times({k: v for k, v in item.items() if k not in kind.read_only})
        obj = {"id": object_id, "kind": kind.name, **fields, **extra, "_created": moment}
        if kind.parent not in obj:
            obj[kind.parent] = parent_id
        if "status" in fields and kind.name in ("campaign", "adsquad", "ad"):
            obj["_status_log"] = [status_entry(moment, fields["status"] == "ACTIVE")]
        store.insert(PLATFORM, obj)
        made.append(store.get(PLATFORM, object_id) or obj)
    return made


def update(kind_name: str, parent_id: str, items: Any, check: Check) -> list[dict[str, Any]]:
    """Replace every item's object with the item (read-only fields kept), or change none."""
    kind = KINDS[kind_name]
    batch = _batch(kind, items)
    held: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    reasons: list[str | None] = []
    for item in batch:
        try:
            rules.require(item, "id")
            old = get_object(kind.name, item["id"])
            if old.get(kind.parent) != parent_id:
                raise not_found("id", item["id"])
            for name in kind.immutable:
                if name in item and item[name] != old.get(name):
                    raise invalid(name, "cannot be changed")
            fields = {k: v for k, v in item.items() if k not in kind.read_only}
            for name in kind.immutable:
                fields.setdefault(name, old.get(name))
            held.append(fields)
            stored.append(old)
            reasons.append(None)
        except SnapError as error:
            held.append({})
            stored.append({})
            reasons.append(error.message)
    if any(reasons):
        raise SnapBatchError(kind, reasons)
    extras = _checked(kind, held, check)
    moment, store, changed = now(), get_state().store, []
    for old, fields, extra in zip(stored, held, extras, strict=True):

        def change(obj: dict[str, Any], fields: dict = fields, extra: dict = extra) -> None:
            if "daily_budget_micro" in fields and fields["daily_budget_micro"] != obj.get(
                "daily_budget_micro"
            ):
                before = int(obj.get("daily_budget_micro") or 0) // 10**6
                record_budget(obj, before, int(fields["daily_budget_micro"]) // 10**6, moment)
            if "_status_log" in obj and fields.get("status") != obj.get("status"):
                obj["_status_log"].append(status_entry(moment, fields.get("status") == "ACTIVE"))
            # The object's own fields give way to the item's (read-only ones and the store's
            # "kind" and "_..." bookkeeping stay).
            for name in [k for k in obj if k[0] != "_" and k != "kind" and k not in kind.read_only]:
                del obj[name]
            obj.update(_utc_times(fields), **extra, _updated=moment)

        updated = store.update(PLATFORM, old["id"], change)
        assert updated is not None  # read above, and objects are never deleted
        changed.append(updated)
    return changed


def _utc_times(fields: dict[str, Any]) -> dict[str, Any]:
    """Times as Snap answers them whatever offset they were sent with: UTC, milliseconds."""
    for name in ("start_time", "end_time"):
        if fields.get(name):
            fields[name] = snap_time(rules.moment(fields, name))
    return fields


def set_fields(kind: str, object_id: str, **fields: Any) -> dict[str, Any] | None:
    """Change read-only fields the platform itself sets (media status, review status...)."""
    moment = now()
    return get_state().store.update(
        PLATFORM, object_id, lambda obj: obj.update(fields, _updated=moment)
    )


def _batch(kind: Kind, items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise invalid(kind.plural, f"a non-empty list of {kind.plural} is required")
    if len(items) > MAX_ITEMS:
        raise invalid(kind.plural, f"at most {MAX_ITEMS} items per request")
    if not all(isinstance(item, dict) for item in items):
        raise invalid(kind.plural, "each item must be an object")
    return items


def _checked(kind: Kind, batch: list[dict[str, Any]], check: Check) -> list[dict[str, Any]]:
    extras: list[dict[str, Any]] = []
    reasons: list[str | None] = []
    for item in batch:
        try:
            extras.append(check(item))
            reasons.append(None)
        except SnapError as error:
            extras.append({})
            reasons.append(error.message)
    if any(reasons):
        raise SnapBatchError(kind, reasons)
    return extras


# --------------------------------------------------------------------------- per-kind checks


def campaign_check(account_id: str) -> Check:
    acct = account(account_id)

    def check(item: dict[str, Any]) -> dict[str, Any]:
        start, end = rules.check_campaign(item, acct)
        return {"_start": start, "_end": end}

    return check


def ad_squad_check(campaign_id: str) -> Check:
    campaign = get_object("campaign", campaign_id, "campaign_id")
    acct = account(campaign["ad_account_id"])

    def check(item: dict[str, Any]) -> dict[str, Any]:
        start, end = rules.check_ad_squad(item, campaign, acct, lambda i: find("segment", i))
        # An ad squad without a start of its own starts with its campaign.
        return {"_start": start if start is not None else campaign.get("_start"), "_end": end}

    return check


def media_check(account_id: str) -> Check:
    acct = account(account_id)

    def check(item: dict[str, Any]) -> dict[str, Any]:
        rules.check_media(item, acct)
        return {}

    return check


def creative_check(account_id: str) -> Check:
    acct = account(account_id)

    def check(item: dict[str, Any]) -> dict[str, Any]:
        rules.check_creative(item, acct, lambda i: find("media", i))
        return {}

    return check


def ad_check(squad_id: str) -> Check:
    squad = get_object("adsquad", squad_id, "ad_squad_id")

    def check(item: dict[str, Any]) -> dict[str, Any]:
        rules.check_ad(item, squad, lambda i: find("creative", i))
        return {}

    return check


def ad_created(ad: dict[str, Any]) -> None:
    """After an ad is stored: Snap reviews it (the sandbox approves at once), and its ad squad's
    `child_ad_type` is set by its first ad."""
    set_fields("ad", ad["id"], review_status="APPROVED")
    squad = find("adsquad", ad["ad_squad_id"])
    if squad is not None and not squad.get("child_ad_type"):
        set_fields("adsquad", squad["id"], child_ad_type=ad["type"])
