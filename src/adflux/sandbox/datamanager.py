"""Google Data Manager API: `POST /v1/audienceMembers:ingest` and `:remove` (Customer Match since
2026).

The official client (google-ads-datamanager, REST transport) sends `$alt=json;enum-encoding=int`,
so enums arrive as integers; hand-written JSON uses names. Both are accepted. Members are checked
(SHA-256 hex, at most 10 identifiers each, at most 10,000 per request), the destination must be a
live CRM-based user list of the sandbox's Google Ads customer, and each ingestion is stored with its
hashes so tests can compare them with values computed by hand. Errors use Google's JSON error shape
with a google.rpc.ErrorInfo (reason from Data Manager's ErrorReason enum, domain
datamanager.googleapis.com).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request

from adflux.sandbox.common import get_state, install_faults
from adflux.sandbox.faults import RATE_LIMIT, FaultPlan

PLATFORM = "google"
DOMAIN = "datamanager.googleapis.com"
MAX_MEMBERS = 10_000
MAX_IDENTIFIERS = 10
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
SNAKE = {"emailAddress": "email_address", "phoneNumber": "phone_number"}

# Enum values as numbered in google/ads/datamanager/v1 (the client sends the numbers).
ACCOUNT_TYPES = {
    1: "GOOGLE_ADS",
    2: "DISPLAY_VIDEO_PARTNER",
    3: "DISPLAY_VIDEO_ADVERTISER",
    4: "DATA_PARTNER",
}
ENCODINGS = {1: "HEX", 2: "BASE64"}
CONSENT = {1: "CONSENT_GRANTED", 2: "CONSENT_DENIED"}
TERMS = {1: "ACCEPTED", 2: "REJECTED"}


class DataManagerError(Exception):
    def __init__(self, http: int, status: str, reason: str, message: str, field: str | None = None):
        super().__init__(message)
        self.http, self.status, self.reason, self.message, self.field = (
            http,
            status,
            reason,
            message,
            field,
        )

    def response(self, extra: list[dict[str, Any]] | None = None) -> Response:
        details: list[dict[str, Any]] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": self.reason,
                "domain": DOMAIN,
            }
        ]
        if self.field:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": self.field, "description": self.message, "reason": self.reason}
                    ],
                }
            )
        details.extend(extra or [])
        body = {
            "error": {
                "code": self.http,
                "message": self.message,
                "status": self.status,
                "details": details,
            }
        }
        response = jsonify(body)
        response.status_code = self.http
        return response


def _invalid(reason: str, message: str, field: str) -> DataManagerError:
    return DataManagerError(400, "INVALID_ARGUMENT", reason, message, field)


def _enum(value: Any, names: dict[int, str], field: str) -> str | None:
    """An enum given as its number (client default) or its name (hand-written JSON)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value == 0:
            return None
        if value in names:
            return names[value]
    elif isinstance(value, str) and value in names.values():
        return value
    elif isinstance(value, str) and value.endswith("_UNSPECIFIED"):
        return None
    raise _invalid("INVALID_ENUM_VALUE", f"Invalid value at '{field}' ({value!r}).", field)


def _authenticate() -> None:
    state = get_state()
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
    if token != state.credential(PLATFORM, "access_token") or state.is_revoked(PLATFORM):
        raise DataManagerError(
            401,
            "UNAUTHENTICATED",
            "ACCESS_TOKEN_EXPIRED" if token else "CREDENTIALS_MISSING",
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        )


