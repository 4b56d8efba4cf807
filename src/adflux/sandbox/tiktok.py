"""Emulated TikTok Marketing API v1.3 (`/open_api/v1.3/...`), as tiktok-business-api-sdk calls it.

JSON bodies (GET parameters JSON-encoded in the query string), the `Access-Token` header, and
every answer in the envelope `{"code", "message", "request_id", "data"}`; business errors come
back as HTTP 200 with `code != 0` (research/platforms.md §1.4, §2.4, §4.4).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, request

from adflux.sandbox import tiktok_audiences as audiences
from adflux.sandbox import tiktok_objects as objects
from adflux.sandbox import tiktok_reports as reports
from adflux.sandbox import tiktok_updates as updates
from adflux.sandbox.common import get_state, install_faults
from adflux.sandbox.faults import RATE_LIMIT, FaultPlan
from adflux.sandbox.tiktok_objects import TikTokError

PLATFORM = "tiktok"
PREFIX = "/open_api/v1.3"


def make_blueprint() -> Blueprint:
    bp = Blueprint("tiktok", __name__, url_prefix=PREFIX)
    install_faults(bp, PLATFORM, _render_fault)
    bp.before_request(_authenticate)
    bp.register_error_handler(TikTokError, _error)
    routes = {
        ("POST", "/campaign/create/"): objects.create_campaign,
        ("GET", "/campaign/get/"): lambda p: objects.list_kind("campaign", p),
        ("POST", "/campaign/status/update/"): lambda p: objects.set_status("campaign", p),
        ("POST", "/adgroup/create/"): objects.create_adgroup,
        ("GET", "/adgroup/get/"): lambda p: objects.list_kind("adgroup", p),
        ("POST", "/adgroup/status/update/"): lambda p: objects.set_status("adgroup", p),
        ("POST", "/adgroup/update/"): updates.update_adgroup,
        ("POST", "/ad/create/"): objects.create_ad,
        ("GET", "/ad/get/"): lambda p: objects.list_kind("ad", p),
        ("POST", "/ad/status/update/"): lambda p: objects.set_status("ad", p),
        ("POST", "/ad/update/"): updates.update_ad,
        ("POST", "/file/image/ad/upload/"): objects.upload_image,
        ("GET", "/file/image/ad/info/"): objects.image_info,
        ("GET", "/report/integrated/get/"): reports.report,
        ("POST", "/dmp/custom_audience/file/upload/"): audiences.upload_audience_file,
        ("POST", "/dmp/custom_audience/create/"): audiences.create_audience,
        ("POST", "/dmp/custom_audience/update/"): audiences.update_audience,
        ("GET", "/dmp/custom_audience/list/"): lambda p: objects.list_kind("audience", p),
    }
    for (method, path), handler in routes.items():
        endpoint = path.strip("/").replace("/", "_")
        bp.add_url_rule(path, endpoint, _view(handler), methods=[method])
    bp.add_url_rule("/file/image/ad/<signature>", "image_file", _image_file)
    return bp


def _image_file(signature: str) -> Response:
    content = objects.image_bytes(signature)
    if content is None:
        raise TikTokError(40002, "image_url: The image does not exist.", http_status=404)
    return Response(content, mimetype="image/png" if content[:4] == b"\x89PNG" else "image/jpeg")


def _view(handler):
    def view() -> Response:
        return _envelope(0, "OK", handler(params()))

    return view


def params() -> dict[str, Any]:
    """JSON body, or query/form fields with their JSON-encoded values decoded (as the SDK sends)."""
    if request.method == "POST" and request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise TikTokError(40002, "Request body must be a JSON object")
        return body
    merged = {**request.args.to_dict(), **request.form.to_dict()}
    out: dict[str, Any] = {}
    for key, value in merged.items():
        try:
            out[key] = json.loads(value) if value[:1] in "[{" else value
        except ValueError:
            raise TikTokError(40002, f"{key}: invalid JSON") from None
    return out


def _authenticate() -> None:
    state = get_state()
    token = request.headers.get("Access-Token")
    if not token:
        raise TikTokError(40104, "Access token is null. Please provide the access token.")
    if state.is_revoked(PLATFORM) or token != state.credential(PLATFORM, "access_token"):
        raise TikTokError(40105, "The access token is incorrect or has been revoked.")


def _envelope(code: int, message: str, data: Any, status: int = 200) -> Response:
    response = jsonify(
        {
            "code": code,
            "message": message,
            "request_id": secrets.token_hex(12),
            "data": data if data is not None else {},
        }
    )
    response.status_code = status
    return response


def _error(error: TikTokError) -> Response:
    return _envelope(error.code, error.message, {}, error.http_status)


def _render_fault(kind: str, plan: FaultPlan) -> Response:
    if kind == RATE_LIMIT:
        if plan.variant == "429":
            response = _envelope(40100, "Too many requests. Please retry in some time.", {}, 429)
            response.headers["Retry-After"] = str(plan.retry_after_s)
            return response
        code = 40132 if plan.variant == "40132" else 40100
        return _envelope(code, "Too many requests. Please retry in some time.", {})
    if plan.variant == "500":
        return _envelope(50000, "System error", {}, 500)
    if plan.variant == "50002":
        return _envelope(50002, "Request timed out. Please retry.", {})
    return _envelope(50000, "System error. Please retry later.", {})
