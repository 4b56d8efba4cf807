"""Liveness and readiness probes, outside /api/v1 and without a token."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from adflux.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"}), 200
