"""TikTok custom audiences in the sandbox: typed files of hashes, audiences built from them.

Shapes from the SDK's GitHub `audience_api.py` / `custom_audience_create_body.py`
(research/platforms.md §3.4): upload a file (MD5 `file_signature`), then create or update.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import request

from adflux.sandbox.common import get_state
from adflux.sandbox.tiktok_objects import (
    AUDIENCE_TYPES,
    PLATFORM,
    SHA256_HEX,
    check_advertiser,
    check_text,
    get_object,
    insert,
    invalid,
    one_of,
    require,
)


def upload_audience_file(params: dict[str, Any]) -> dict[str, Any]:
    check_advertiser(params)
    require(params, "calculate_type", "file_signature")
    one_of(params, "calculate_type", AUDIENCE_TYPES)
    upload = request.files.get("file")
    if upload is None:
        raise invalid("file", "This field is required.")
    content = upload.read()
    if hashlib.md5(content).hexdigest() != params["file_signature"]:
        raise invalid("file_signature", "The signature does not match the file (MD5).")
    lines = [line.strip() for line in content.decode("utf-8").splitlines() if line.strip()]
    if not lines or not all(SHA256_HEX.match(line) for line in lines):
        raise invalid("file", "Each line must be one lowercase SHA-256 hex digest.")
    file_id = insert("audience_file", {"calculate_type": params["calculate_type"], "ids": lines})
    return {"file_path": f"/sandbox/dmp/{file_id}.txt"}


def _files(params: dict[str, Any]) -> list[dict[str, Any]]:
    require(params, "file_paths")
    found = []
    for path in params["file_paths"]:
        file_id = str(path).rsplit("/", 1)[-1].removesuffix(".txt")
        found.append(get_object("audience_file", file_id, "file_paths"))
    return found


def create_audience(params: dict[str, Any]) -> dict[str, Any]:
    check_advertiser(params)
    require(params, "custom_audience_name", "calculate_type")
    check_text(params, "custom_audience_name", 1, 128)
    one_of(params, "calculate_type", AUDIENCE_TYPES)
    members: dict[str, list[str]] = {}
    for upload in _files(params):
        members.setdefault(upload["calculate_type"], []).extend(upload["ids"])
    fields = {"name": params["custom_audience_name"], "calculate_type": params["calculate_type"]}
    fields["_members"] = {k: sorted(set(v)) for k, v in members.items()}
    audience_id = insert("audience", fields)
    get_state().store.update(
        PLATFORM, audience_id, lambda o: o.update(custom_audience_id=audience_id)
    )
    return {"custom_audience_id": audience_id}


def update_audience(params: dict[str, Any]) -> dict[str, Any]:
    check_advertiser(params)
    require(params, "custom_audience_id", "action")
    # CustomAudienceUpdateBody.action: APPEND, REMOVE or REPLACE (the SDK's GitHub models).
    one_of(params, "action", {"APPEND", "REMOVE", "REPLACE"})
    audience = get_object("audience", params["custom_audience_id"], "custom_audience_id")
    uploads = _files(params)

    def change(stored: dict[str, Any]) -> None:
        if params["action"] == "REPLACE":
            stored["_members"] = {}
        for upload in uploads:
            current = set(stored["_members"].get(upload["calculate_type"], []))
            if params["action"] == "REMOVE":
                current -= set(upload["ids"])
            else:
                current |= set(upload["ids"])
            stored["_members"][upload["calculate_type"]] = sorted(current)

    get_state().store.update(PLATFORM, audience["id"], change)
    return {}
