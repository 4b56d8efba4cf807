"""Emulated Meta Graph / Marketing API (v23.0+): what facebook-business sends, answered Meta's way.

Requests: `access_token` and `appsecret_proof` in the query string, form-encoded bodies whose
dict/list/bool values are JSON-encoded. Answers: `{"id": ...}`, `{"data": [...], "paging": ...}`,
Graph error bodies, and usage headers on every response (research/platforms.md §1.1, §4.1, §8).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from adflux.sandbox import meta_objects as objects
from adflux.sandbox import meta_reports as reports
from adflux.sandbox.common import get_state, install_faults
from adflux.sandbox.faults import RATE_LIMIT, FaultPlan
from adflux.sandbox.meta_rules import GraphError, invalid

PLATFORM = "meta"
VERSION = re.compile(r"^v(\d+)\.(\d+)$")
OLDEST_VERSION = (23, 0)

# Throttling answers per variant: (code, subcode, message). Messages from Meta's error reference.
THROTTLES: dict[str, tuple[int, int | None, str]] = {
    "4": (4, None, "(#4) Application request limit reached"),
    "17": (17, 2446079, "(#17) User request limit reached"),
    "613": (
        613,
        1487742,
        "(#613) There have been too many calls from this ad-account. Please wait a bit and try "
        "again.",
    ),
    "80000": (
        80000,
        2446079,
        "There have been too many calls from this ad-account. Wait a bit "
        "and try again. (ads_insights)",
    ),
    "80003": (
        80003,
        2446079,
        "There have been too many calls for this ad-account. Wait a bit "
        "and try again. (custom_audience)",
    ),
    "80004": (
        80004,
        2446079,
        "There have been too many calls to this ad-account. Wait a bit and try again. For more "
        "info, please refer to https://developers.facebook.com/docs/graph-api/overview/"
        "rate-limiting#ads-management.",
    ),
}
BUC_TYPES = {"80000": "ads_insights", "80003": "custom_audience", "80004": "ads_management"}


class GraphVersion(BaseConverter):
    """Only `vNN.N` path segments are Graph versions, so X's `/11/...` never lands here."""

    regex = r"v\d+\.\d+"


def _register_converter(setup: BlueprintSetupState) -> None:
    setup.app.url_map.converters.setdefault("graph_version", GraphVersion)


def make_blueprint() -> Blueprint:
    bp = Blueprint("meta", __name__)
    # Registered before the rules that use it (deferred setup runs in order).
    bp.record_once(_register_converter)
    install_faults(bp, PLATFORM, _render_fault)
    methods = ["GET", "POST", "DELETE"]
    bp.add_url_rule("/<graph_version:version>/<node>", view_func=_node, methods=methods)
    # The SDK's api_get/api_update call ('<id>', '') and so send a trailing slash.
    bp.add_url_rule("/<graph_version:version>/<node>/", view_func=_node, methods=methods)
    bp.add_url_rule("/<graph_version:version>/<node>/<edge>", view_func=_edge, methods=methods)
    bp.add_url_rule("/_sandbox/meta/adimages/<image_hash>", view_func=_image)
    bp.register_error_handler(GraphError, _graph_error)
    bp.after_request(_usage_headers)
    return bp


# --------------------------------------------------------------------------- request plumbing


def _decode(value: str) -> Any:
    # The SDK JSON-encodes dicts, lists and bools (`_top_level_param_json_encode`); Graph decodes.
    if value[:1] in "[{" or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _params() -> dict[str, Any]:
    merged = {**request.args.to_dict(), **request.form.to_dict()}
    return {key: _decode(value) for key, value in merged.items()}


def _authenticate(version: str, params: dict[str, Any]) -> None:
    match = VERSION.match(version)
    if match is None:
        abort(404)
    if (int(match[1]), int(match[2])) < OLDEST_VERSION:
        raise GraphError(
            f"(#2635) You are calling a deprecated version of the Ads API. Please update to the "
            f"latest version: v{OLDEST_VERSION[0]}.0.",
            code=2635,
        )
    state = get_state()
    token = params.pop("access_token", None)
    proof = params.pop("appsecret_proof", None)
    if not token:
        raise GraphError(
            "An active access token must be used to query information about the current user.",
            code=2500,
        )
    if state.is_revoked(PLATFORM):
        raise GraphError(
            "Error validating access token: The session has been invalidated because the user "
            "changed their password or Facebook has changed the session for security reasons.",
            code=190,
            subcode=460,
        )
    if not hmac.compare_digest(str(token), state.credential(PLATFORM, "access_token")):
        raise GraphError("Invalid OAuth access token - Cannot parse access token", code=190)
    secret = state.credentials[PLATFORM].get("app_secret")
    if secret:
        expected = hmac.new(secret.encode(), str(token).encode(), hashlib.sha256).hexdigest()
        if not proof:
            raise GraphError("API calls from the server require an appsecret_proof argument")
        if not hmac.compare_digest(str(proof), expected):
            raise GraphError("Invalid appsecret_proof provided in the API argument")


def _account_number(node: str) -> str:
    configured = get_state().credential(PLATFORM, "ad_account_id")
    if node != configured:
        raise objects.missing(node)
    return configured.removeprefix("act_")


