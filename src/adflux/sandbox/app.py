"""The sandbox's HTTP app: one Flask app routing each platform by path, plus `/_sandbox/` admin.

Platform blueprints live in their own modules, each exposing `make_blueprint() -> Blueprint`.
A module that is not written yet (e.g. the Data Manager emulation) is skipped, so the other
platforms work without it; any other import error is raised.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable

from flask import Blueprint, Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider

from adflux.sandbox.common import EXTENSION_KEY, get_state
from adflux.sandbox.faults import FaultPlan
from adflux.sandbox.market_world import WorldError
from adflux.sandbox.state import SandboxState

log = logging.getLogger(__name__)

# Meta /v26.0/..., X /11/ and /12/ (its uploads /1.1/media/upload.json), TikTok /open_api/v1.3/,
# Google Data Manager /v1/audienceMembers..., Snap /v1/... and its /login/oauth2/access_token.
PLATFORM_MODULES: tuple[str, ...] = (
    "adflux.sandbox.meta",
    "adflux.sandbox.x_ads",
    "adflux.sandbox.x_upload",
    "adflux.sandbox.tiktok",
    "adflux.sandbox.datamanager",
    "adflux.sandbox.snapchat",
)
# Which platform each blueprint speaks for, as the request log names it.
BLUEPRINT_PLATFORMS = {
    "meta": "meta",
    "x_ads": "x",
    "tiktok": "tiktok",
    "sandbox_datamanager": "google",
    "snapchat": "snapchat",
}
ADMIN_BLUEPRINT = "sandbox_admin"


def load_platform_blueprints(modules: Iterable[str] = PLATFORM_MODULES) -> list[Blueprint]:
    """Import each platform module and build its blueprint; skip modules that do not exist."""
    blueprints = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.info("sandbox: %s not available, skipping", name)
            continue
        blueprints.append(module.make_blueprint())
    return blueprints


def create_app(state: SandboxState, *, blueprints: Iterable[Blueprint] | None = None) -> Flask:
    """The WSGI app serving `state`. `blueprints` defaults to every platform module present."""
    app = Flask("adflux.sandbox")
    app.extensions[EXTENSION_KEY] = state
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # platforms answer in their own field order
    app.register_blueprint(admin_blueprint())
    for blueprint in load_platform_blueprints() if blueprints is None else blueprints:
        app.register_blueprint(blueprint)
    app.after_request(_log_request)
    return app


def _log_request(response: Response) -> Response:
    """Record each platform call (admin calls are not platform calls); unrouted paths too."""
    if request.blueprint != ADMIN_BLUEPRINT:
        get_state().requests.record(
            platform=BLUEPRINT_PLATFORMS.get(request.blueprint or "", "unknown"),
            protocol="http",
            method=request.method,
            path=request.path,
            status=response.status_code,
        )
    return response


def admin_blueprint() -> Blueprint:
    """`/_sandbox/...`: health, objects dump, request log, reset, faults, credential revocation,
    clock, and the market's world, job site and on-demand delivery (never its hidden rates)."""
    bp = Blueprint("sandbox_admin", __name__, url_prefix="/_sandbox")

    @bp.get("/health")
    def health():
        return jsonify(status="ok", **get_state().describe())

    @bp.get("/objects")
    def objects():
        dump = get_state().store.dump()
        platform = request.args.get("platform")
        return jsonify({platform: dump.get(platform, [])} if platform else dump)

    @bp.get("/requests")
    def requests_log():
        # ?platform=meta&after=<seq>: the calls one platform received since a known point.
        try:
            after = int(request.args.get("after", 0))
        except ValueError:
            return jsonify(error="after must be an integer (a seq of the log)"), 400
        entries = get_state().requests.entries(platform=request.args.get("platform"), after=after)
        return jsonify(requests=entries)

    @bp.delete("/requests")
    def clear_requests_log():
        get_state().requests.clear(request.args.get("platform"))
        return jsonify(requests=[])

    @bp.post("/reset")
    def reset():
        body = request.get_json(silent=True) or {}
        platform = body.get("platform")
        get_state().reset(platform)
        return jsonify(status="reset", platform=platform)

    @bp.get("/faults")
    def get_faults():
        return jsonify(get_state().faults.plans())

    @bp.post("/faults")
    def set_faults():
        # {"platform": "meta", "rate_limit": 1.0, "times": 1}  or  {"meta": {...}, "x": {...}}
        body = request.get_json(silent=True) or {}
        state = get_state()
        plans = (
            {body.pop("platform"): body}
            if "platform" in body
            else {name: values for name, values in body.items() if isinstance(values, dict)}
        )
        try:
            parsed = {name: FaultPlan.from_dict(values) for name, values in plans.items()}
        except (TypeError, ValueError) as exc:
            return jsonify(error=str(exc)), 400
        for name, plan in parsed.items():
            state.faults.set(name, plan)
        return jsonify(state.faults.plans())

    @bp.delete("/faults")
    def clear_faults():
        get_state().faults.clear(request.args.get("platform"))
        return jsonify(get_state().faults.plans())

    @bp.post("/credentials/revoke")
    def revoke():
        platform = (request.get_json(silent=True) or {}).get("platform")
        state = get_state()
        if platform not in state.credentials:
            return jsonify(error=f"unknown platform {platform!r}"), 400
        state.revoke(platform)
        return jsonify(state.describe())

    @bp.post("/credentials/restore")
    def restore():
        get_state().restore((request.get_json(silent=True) or {}).get("platform"))
        return jsonify(get_state().describe())

    @bp.post("/clock")
    def clock():
        advance = float((request.get_json(silent=True) or {}).get("advance_s", 0))
        offset = get_state().clock.advance(advance)
        get_state().market.outbox.wake()  # the market settles the elapsed time
        return jsonify(offset_s=offset, now=get_state().clock.now())

    @bp.put("/market/world")
    def market_world():
        # The people platforms can reach and the job site's open jobs; replaces the last world.
        try:
            world = get_state().market.set_world(request.get_json(silent=True))
        except WorldError as exc:
            return jsonify(error=str(exc), field=exc.field), 400
        return jsonify(people=len(world.people), jobs=len(world.jobs))

    @bp.put("/market/job-site")
    def market_job_site():
        try:
            get_state().market.set_job_site(request.get_json(silent=True))
        except WorldError as exc:
            return jsonify(error=str(exc), field=exc.field), 400
        return jsonify(status="connected")

    @bp.delete("/market/job-site")
    def market_job_site_disconnect():
        get_state().market.disconnect_job_site()
        return jsonify(status="disconnected")

    @bp.post("/market/deliver")
    def market_deliver():
        return jsonify(get_state().market.outbox.deliver())

    return bp
