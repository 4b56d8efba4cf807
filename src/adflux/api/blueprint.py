"""The API's blueprint: flask-smorest's, with one request parser that every endpoint shares.

What the parser adds to webargs' own:
- query parameters no schema declares are refused (webargs ignores them by default, so a
  misspelt filter, "?stauts=open", answered with every row as if it had filtered);
- a body that is not JSON is a 415 naming the content type expected (webargs ignored it and
  answered "Missing data" for every field);
- a body streamed without Content-Length (chunked) past ADFLUX_MAX_BODY_BYTES is a 413
  (Werkzeug cuts such a stream at the limit silently, and the cut JSON was a 400);
- JSON nested deeper than MAX_JSON_DEPTH is a 400 (the standard parser recursed into a
  RecursionError, a 500).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import flask
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE, Schema
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from adflux.i18n.http import gettext

F = TypeVar("F", bound=Callable[..., Any])

# Where apispec puts ErrorSchema (named after the class, less "Schema").
ERROR_SCHEMA_REF = "#/components/schemas/Error"

# No API body needs more than three levels (object, list, value); this leaves room and still stops
# a body that is only brackets long before it costs anything.
MAX_JSON_DEPTH = 32


# Endpoints that read their body as a stream while it arrives (a job feed upload): the app-wide
# body limit and the checks that read a whole body first do not apply to them; each sets its own
# limit on the request (ADFLUX_FEED_MAX_BYTES).
STREAMED_BODY_ENDPOINTS = frozenset({"job_feeds.FeedUploads"})


def read_body(req: flask.Request) -> bytes:
    """The request body, with a chunked body over the size limit refused (413)."""
    data = req.get_data(cache=True)
    limit = req.max_content_length
    if (
        limit is not None
        and req.content_length is None
        and len(data) >= limit
        # Werkzeug stops reading at the limit without saying so: look one byte further.
        and req.environ["wsgi.input"].read(1)
    ):
        raise RequestEntityTooLarge(body_too_large_message(limit))
    return data


def body_too_large_message(limit: int) -> str:
    return gettext(
        "the request body is larger than %(limit)s bytes (ADFLUX_MAX_BODY_BYTES)", limit=limit
    )


def _too_deep(value: Any) -> bool:
    """Whether a parsed JSON value nests deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class ApiParser(FlaskParser):
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {  # noqa: RUF012  (as webargs declares it)
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[Schema], Schema] = {}

    def _get_schema(self, argmap: Any, req: flask.Request) -> Schema:
        """One instance per schema class, built once: webargs built one per request, and
        marshmallow copies every declared field into a new instance (a tenth of a list request).
        An instance keeps no state between loads, so the threads of a process share it."""
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)  # type: ignore[no-any-return]

    def _raw_load_json(self, req: flask.Request) -> Any:
        body = read_body(req)
        if not is_json_request(req):
            # A form may have been parsed already (its stream is then read): look at both.
            if not (body or req.form or req.files):
                return core.missing  # no body: the schema says which fields were required
            raise UnsupportedMediaType(
                gettext(
                    "send the body as JSON with 'Content-Type: application/json' (got %(got)s)",
                    got=req.mimetype or gettext("no Content-Type"),
                )
            )
        if not body:
            return core.missing
        try:
            value = core.parse_json(body)
        except json.JSONDecodeError:
            raise  # webargs answers it: invalid JSON body
        except RecursionError:
            _refuse_too_deep()
        except ValueError:
            # Python refuses integers of more than 4,300 digits (CVE-2020-10735) with a ValueError.
            abort(
                400, messages={"json": [gettext("invalid JSON body: a number has too many digits")]}
            )
        if _too_deep(value):
            _refuse_too_deep()
        return value

    def _handle_invalid_json_error(
        self,
        error: json.JSONDecodeError | UnicodeDecodeError,
        req: flask.Request,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        abort(
            400,
            exc=error,
            messages={"json": [gettext("invalid JSON body: %(detail)s", detail=str(error))]},
        )


class Blueprint(SmorestBlueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = ApiParser()

    def rules_response(self, **rules: str) -> Callable[[F], F]:
        """Document the 422 that a request valid by the schema still gets when it breaks a rule
        the schema cannot state (one field against another, against stored rows or today's
        date, against this deployment's platforms): one entry per field the refusal names.

        The rules are listed in the response's description and, for tools, under
        ``x-business-rules`` (field -> rule).
        """
        listed = "; ".join(f"`{field}`: {rule}" for field, rule in rules.items())
        # The whole response, written here: flask-smorest documents the body's own 422 by
        # reference, and a manual doc replaces such a reference instead of merging into it.
        response = {
            "description": f"Invalid fields, or a business rule refused the request: {listed}",
            "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}},
            "x-business-rules": rules,
        }
        return self.doc(responses={"422": response})  # type: ignore[no-any-return]


def _refuse_too_deep() -> NoReturn:
    # Rendered only when refusing: a message rendered for every body cost a tenth of a request.
    abort(
        400,
        messages={
            "json": [
                gettext(
                    "the JSON body is nested more than %(depth)s levels deep",
                    depth=MAX_JSON_DEPTH,
                )
            ]
        },
    )
