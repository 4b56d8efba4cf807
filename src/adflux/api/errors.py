"""Every error leaves the API in one JSON shape:
``{"error": {"code": ..., "message": ..., "fields": {...}, "request_id": ...}}``.

The messages are in the reader's language (Accept-Language; Spanish by default); the `code` and
the keys of `fields` are the API's own, for programs.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException, default_exceptions

from adflux.api import field_messages
from adflux.api.blueprint import body_too_large_message
from adflux.db import is_contention
from adflux.errors import AdfluxError
from adflux.i18n.catalogs import N_
from adflux.i18n.http import gettext, request_language
from adflux.i18n.labels import field_label
from adflux.i18n.messages import Message, render

log = logging.getLogger(__name__)

# How a request the schemas refuse is answered, naming the fields by their labels: a service's
# refusal (a business rule) has a message of its own.
SCHEMA_ERROR = N_("the request has invalid fields: %(fields)s")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def error_response(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if "request_id" in g:
        body["request_id"] = g.request_id
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        # RFC 9110 §11.6.1 (and RFC 6750 for bearer tokens): a 401 names the scheme to use.
        response.headers["WWW-Authenticate"] = 'Bearer realm="adflux"'
    return response


def _flatten_webargs(messages: Any) -> dict[str, list[str | Message]]:
    """webargs nests messages by location (json/query/...); callers want field -> messages (a
    schema's own text, or a Message a check raised: refuse_forbidden_narrowing)."""
    fields: dict[str, list[str | Message]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str | Message) for v in value):
            fields.setdefault(prefix or "_schema", []).extend(value)
        else:
            fields.setdefault(prefix or "_schema", []).append(str(value))

    if isinstance(messages, dict):
        for _location, per_field in messages.items():
            walk("", per_field)
    return fields


def _translated_fields(
    fields: dict[str, list[str | Message]], language: str
) -> dict[str, list[str]]:
    return {
        name: [
            message.render(language)
            if isinstance(message, Message)
            else field_messages.translate(message, language)
            for message in messages
        ]
        for name, messages in fields.items()
    }


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    language = request_language()
    data = getattr(error, "data", None) or {}
    given = _flatten_webargs(data.get("messages")) if "messages" in data else None
    fields = _translated_fields(given, language) if given else None
    if status == 422 and fields:
        labels = [field_label(name, language) for name in sorted(fields)]
        message = render(SCHEMA_ERROR, {"fields": ", ".join(labels)}, language)
    elif fields:
        message = "; ".join(m for msgs in fields.values() for m in msgs)
    elif status == 404 and request.url_rule is None:
        # No route matched (an id the routes refuse names its resource itself, see IdConverter).
        message = (
            str(error.description)
            if _described(error)
            else render(N_("nothing at %(path)s"), {"path": request.path}, language)
        )
    elif status == 413 and not _described(error):
        message = body_too_large_message(request.max_content_length or 0)
    else:
        message = _http_message(status, data.get("message") or error.description, language)
    response = error_response(status, _HTTP_CODES.get(status, "http_error"), message, fields)
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def _described(error: HTTPException) -> bool:
    """Whether the exception carries its own description rather than Werkzeug's generic one."""
    return error.description != type(error).description


# What the API says for an HTTP error that carries no message of its own (Werkzeug's generic
# descriptions are English paragraphs meant for browsers).
_HTTP_MESSAGES = {
    400: N_("the request cannot be understood"),
    401: N_("authentication is needed"),
    403: N_("this is not allowed"),
    404: N_("not found"),
    405: N_("this method is not allowed here"),
    409: N_("the request conflicts with the current state"),
    411: N_("send a Content-Length"),
    413: N_("the request body is too large"),
    415: N_("this Content-Type is not accepted here"),
    422: N_("the request cannot be processed"),
    429: N_("too many requests; wait and send this again"),
}


def _http_message(status: int, given: str | None, language: str) -> str:
    """An HTTP error's message in the reader's language: its own text (looked up in the
    catalog, where the API's messages are), or the status's."""
    generic = _HTTP_MESSAGES.get(status)
    werkzeug = default_exceptions.get(status)
    if given and not (generic and werkzeug and given == werkzeug.description):
        return render(given, {}, language)
    return render(generic, {}, language) if generic else str(given or status)


def handle_domain_error(error: AdfluxError) -> Response:
    language = request_language()
    return error_response(
        error.status,
        error.code,
        error.localised(language),
        error.localised_fields(language) or None,
    )


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if isinstance(error, OperationalError):
        if is_contention(error):
            # Concurrent requests held the rows or the file longer than the wait allows: nothing
            # was written, and the same request can simply be sent again.
            log.warning("database busy: %s", type(error.orig).__name__)
            response = error_response(
                503,
                "database_busy",
                gettext("the database is busy with other requests; send this again"),
            )
            response.headers["Retry-After"] = "1"
            return response
        log.error("database unavailable: %s", error.orig)
        return error_response(503, "service_unavailable", gettext("the database is unavailable"))
    if isinstance(error, DataError):
        # A value the schemas let through but the database cannot hold (a NUL character, a number
        # out of range): the request's fault, so 422 rather than a 500.
        log.warning("database refused a value: %s", type(error.orig).__name__)
        return error_response(
            422,
            "validation_error",
            gettext("a value is out of range or contains characters not allowed"),
        )
    log.exception("unhandled error")
    return error_response(500, "internal_error", gettext("an unexpected error occurred"))


def register_error_handlers(app: Flask) -> None:
    # Registered after flask-smorest's own handler so this shape wins for every HTTP error.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(AdfluxError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
