"""Emulated Snap Marketing API (`/v1/...` on adsapi.snapchat.com) and its OAuth 2.0 token endpoint
(`/login/oauth2/access_token` on accounts.snapchat.com), both on the sandbox's one host.

JSON bodies, `Authorization: Bearer <access token>` on every API call, access tokens issued from
the refresh token for 30 minutes (on the sandbox clock). Every answer is the envelope
`{"request_status", "request_id", "<plural>": [{"sub_request_status", "<singular>": {...}}]}`;
refusals are HTTP 4xx with `request_status: "ERROR"`, `debug_message`, `display_message` and
`error_code`. Rate limits: 20 requests a second per app and 10 per access token on average
(Snap's Rate Limits page), answered HTTP 429 with no wait header, as Snap documents none.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from adflux.sandbox import snapchat_audiences as audiences
from adflux.sandbox import snapchat_objects as objects
from adflux.sandbox import snapchat_rules as rules
from adflux.sandbox import snapchat_stats
from adflux.sandbox.common import get_state, install_faults
from adflux.sandbox.faults import RATE_LIMIT, FaultPlan
from adflux.sandbox.images import has_ratio, inspect_image
from adflux.sandbox.quotas import Limit
from adflux.sandbox.snapchat_objects import KINDS, PLATFORM, SnapBatchError
from adflux.sandbox.snapchat_rules import SnapError, invalid

TOKEN_LIFETIME_S = 1800
SCOPE = "snapchat-marketing-api"
# "the App is able to support an overall average volume of 20 requests/second, individual Access
# tokens issued by the App can make requests at an average of 10 requests/second" (Rate Limits).
APP_BUCKET = f"{PLATFORM}:app"
APP_LIMIT = Limit(calls=1200, window_s=60)
TOKEN_LIMIT = Limit(calls=600, window_s=60)
PUBLIC_ENDPOINTS = {"snapchat.token", "snapchat.media_file"}
LIST_LIMITS = (50, 1000)  # Snap's `limit` paging parameter


def make_blueprint() -> Blueprint:
    bp = Blueprint("snapchat", __name__)
    install_faults(bp, PLATFORM, _render_fault)
    bp.before_request(_authenticate)
    bp.register_error_handler(SnapError, _error)
    route = bp.add_url_rule
    route("/login/oauth2/access_token", "token", _token, methods=["POST"])
    route("/snapchat-cdn/media/<media_id>", "media_file", _media_file)
    route("/v1/me", "me", _me)
    route("/v1/me/organizations", "organizations", _organizations)
    route("/v1/organizations/<org_id>/adaccounts", "org_accounts", _org_accounts)
    route("/v1/adaccounts/<account_id>", "account", _account)
    for collection, kind, methods in (
        ("campaigns", "campaign", ["GET", "POST", "PUT"]),
        ("creatives", "creative", ["GET", "POST", "PUT"]),
        ("media", "media", ["GET", "POST"]),
        ("segments", "segment", ["GET", "POST"]),
    ):
        route(
            f"/v1/adaccounts/<account_id>/{collection}",
            f"account_{collection}",
            _collection(kind),
            methods=methods,
        )
    route("/v1/adaccounts/<account_id>/adsquads", "account_adsquads", _account_list("adsquad"))
    route("/v1/adaccounts/<account_id>/ads", "account_ads", _account_list("ad"))
    route("/v1/campaigns/<parent_id>/adsquads", "adsquads", _collection("adsquad"),
          methods=["GET", "POST", "PUT"])  # fmt: skip
    route("/v1/adsquads/<parent_id>/ads", "ads", _collection("ad"), methods=["GET", "POST", "PUT"])
    for collection, kind in (("campaigns", "campaign"), ("adsquads", "adsquad"), ("ads", "ad"),
                             ("creatives", "creative"), ("media", "media"),
                             ("segments", "segment")):  # fmt: skip
        route(f"/v1/{collection}/<object_id>", f"one_{kind}", _one(kind))
    route("/v1/media/<media_id>/upload", "upload", _upload, methods=["POST"])
    route("/v1/segments/<segment_id>/users", "users", _users, methods=["POST", "DELETE"])
    for collection in snapchat_stats.ENTITY_TYPES:
        route(
            f"/v1/{collection}/<entity_id>/stats",
            f"stats_{collection}",
            _stats(collection),
        )
    return bp


# --------------------------------------------------------------------------- OAuth 2.0


def _token() -> Response:
    """The refresh-token grant: a new access token for the app's refresh token."""
    state, form = get_state(), request.form
    credentials = state.credentials[PLATFORM]
    if form.get("grant_type") != "refresh_token":
        return _oauth_error(400, "unsupported_grant_type", "Only refresh_token is served here.")
    if not (
        secrets.compare_digest(form.get("client_id", ""), credentials["client_id"])
        and secrets.compare_digest(form.get("client_secret", ""), credentials["client_secret"])
    ):
        return _oauth_error(401, "invalid_client", "Client authentication failed.")
    if state.is_revoked(PLATFORM) or not secrets.compare_digest(
        form.get("refresh_token", ""), credentials["refresh_token"]
    ):
        return _oauth_error(400, "invalid_grant", "Invalid or revoked refresh token.")
    token = state.tokens.issue(PLATFORM, state.clock.now(), TOKEN_LIFETIME_S)
    return jsonify(
        access_token=token,
        token_type="Bearer",
        expires_in=TOKEN_LIFETIME_S,
        refresh_token=credentials["refresh_token"],
        scope=SCOPE,
    )


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response


