"""Emulated X media upload (`POST /1.1/media/upload.json` on X's upload host), as the X Ads API
documents it for the images of promoted posts and cards: a simple (one request) upload of a
multipart `media` file, OAuth 1.0a signed like every other X call.

The answer carries `media_id_string` and `media_key` ("3_<id>"), the key a card's MEDIA
component and `media_library` take. Images are decoded and checked as X does: JPG, PNG, GIF or
WEBP, at most 5 MB.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from flask import Blueprint, Response, abort, jsonify, request

from adflux.sandbox.common import get_state, install_faults
from adflux.sandbox.images import inspect_image
from adflux.sandbox.x_ads import _render_fault
from adflux.sandbox.x_rules import XError, verify_oauth

PLATFORM = "x"
IMAGE_FORMATS = {"jpeg", "png", "gif", "webp"}
IMAGE_MAX_BYTES = 5 * 1024 * 1024
MEDIA_CATEGORIES = {"tweet_image", "amplify_image"}
FIRST_MEDIA_ID = 1_870_000_000_000_000_001


def make_blueprint() -> Blueprint:
    bp = Blueprint("x_upload", __name__)
    install_faults(bp, PLATFORM, _render_fault)
    bp.register_error_handler(XError, _error)
    bp.add_url_rule("/1.1/media/upload.json", view_func=_upload, methods=["POST"])
    bp.add_url_rule("/_sandbox/x/media/<media_key>", view_func=_file)
    return bp


def _error(error: XError) -> Response:
    # The v1.1 upload host answers {"errors": [{"code", "message"}]}.
    response = jsonify({"errors": [{"code": 324, "message": error.message}]})
    response.status_code = error.status
    return response


def _upload() -> Response:
    state = get_state()
    verify_oauth(
        request.method,
        request.root_url.rstrip("/") + quote(request.path),
        request.query_string.decode("ascii", "replace"),
        request.headers.get("Authorization"),
        None,  # a multipart body is not part of the OAuth signature
        state.credentials[PLATFORM],
    )
    if state.is_revoked(PLATFORM):
        raise XError(401, "UNAUTHORIZED_ACCESS", "This request is not properly authenticated")
    values = {**request.args.to_dict(), **request.form.to_dict()}
    category = (values.get("media_category") or "tweet_image").lower()
    if category not in MEDIA_CATEGORIES:
        raise XError(400, "INVALID_PARAMETER", f"media_category {category} is not supported")
    upload = request.files.get("media")
    if upload is not None:
        content = upload.read()
    elif values.get("media_data"):
        try:
            content = base64.b64decode(values["media_data"], validate=True)
        except ValueError:
            raise XError(400, "INVALID_PARAMETER", "media_data must be base64") from None
    else:
        raise XError(400, "MISSING_PARAMETER", "media or media_data is required")
    info = inspect_image(content)
    if info is None or info.format not in IMAGE_FORMATS:
        raise XError(400, "INVALID_PARAMETER", "Unsupported image: use JPG, PNG, GIF or WEBP")
    if info.size > IMAGE_MAX_BYTES:
        raise XError(400, "INVALID_PARAMETER", "Images must be 5 MB or smaller")
    media_id = str(state.store.next_number(f"{PLATFORM}-media", FIRST_MEDIA_ID))
    media_key = f"3_{media_id}"
    now = state.clock.now()
    state.store.insert(
        PLATFORM,
        {"id": media_key, "kind": "media", "media_key": media_key, "media_id": media_id,
         "media_type": "IMAGE", "media_category": category.upper(), "width": info.width,
         "height": info.height, "format": info.format, "size": info.size, "in_library": False,
         "_blob": state.store.put_blob(content), "_created": now, "_updated": now},
    )  # fmt: skip
    return jsonify(
        {
            "media_id": int(media_id),
            "media_id_string": media_id,
            "media_key": media_key,
            "size": info.size,
            "expires_after_secs": 86_400,
            "image": {"image_type": f"image/{info.format}", "w": info.width, "h": info.height},
        }
    )


def _file(media_key: str) -> Response:
    media = get_state().store.get(PLATFORM, media_key, "media")
    if media is None:
        abort(404)
    content = get_state().store.get_blob(media["_blob"]) or b""
    return Response(content, mimetype=f"image/{media['format']}")
