"""Snap Audience Match: hashed members added to, and removed from, a Customer List segment.

`POST /v1/segments/{id}/users` adds and `DELETE` on the same path removes, each with
`{"users": [{"schema": [<type>], "data": [[<sha256 hex>], ...]}]}`: one request per identifier
type, as Snap matches each schema as its own list (Customer Lists reference; the add/remove shape
as Snap's partners send it). Adding or removing the same hashes twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from adflux.platforms.base import HashedMember
from adflux.platforms.snapchat_http import SnapClient

# Snap's identifier types AdFlux holds: emails and phones (no mobile ad ids).
SCHEMAS = (("EMAIL_SHA256", "email_sha256"), ("PHONE_SHA256", "phone_sha256"))


def send_users(
    client: SnapClient, method: str, segment_id: str, members: tuple[HashedMember, ...]
) -> dict[str, Any]:
    """Add ("POST") or remove ("DELETE") the members' hashes; the receipt of what was sent."""
    receipt: dict[str, Any] = {"segment_id": segment_id, "schemas": {}}
    for schema, attribute in SCHEMAS:
        hashes = [h for h in (getattr(m, attribute) for m in members) if h]
        if not hashes:
            continue
        body = client.call(
            method,
            f"/segments/{segment_id}/users",
            write=False,  # the same hashes twice change nothing
            json={"users": [{"schema": [schema], "data": [[h] for h in hashes]}]},
        )
        receipt["schemas"][schema] = len(hashes)
        segment = (body.get("segments") or [{}])[0].get("segment") or {}
        if "approximate_number_users" in segment:
            receipt["approximate_number_users"] = segment["approximate_number_users"]
    return receipt
