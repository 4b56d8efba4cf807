"""Snap Audience Match in the sandbox: Customer List segments and their hashed members.

A segment is created in the ad account (`POST /v1/adaccounts/{id}/segments`, source_type
FIRST_PARTY); members are added with `POST /v1/segments/{id}/users` and removed with `DELETE` on
the same path, each with `{"users": [{"schema": [<type>], "data": [[<sha256 hex>], ...]}]}`
(Customer Lists reference; the add/remove shape as Snap's partners send it). A segment is
targetable once it matches at least 1,000 people (`audience_minimums`).
"""

from __future__ import annotations

from typing import Any

from adflux.sandbox import snapchat_objects as objects
from adflux.sandbox import snapchat_rules as rules
from adflux.sandbox.audience_minimums import can_deliver, uploaded_people
from adflux.sandbox.common import get_state
from adflux.sandbox.snapchat_rules import SnapError, invalid

SCHEMAS = {"EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256"}
SOURCE_TYPES = {"FIRST_PARTY", "ENGAGEMENT", "PIXEL", "MOBILE", "LOOKALIKE"}
# Identifiers per users request: the sandbox's own cap (Snap's pages seen name none).
MAX_IDENTIFIERS = 100_000
HEX = frozenset("0123456789abcdef")


def segment_check(account_id: str) -> objects.Check:
    account = objects.account(account_id)

    def check(item: dict[str, Any]) -> dict[str, Any]:
        rules.require(item, "ad_account_id", "name", "source_type", "retention_in_days")
        if item["ad_account_id"] != account["id"]:
            raise invalid("ad_account_id", "does not match the ad account in the path")
        rules.text(item, "name", rules.NAME_MAX)
        rules.one_of(item, "source_type", SOURCE_TYPES)
        days = item["retention_in_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 9999:
            raise invalid("retention_in_days", "an integer from 1 to 9999 (lifetime)")
        return {"_members": {}}

    return check


def segment_created(segment: dict[str, Any]) -> dict[str, Any] | None:
    return objects.set_fields("segment", segment["id"], **_counts({}))


def change_users(segment_id: str, body: Any, *, remove: bool) -> dict[str, Any]:
    """Add (or remove) the hashed identifiers of a users request; the segment after it."""
    segment = objects.get_object("segment", segment_id, "segment_id")
    objects.account(segment["ad_account_id"])
    groups = _users(body)

    def change(stored: dict[str, Any]) -> None:
        members = stored.setdefault("_members", {})
        for schema, hashes in groups:
            current = set(members.get(schema, []))
            current = current - set(hashes) if remove else current | set(hashes)
            members[schema] = sorted(current)
        stored.update(_counts(members), _updated=objects.now())

    updated = get_state().store.update(objects.PLATFORM, segment["id"], change)
    assert updated is not None
    return updated


def _users(body: Any) -> list[tuple[str, list[str]]]:
    users = body.get("users") if isinstance(body, dict) else None
    if not isinstance(users, list) or not users:
        raise invalid("users", "a non-empty list is required")
    groups, total = [], 0
    for group in users:
        if not isinstance(group, dict):
            raise invalid("users", "each item must be an object")
        schema = group.get("schema")
        if not isinstance(schema, list) or len(schema) != 1 or schema[0] not in SCHEMAS:
            raise invalid("users.schema", f"one of {', '.join(sorted(SCHEMAS))}, as a list of one")
        rows = group.get("data")
        if not isinstance(rows, list) or not rows:
            raise invalid("users.data", "a non-empty list of [hash] rows is required")
        hashes = []
        for row in rows:
            value = row[0] if isinstance(row, list) and len(row) == 1 else None
            if not (isinstance(value, str) and len(value) == 64 and set(value) <= HEX):
                raise invalid("users.data", "each row is [lowercase SHA-256 hex] of one person")
            hashes.append(value)
        total += len(hashes)
        groups.append((schema[0], hashes))
    if total > MAX_IDENTIFIERS:
        raise SnapError(413, f"users: at most {MAX_IDENTIFIERS} identifiers per request")
    return groups


def _counts(members: dict[str, list[str]]) -> dict[str, Any]:
    people = uploaded_people(members)
    if people == 0:
        targetable = "NOT_READY"
    else:
        targetable = "READY" if can_deliver(objects.PLATFORM, people) else "TOO_FEW_USERS"
    return {
        "status": "ACTIVE",
        "approximate_number_users": people,
        "upload_status": "COMPLETE" if people else "NO_UPLOAD",
        "targetable_status": targetable,
    }