# --------------------------------------------------------------------------- views


def _node(version: str, node: str):
    params = _params()
    _authenticate(version, params)
    if node.startswith("act_"):
        number = _account_number(node)
        if request.method != "GET":
            raise invalid("Unsupported request on an ad account node")
        return jsonify(objects.account(number, params))
    if request.method == "GET":
        return jsonify(objects.read(node, params))
    if request.method == "DELETE":
        return jsonify(objects.update(node, {"status": "DELETED"}))
    return jsonify(objects.update(node, params))


def _edge(version: str, node: str, edge: str):
    params = _params()
    _authenticate(version, params)
    if node.startswith("act_"):
        number = _account_number(node)
        if edge == "insights" and request.method == "GET":
            wait = reports.take_quota()
            if wait is not None:
                return _throttle(FaultPlan(variant="80000", retry_after_s=wait))
            return jsonify(reports.account_insights(number, params, request.base_url))
        if request.method == "POST":
            return jsonify(objects.create(number, edge, params, _image_bytes(params, edge)))
        if request.method == "GET":
            return jsonify(objects.list_edge(number, edge, params, request.base_url))
        raise invalid(f"Unsupported {request.method} request on /{edge}")
    if edge == "insights" and request.method == "GET":
        return jsonify(objects.insights(node, params))
    if edge == "users" and request.method in ("POST", "DELETE"):
        return jsonify(objects.users(node, params, remove=request.method == "DELETE"))
    if request.method == "GET":
        return jsonify(objects.node_edge(node, edge, params, request.base_url))
    raise invalid(f"Unsupported {request.method} request on /{edge}")


def _image_bytes(params: dict[str, Any], edge: str) -> bytes | None:
    if edge != "adimages":
        return None
    if "bytes" in params:
        try:
            return base64.b64decode(str(params.pop("bytes")), validate=True)
        except ValueError:
            raise invalid("Param bytes must be base64 encoded", "bytes") from None
    upload = next(iter(request.files.values()), None)
    return upload.read() if upload is not None else None


def _image(image_hash: str):
    for obj in get_state().store.find(PLATFORM, "adimage", hash=image_hash):
        content = get_state().store.get_blob(obj["_blob"]) or b""
        return Response(
            content, mimetype="image/png" if content[:4] == b"\x89PNG" else "image/jpeg"
        )
    abort(404)


# --------------------------------------------------------------------------- answers


def _graph_error(error: GraphError):
    response = jsonify(error.body(secrets.token_urlsafe(12)))
    response.status_code = error.http_status
    return response


def _render_fault(kind: str, plan: FaultPlan) -> Response:
    if kind == RATE_LIMIT:
        return _throttle(plan)
    if plan.variant == "2":
        error = GraphError(
            "(#2) Service temporarily unavailable", code=2, is_transient=True, http_status=503
        )
    else:
        error = GraphError(
            "An unknown error has occurred.",
            code=1,
            subcode=99,
            is_transient=True,
            http_status=500,
        )
    return _graph_error(error)


def _throttle(plan: FaultPlan) -> Response:
    variant = plan.variant
    if variant not in THROTTLES:
        path = request.path
        variant = "80000" if path.endswith("/insights") else "80004"
        if path.endswith(("/users", "/customaudiences")):
            variant = "80003"
    code, subcode, message = THROTTLES[variant]
    response = _graph_error(
        GraphError(message, code=code, subcode=subcode, is_transient=True, http_status=400)
    )
    minutes = max(1, math.ceil(plan.retry_after_s / 60))
    account = get_state().credential(PLATFORM, "ad_account_id").removeprefix("act_")
    if variant == "613":
        response.headers["X-Ad-Account-Usage"] = json.dumps(
            {
                "acc_id_util_pct": 100,
                "reset_time_duration": plan.retry_after_s,
                "ads_api_access_tier": "standard_access",
            }
        )
    elif variant == "4":
        response.headers["X-App-Usage"] = json.dumps(
            {"call_count": 100, "total_cputime": 40, "total_time": 60}
        )
    else:
        response.headers["X-Business-Use-Case-Usage"] = _buc(
            account, BUC_TYPES.get(variant, "ads_management"), 100, minutes
        )
    return response


def _buc(account: str, kind: str, percent: int, minutes: int) -> str:
    return json.dumps(
        {
            account: [
                {
                    "type": kind,
                    "call_count": percent,
                    "total_cputime": max(1, percent // 4),
                    "total_time": max(1, percent // 3),
                    "estimated_time_to_regain_access": minutes,
                    "ads_api_access_tier": "standard_access",
                }
            ]
        }
    )


def _usage_headers(response: Response) -> Response:
    response.headers.setdefault("x-fb-trace-id", secrets.token_urlsafe(8))
    if "X-Business-Use-Case-Usage" not in response.headers:
        account = get_state().credential(PLATFORM, "ad_account_id").removeprefix("act_")
        response.headers["X-Business-Use-Case-Usage"] = _buc(account, "ads_management", 1, 0)
        response.headers.setdefault(
            "X-App-Usage", json.dumps({"call_count": 1, "total_cputime": 1, "total_time": 1})
        )
    return response
