"""Liveness, readiness and metrics, outside /api/v1 and without a token."""

from __future__ import annotations

import os
import time

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.wrappers import Response

from adflux.background.broker import queue_depth
from adflux.extensions import db
from adflux.metrics import REQUEST_SECONDS
from adflux.operations.collector import DeploymentCollector

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when the database answers, and the broker and the pace store, where configured."""
    settings = current_app.config["ADFLUX_SETTINGS"]
    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError:
        checks["database"] = "unreachable"
    if not settings.is_embedded:
        try:
            queue_depth(current_app.extensions["celery"])
            checks["broker"] = "ok"
        except Exception:  # kombu raises several types for "broker down"
            checks["broker"] = "unreachable"
    if settings.pace_store_url:
        checks["pace_store"] = "ok" if _redis_answers(settings.pace_store_url) else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ok" if ready else "unavailable", **checks}), 200 if ready else 503


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus exposition: this deployment's processes' counters and its current state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)  # every gunicorn process's counters, summed
    else:
        counted = REGISTRY
    state = CollectorRegistry()
    state.register(
        DeploymentCollector(
            db_session=db.session,
            settings=current_app.config["ADFLUX_SETTINGS"],
            celery_app=current_app.extensions["celery"],
        )
    )
    body = generate_latest(counted) + generate_latest(state)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def time_requests(app: Flask) -> None:
    """Each request's duration in REQUEST_SECONDS, by its route's template (not its URL: ids
    would make a series per campaign)."""

    @app.before_request
    def _started() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _answered(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
            REQUEST_SECONDS.labels(route, request.method, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response
