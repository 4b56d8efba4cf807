"""Emulated X Ads API (`/11/` as twitter-ads 11.0.0 calls it, and `/12/` as X's docs show).

Requests carry their parameters in the query string (lists as repeated keys or comma-joined,
both accepted), a few carry JSON bodies, and all are signed with OAuth 1.0a. Answers are
`{"data": ..., "request": {"params": ...}}`, errors an `errors` array, and every answer has the
`x-rate-limit-*` headers (research/platforms.md §1.3, §2.3, §4.3).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, g, jsonify, request

from adflux.sandbox import x_objects as objects
from adflux.sandbox import x_stats
from adflux.sandbox.common import get_state, install_faults
from adflux.sandbox.faults import RATE_LIMIT, FaultPlan
from adflux.sandbox.x_rules import XError, verify_oauth

PLATFORM = "x"
WRITE_LIMIT = 450  # writes per 15-minute window per category (X rate-limiting page)
LIST_PARAMS = {
    "placements",
    "categories",
    "tweet_ids",
    "entity_ids",
    "campaign_ids",
    "line_item_ids",
    "funding_instrument_ids",
    "promoted_tweet_ids",
    "targeting_criterion_ids",
    "custom_audience_ids",
    "metric_groups",
    "media_keys",
    "card_ids",
    "card_uris",
}


def make_blueprint() -> Blueprint:
    bp = Blueprint("x_ads", __name__, url_prefix="/<any('11','12'):version>")
    install_faults(bp, PLATFORM, _render_fault)
    bp.url_value_preprocessor(_authenticate)
    bp.register_error_handler(XError, _x_error)
    bp.after_request(_rate_headers)
    route = bp.add_url_rule
    route("/accounts/<account_id>", view_func=_account)
    route("/accounts/<account_id>/funding_instruments", view_func=_funding_instruments)
    route(
        "/accounts/<account_id>/<collection>",
        view_func=_collection,
        methods=["GET", "POST"],
    )
    route(
        "/accounts/<account_id>/<collection>/<object_id>",
        view_func=_entity,
        methods=["GET", "PUT", "DELETE"],
    )
    route("/accounts/<account_id>/tweet", view_func=_tweet, methods=["POST"])
    route(
        "/accounts/<account_id>/custom_audiences/<object_id>/users",
        view_func=_users,
        methods=["POST"],
    )
    route(
        "/batch/accounts/<account_id>/targeting_criteria",
        view_func=_batch_targeting,
        methods=["POST"],
    )
    route("/targeting_criteria/locations", view_func=_locations)
    route("/stats/accounts/<account_id>", view_func=_stats)
    return bp


# --------------------------------------------------------------------------- plumbing


def params() -> dict[str, Any]:
    """Query (and form) parameters; list parameters flattened from both encodings."""
    merged: dict[str, Any] = {}
    for source in (request.args, request.form):
        for key in source:
            if key in LIST_PARAMS:
                merged[key] = [v for raw in source.getlist(key) for v in raw.split(",") if v]
            else:
                merged[key] = source.get(key)
    return merged


def _authenticate(endpoint: str | None, values: dict[str, Any] | None) -> None:
    values = values or {}
    g.x_version = values.pop("version", "11")
    state = get_state()
    form = request.get_data(as_text=True) if request.mimetype.endswith("urlencoded") else None
    verify_oauth(
        request.method,
        request.root_url.rstrip("/") + quote(request.path),
        request.query_string.decode("ascii", "replace"),
        request.headers.get("Authorization"),
        form or None,
        state.credentials[PLATFORM],
    )
    if state.is_revoked(PLATFORM):
        raise XError(401, "UNAUTHORIZED_ACCESS", "This request is not properly authenticated")
    account = values.get("account_id")
    if account is not None and account != state.credential(PLATFORM, "account_id"):
        raise XError(404, "NOT_FOUND", f"Account {account} not found or not accessible")


def answer(data: Any, status: int = 200, **extra: Any) -> Response:
    response = jsonify({"request": {"params": params()}, "data": data, **extra})
    response.status_code = status
    return response


def _x_error(error: XError) -> Response:
    response = jsonify(error.body(params()))
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _render_fault(kind: str, plan: FaultPlan) -> Response:
    if kind == RATE_LIMIT:
        reset = str(int(time.time() + plan.retry_after_s))
        code = "TWEET_RATE_LIMIT_EXCEEDED" if plan.variant == "tweet" else "TOO_MANY_REQUESTS"
        headers = {
            "x-rate-limit-limit": str(WRITE_LIMIT),
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": reset,
        }
        if request.method == "GET":  # account-level limits apply to reads only
            headers.update(
                {
                    "x-account-rate-limit-limit": "10000",
                    "x-account-rate-limit-remaining": "0",
                    "x-account-rate-limit-reset": reset,
                }
            )
        return _x_error(XError(429, code, "Rate limit exceeded", headers=headers))
    if plan.variant == "500":
        return _x_error(XError(500, "INTERNAL_ERROR", "Internal error"))
    return _x_error(
        XError(
            503,
            "SERVICE_UNAVAILABLE",
            "Service unavailable due to request timeout; please try the request again later",
            headers={"retry-after": str(plan.retry_after_s)},
        )
    )


def _rate_headers(response: Response) -> Response:
    if "x-rate-limit-reset" not in response.headers:
        reset = str(int(time.time()) + 900)
        response.headers["x-rate-limit-limit"] = str(WRITE_LIMIT)
        response.headers["x-rate-limit-remaining"] = str(WRITE_LIMIT - 1)
        response.headers["x-rate-limit-reset"] = reset
        if request.method == "GET":
            response.headers["x-account-rate-limit-limit"] = "10000"
            response.headers["x-account-rate-limit-remaining"] = "9999"
            response.headers["x-account-rate-limit-reset"] = reset
    response.headers["x-current-api-version"] = g.get("x_version", "11")
    return response


# --------------------------------------------------------------------------- views


def _account(account_id: str) -> Response:
    return answer(objects.account(account_id))


def _funding_instruments(account_id: str) -> Response:
    return answer(objects.funding_instruments(account_id), next_cursor=None)


def _collection(account_id: str, collection: str) -> Response:
    if request.method == "POST" and collection == "cards":  # JSON body only, as X documents
        return answer(objects.create_card(account_id, request.get_json(silent=True)))
    if request.method == "POST" and collection == "media_library":
        return answer(objects.add_to_media_library(account_id, params()))
    if request.method == "POST":
        return answer(objects.create(account_id, collection, params()))
    data, cursor = objects.list_collection(account_id, collection, params())
    return answer(data, next_cursor=cursor)


def _entity(account_id: str, collection: str, object_id: str) -> Response:
    if request.method == "GET":
        return answer(objects.get(account_id, collection, object_id))
    if request.method == "DELETE":
        return answer(objects.delete(account_id, collection, object_id))
    return answer(objects.update(account_id, collection, object_id, params()))


def _tweet(account_id: str) -> Response:
    return answer(objects.create_tweet(account_id, params()))


def _users(account_id: str, object_id: str) -> Response:
    return answer(objects.audience_users(account_id, object_id, request.get_json(silent=True)))


def _batch_targeting(account_id: str) -> Response:
    return answer(objects.batch_targeting(account_id, request.get_json(silent=True)))


def _locations() -> Response:
    return answer(objects.locations(params()), next_cursor=None)


def _stats(account_id: str) -> Response:
    # Synchronous analytics has its own user-level limit (x_stats.LIMIT), told in x-rate-limit-*.
    wait = x_stats.take_quota()
    reset = str(int(time.time()) + (wait or x_stats.LIMIT.window_s))
    used = get_state().quotas.used(x_stats.BUCKET)
    headers = {
        "x-rate-limit-limit": str(x_stats.LIMIT.calls),
        "x-rate-limit-remaining": str(max(0, x_stats.LIMIT.calls - used)),
        "x-rate-limit-reset": reset,
    }
    if wait is not None:
        headers["x-rate-limit-remaining"] = "0"
        raise XError(429, "TOO_MANY_REQUESTS", "Rate limit exceeded", headers=headers)
    try:
        data, extra = x_stats.stats(account_id, params())
    except XError as error:
        error.headers.update(headers)  # a refused call still counts, and says so
        raise
    response = answer(data, **extra)
    response.headers.update(headers)
    return response