def _destination(body: dict[str, Any]) -> dict[str, Any]:
    destinations = body.get("destinations") or []
    if not destinations:
        raise _invalid("REQUIRED_FIELD_MISSING", "A destination is required.", "destinations")
    if len(destinations) != 1:
        raise _invalid(
            "TOO_MANY_DESTINATIONS",
            "The sandbox takes one destination per request.",
            "destinations",
        )
    destination = destinations[0]
    account = destination.get("operatingAccount") or {}
    kind = _enum(
        account.get("accountType"), ACCOUNT_TYPES, "destinations[0].operating_account.account_type"
    )
    if kind != "GOOGLE_ADS":
        raise _invalid(
            "INVALID_DESTINATION",
            "Customer Match needs a GOOGLE_ADS operating account.",
            "destinations[0].operating_account.account_type",
        )
    state = get_state()
    customer_id = str(account.get("accountId", ""))
    if customer_id != state.credential(PLATFORM, "customer_id"):
        raise DataManagerError(
            403, "PERMISSION_DENIED", "PERMISSION_DENIED", "The caller does not have permission."
        )
    list_id = str(destination.get("productDestinationId", ""))
    name = f"customers/{customer_id}/userLists/{list_id}"
    found = state.store.get(PLATFORM, name, kind="user_list")
    if (
        not list_id
        or found is None
        or found.get("removed")
        or "crm_based_user_list" not in found["resource"]
    ):
        raise _invalid(
            "INVALID_USER_LIST_ID",
            "The user list does not exist or is not a CRM-based user list.",
            "destinations[0].product_destination_id",
        )
    return found


def _members(body: dict[str, Any]) -> list[list[dict[str, str]]]:
    members = body.get("audienceMembers") or []
    if not members:
        raise _invalid(
            "REQUIRED_FIELD_MISSING", "Audience members are required.", "audience_members"
        )
    if len(members) > MAX_MEMBERS:
        raise _invalid(
            "TOO_MANY_AUDIENCE_MEMBERS",
            f"At most {MAX_MEMBERS} audience members per request.",
            "audience_members",
        )
    encoding = _enum(body.get("encoding"), ENCODINGS, "encoding")
    if encoding is None:
        raise _invalid(
            "REQUIRED_FIELD_MISSING", "The encoding of hashed values is required.", "encoding"
        )
    out = []
    for index, member in enumerate(members):
        where = f"audience_members[{index}].user_data.user_identifiers"
        identifiers = (member.get("userData") or {}).get("userIdentifiers") or []
        if not identifiers:
            raise _invalid("NO_IDENTIFIERS_PROVIDED", "No user identifiers provided.", where)
        if len(identifiers) > MAX_IDENTIFIERS:
            raise _invalid("TOO_MANY_USER_IDENTIFIERS", "Too many user identifiers.", where)
        kept = []
        for position, identifier in enumerate(identifiers):
            for key in ("emailAddress", "phoneNumber"):
                value = identifier.get(key)
                if value is None:
                    continue
                # The sandbox checks hex SHA-256; BASE64-encoded hashes are accepted as given.
                if encoding == "HEX" and not SHA256_HEX.match(value):
                    raise _invalid(
                        "INVALID_HEX_ENCODING",
                        "The value is not a lowercase hex SHA-256 hash.",
                        f"{where}[{position}].{SNAKE[key]}",
                    )
                kept.append({key: value})
        out.append(kept)
    if encoding is None:
        raise _invalid(
            "REQUIRED_FIELD_MISSING", "The encoding of hashed values is required.", "encoding"
        )
    return out


def remove() -> Response:
    """POST /v1/audienceMembers:remove: the user list really drops the members' identifiers."""
    try:
        _authenticate()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise _invalid("INVALID_ARGUMENT", "The body must be a JSON object.", "body")
        user_list = _destination(body)
        members = _members(body)
    except DataManagerError as exc:
        return exc.response()
    request_id = str(uuid.uuid4())
    if body.get("validateOnly"):
        return jsonify(requestId=request_id)
    store = get_state().store
    store.insert(
        PLATFORM,
        {
            "id": f"datamanager/requests/{request_id}",
            "kind": "audience_removal",
            "customer_id": user_list["customer_id"],
            "user_list": user_list["id"],
            "members": members,
            "created_at": get_state().clock.now(),
        },
    )
    gone = {value for member in members for identifier in member for value in identifier.values()}

    def shrink(stored: dict[str, Any]) -> None:
        held = stored.setdefault("_members", {})
        for key in list(held):
            held[key] = sorted(set(held[key]) - gone)
        # A member matched by any of its identifiers is removed with it.
        kept = [k for k in stored.setdefault("member_keys", []) if k not in gone]
        stored["member_keys"] = kept
        stored["resource"]["size_for_search"] = str(len(kept))
        stored["resource"]["size_for_display"] = str(len(kept))

    store.update(PLATFORM, user_list["id"], shrink)
    return jsonify(requestId=request_id)


