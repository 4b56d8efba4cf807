"""The dashboard blueprint and its gate: every page needs a session, every write a CSRF token
and a role."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, jsonify, redirect, request, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from adflux.auth.service import TOKEN_ACTOR_PREFIX
from adflux.context import actor_var
from adflux.extensions import db
from adflux.i18n.catalogs import N_
from adflux.i18n.http import code_label, gettext
from adflux.web.session import SessionExpired, current_user, required_role

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)
csrf = CSRFProtect()

PUBLIC_ENDPOINTS = frozenset({"web.sign_in", "web.static"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_json() -> bool:
    """The small polling endpoints answer JSON, pages answer HTML."""
    return request.path.endswith(".json")


@bp.before_request
def gate() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method not in READ_METHODS:
            csrf.protect()
        return None
    try:
        user = current_user(db_session=db.session)
    except SessionExpired:
        return _to_sign_in(N_("Your session expired; sign in again."))
    if user is None:
        return _to_sign_in(N_("Sign in to continue."))
    g.web_user = user
    # Audit entries name the token behind the session, as they do for API calls.
    g.actor_token = actor_var.set(f"{TOKEN_ACTOR_PREFIX}{user.name}")
    if request.method not in READ_METHODS:
        csrf.protect()
        needed = required_role(current_app.view_functions.get(request.endpoint or ""))
        if not user.can(needed):
            raise Forbidden(
                gettext(
                    "Your role (%(role)s) cannot do this; it needs %(required)s.",
                    role=code_label("role", user.role.value),
                    required=code_label("role", needed.value),
                )
            )
    return None


# Scripts only from our own files; inline style attributes carry chart colours and bar widths.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@bp.after_request
def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "web.static":
        # Pages show campaign and candidate figures: not for shared caches or the back button
        # of a signed-out browser.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _to_sign_in(message: str) -> Response:
    if wants_json():
        response = jsonify({"error": {"code": "unauthorized", "message": gettext(message)}})
        response.status_code = 401
        return response
    flash(gettext(message), "info")
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("web.sign_in", next=target.rstrip("?") if target else None))
