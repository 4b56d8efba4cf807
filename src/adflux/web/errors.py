"""Error pages for the dashboard (the API keeps its JSON errors for its own routes)."""

from __future__ import annotations

import logging

from flask import jsonify, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from adflux.errors import AdfluxError
from adflux.i18n.catalogs import N_
from adflux.i18n.http import gettext, request_language
from adflux.web.blueprint import bp, wants_json

log = logging.getLogger(__name__)

ERROR_TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    422: N_("Invalid data"),
    500: N_("Unexpected error"),
}


def _page(status: int, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify({"error": {"code": str(status), "message": message}}), status
    title = gettext(ERROR_TITLES.get(status, N_("Unexpected error")))
    return render_template("web/error.html", status=status, title=title, message=message), status


@bp.errorhandler(CSRFError)
def csrf_refused(_error: CSRFError) -> tuple[Response | str, int]:
    return _page(
        400, gettext("The form expired or lacks its security code; reload the page and try again.")
    )


# Registered per status code: Flask prefers code handlers of the blueprint over the app's
# class handler that turns every HTTPException into the API's JSON shape.
@bp.errorhandler(400)
@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(405)
def http_error(error: HTTPException) -> tuple[Response | str, int]:
    return _page(error.code or 500, error.description or "")


@bp.errorhandler(AdfluxError)
def domain_error(error: AdfluxError) -> tuple[Response | str, int]:
    return _page(error.status, error.localised(request_language()))


@bp.errorhandler(Exception)
def unexpected(error: Exception) -> tuple[Response | str, int]:
    if isinstance(error, HTTPException):
        return _page(error.code or 500, error.description or "")
    log.exception("dashboard error")
    return _page(500, "")