def ingest() -> Response:
    """POST /v1/audienceMembers:ingest"""
    try:
        _authenticate()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise _invalid("INVALID_ARGUMENT", "The body must be a JSON object.", "body")
        user_list = _destination(body)
        members = _members(body)
        terms = _enum(
            (body.get("termsOfService") or {}).get("customerMatchTermsOfServiceStatus"),
            TERMS,
            "terms_of_service.customer_match_terms_of_service_status",
        )
        if terms != "ACCEPTED":
            raise _invalid(
                "TERMS_AND_CONDITIONS_NOT_SIGNED",
                "The Customer Match terms of service must be accepted.",
                "terms_of_service",
            )
        consent = body.get("consent") or {}
        consent_names = {
            key: _enum(consent.get(key), CONSENT, f"consent.{key}")
            for key in ("adUserData", "adPersonalization")
        }
    except DataManagerError as exc:
        return exc.response()
    request_id = str(uuid.uuid4())
    if body.get("validateOnly"):
        return jsonify(requestId=request_id)
    _record(user_list, members, consent_names, request_id)
    return jsonify(requestId=request_id)


def _record(
    user_list: dict[str, Any],
    members: list[list[dict[str, str]]],
    consent: dict[str, str | None],
    request_id: str,
) -> None:
    store = get_state().store
    store.insert(
        PLATFORM,
        {
            "id": f"datamanager/requests/{request_id}",
            "kind": "audience_ingestion",
            "customer_id": user_list["customer_id"],
            "user_list": user_list["id"],
            "members": members,
            "consent": consent,
            "created_at": get_state().clock.now(),
        },
    )

    def grow(stored: dict[str, Any]) -> None:
        # Sizes count distinct members by their first identifier; Google reports approximations.
        seen = set(stored.setdefault("member_keys", []))
        seen.update(next(iter(m[0].values())) for m in members if m)
        # What the list holds now, per identifier type: `:remove` takes them out again.
        held = stored.setdefault("_members", {})
        # One union and one sort per identifier type: sorting the whole list again for every
        # member made a 20,000-member upload (`make run`'s) take seconds.
        added: dict[str, set[str]] = {}
        for member in members:
            for identifier in member:
                for key, value in identifier.items():
                    added.setdefault(key, set()).add(value)
        for key, values in added.items():
            held[key] = sorted(values.union(held.get(key, [])))
        stored["member_keys"] = sorted(seen)
        stored["resource"]["size_for_search"] = str(len(seen))
        stored["resource"]["size_for_display"] = str(len(seen))

    store.update(PLATFORM, user_list["id"], grow)


def _render_fault(fault: str, plan: FaultPlan) -> Response:
    if fault == RATE_LIMIT:
        error = DataManagerError(
            429, "RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED", "Quota exceeded. Retry later."
        )
        retry = {
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": f"{plan.retry_after_s}s",
        }
        return error.response([retry])
    return DataManagerError(
        503, "UNAVAILABLE", "INTERNAL_ERROR", "The service is currently unavailable."
    ).response()


def make_blueprint() -> Blueprint:
    bp = Blueprint("sandbox_datamanager", __name__, url_prefix="/v1")
    bp.add_url_rule("/audienceMembers:ingest", "ingest", ingest, methods=["POST"])
    bp.add_url_rule("/audienceMembers:remove", "remove", remove, methods=["POST"])
    install_faults(bp, PLATFORM, _render_fault)
    return bp