def _authenticate() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    state = get_state()
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not token or not state.tokens.valid(PLATFORM, token, state.clock.now()):
        raise SnapError(401, "Unauthorized: the access token is missing, invalid or expired.",
                        "E3001")  # fmt: skip
    now = state.clock.now()
    for bucket, limit in ((APP_BUCKET, APP_LIMIT), (f"{PLATFORM}:{token}", TOKEN_LIMIT)):
        if state.quotas.take(bucket, limit, now) is not None:
            raise SnapError(429, "Too Many Requests", "E1009")
    return None


# --------------------------------------------------------------------------- envelopes


def _envelope(status: int = 200, /, **payload: Any) -> Response:
    body = {"request_status": "SUCCESS" if status < 400 else "ERROR",
            "request_id": secrets.token_hex(16), **payload}  # fmt: skip
    response = jsonify(body)
    response.status_code = status
    return response


def _items(kind: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    singular = KINDS[kind].singular
    return [{"sub_request_status": "SUCCESS", singular: objects.render(o)} for o in found]


def _error(error: SnapError) -> Response:
    payload: dict[str, Any] = {
        "debug_message": error.message,
        "display_message": error.message,
        "error_code": error.error_code,
    }
    if isinstance(error, SnapBatchError):
        payload[error.kind.plural] = [
            {"sub_request_status": "ERROR",
             "sub_request_error_reason": reason or "Not created: another item was refused."}
            for reason in error.reasons
        ]  # fmt: skip
    return _envelope(error.http_status, **payload)


def _render_fault(kind: str, plan: FaultPlan) -> Response:
    if kind == RATE_LIMIT:
        response = _error(SnapError(429, "Too Many Requests", "E1009"))
        if plan.variant == "retry-after":
            # Snap documents no wait header; this flavour adds HTTP's own, which clients honour.
            response.headers["Retry-After"] = str(plan.retry_after_s)
        return response
    status = 503 if plan.variant == "503" else 500
    return _error(SnapError(status, "Internal Server Error", "E9999"))


# --------------------------------------------------------------------------- account views


def _me() -> Response:
    credentials = get_state().credentials[PLATFORM]
    me = {"id": "sandbox-user", "display_name": "AdFlux sandbox",
          "organization_id": credentials["organization_id"]}  # fmt: skip
    return _envelope(me=me)


def _organizations() -> Response:
    organization = objects.organization()
    if request.args.get("with_ad_accounts") == "true":
        account_id = get_state().credentials[PLATFORM]["ad_account_id"]
        organization["ad_accounts"] = [objects.account(account_id)]
    return _envelope(
        organizations=[{"sub_request_status": "SUCCESS", "organization": organization}]
    )


def _org_accounts(org_id: str) -> Response:
    if org_id != objects.organization()["id"]:
        raise SnapError(403, f"organization_id: no access to organization {org_id}", "E3002")
    account_id = get_state().credentials[PLATFORM]["ad_account_id"]
    return _envelope(
        adaccounts=[{"sub_request_status": "SUCCESS", "adaccount": objects.account(account_id)}]
    )


def _account(account_id: str) -> Response:
    return _envelope(
        adaccounts=[{"sub_request_status": "SUCCESS", "adaccount": objects.account(account_id)}]
    )


# --------------------------------------------------------------------------- collections

CHECKS = {
    "campaign": objects.campaign_check,
    "adsquad": objects.ad_squad_check,
    "ad": objects.ad_check,
    "creative": objects.creative_check,
    "media": objects.media_check,
    "segment": audiences.segment_check,
}
AFTER_CREATE = {
    "ad": objects.ad_created,
    "segment": audiences.segment_created,
    "media": lambda media: objects.set_fields("media", media["id"], media_status="PENDING_UPLOAD"),
}


def _collection(kind: str):
    spec = KINDS[kind]

    def view(account_id: str | None = None, parent_id: str | None = None) -> Response:
        parent = account_id if account_id is not None else parent_id
        assert parent is not None
        _check_parent(kind, parent)
        if request.method == "GET":
            return _listing(kind, objects.children(kind, parent))
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise invalid("body", "a JSON object is required")
        if request.method == "POST":
            made = objects.create(kind, parent, body.get(spec.plural), CHECKS[kind](parent))
            after = AFTER_CREATE.get(kind)
            if after is not None:
                made = [after(obj) or obj for obj in made]
        else:
            made = objects.update(kind, parent, body.get(spec.plural), CHECKS[kind](parent))
        return _envelope(**{spec.plural: _items(kind, made)})

    return view


def _check_parent(kind: str, parent: str) -> None:
    parent_field = KINDS[kind].parent
    if parent_field == "ad_account_id":
        objects.account(parent)
    elif parent_field == "campaign_id":
        objects.account(objects.get_object("campaign", parent, "campaign_id")["ad_account_id"])
    else:
        squad = objects.get_object("adsquad", parent, "ad_squad_id")
        objects.account(objects.get_object("campaign", squad["campaign_id"])["ad_account_id"])


def _account_list(kind: str):
    def view(account_id: str) -> Response:
        objects.account(account_id)
        return _listing(kind, get_state().store.find(PLATFORM, kind))

    return view


def _listing(kind: str, found: list[dict[str, Any]]) -> Response:
    """All of them, or a page of `limit` with a `paging.next_link` to the next one."""
    args = request.args
    if "limit" not in args:
        return _envelope(**{KINDS[kind].plural: _items(kind, found)})
    try:
        limit, start = int(args["limit"]), int(args.get("cursor") or 0)
    except ValueError:
        raise invalid("limit", "limit and cursor must be integers") from None
    if not LIST_LIMITS[0] <= limit <= LIST_LIMITS[1]:
        raise invalid("limit", f"from {LIST_LIMITS[0]} to {LIST_LIMITS[1]}")
    page = found[start : start + limit]
    paging: dict[str, str] = {}
    if start + limit < len(found):
        query = {**args.to_dict(), "limit": limit, "cursor": start + limit}
        paging["next_link"] = f"{request.base_url}?{urlencode(query)}"
    return _envelope(**{KINDS[kind].plural: _items(kind, page)}, paging=paging)


def _one(kind: str):
    def view(object_id: str) -> Response:
        obj = objects.get_object(kind, object_id)
        _check_parent(kind, obj[KINDS[kind].parent])
        return _envelope(**{KINDS[kind].plural: _items(kind, [obj])})

    return view


# --------------------------------------------------------------------------- media


def _upload(media_id: str) -> Response:
    """`POST /v1/media/{id}/upload`: the file of a media object (multipart field `file`)."""
    media = objects.get_object("media", media_id, "media_id")
    objects.account(media["ad_account_id"])
    upload = request.files.get("file")
    if upload is None:
        raise invalid("file", "a multipart file is required")
    content = upload.read()
    if media["type"] != "IMAGE":
        raise invalid("type", "this sandbox takes IMAGE media only")
    info = inspect_image(content)
    if info is None or info.format not in ("png", "jpeg"):
        raise invalid("file", "a PNG or JPEG image is required")
    width, height = rules.TOP_SNAP_SIZE
    if not (has_ratio(info, width, height) and info.width >= width and info.height >= height):
        raise invalid(
            "file", f"Top Snap images are 9:16, at least {width}x{height} (got "
            f"{info.width}x{info.height})"
        )  # fmt: skip
    if len(content) > rules.IMAGE_MAX_BYTES:
        raise invalid("file", "at most 5 MB")
    blob = get_state().store.put_blob(content)
    updated = objects.set_fields(
        "media",
        media["id"],
        media_status="READY",
        file_name=upload.filename,
        file_size_in_bytes=len(content),
        image_metadata={"height": info.height, "width": info.width, "image_format": info.format},
        download_link=f"{request.host_url}snapchat-cdn/media/{media['id']}",
        _blob=blob,
    )
    assert updated is not None
    return _envelope(result=objects.render(updated))


def _media_file(media_id: str) -> Response:
    media = objects.find("media", media_id)
    content = get_state().store.get_blob(media["_blob"]) if media and media.get("_blob") else None
    if content is None:
        raise SnapError(404, "media_id: no such file", "E3003")
    return Response(content, mimetype="image/png" if content[:4] == b"\x89PNG" else "image/jpeg")


# --------------------------------------------------------------------------- audiences, stats


def _users(segment_id: str) -> Response:
    segment = audiences.change_users(
        segment_id, request.get_json(silent=True), remove=request.method == "DELETE"
    )
    return _envelope(segments=_items("segment", [segment]))


def _stats(collection: str):
    def view(entity_id: str) -> Response:
        return _envelope(**snapchat_stats.stats(collection, entity_id))

    return view
