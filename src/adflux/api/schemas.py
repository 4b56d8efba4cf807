"""The base of every API schema (strict input), and schemas shared by several resources.

Every request schema derives from ``ApiSchema`` (bodies) or ``ArgsSchema`` (query strings), so
the rules of what the API accepts are written once:

- a value has the JSON type its field declares: ``1.5`` or ``"30"`` is not an integer, ``"yes"``
  or ``1`` is not a boolean (marshmallow would coerce all of them);
- no string anywhere holds a NUL character (PostgreSQL cannot store one; SQLite would, and an ad
  name would then carry it to a platform) or an unpaired surrogate (no database encodes one);
- every integer has bounds, declared in the OpenAPI document: a field that declares none gets
  the range of a database ``integer``, so no value reaches the database that it cannot hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter, Map, UnicodeConverter

from adflux.api.fastdump import CompiledDumpSchema
from adflux.db import MAX_ID
from adflux.i18n.catalogs import N_
from adflux.i18n.http import localised, request_language
from adflux.i18n.messages import render

# The widest integer every column holds (PostgreSQL ``integer``): the default bound of a field.
INT_BOUNDS = (-(2**31), 2**31 - 1)
# A page of more than this many rows is refused: part of the API's contract, so a constant here
# (and in the OpenAPI document), not a setting.
PAGE_SIZE_MAX = 200

NUL_MESSAGE = N_("must not contain NUL characters")
NO_NUL_PATTERN = r"^[^\x00]*$"
_INTEGER_TEXT = re.compile(r"-?[0-9]+")
_NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


# What a 404 for an id in a path says, by the resource the route names.
_MISSING = {
    "job": N_("job %(id)s does not exist"),
    "campaign": N_("campaign %(id)s does not exist"),
    "campaign template": N_("campaign template %(id)s does not exist"),
    "candidate": N_("candidate %(id)s does not exist"),
    "candidate import": N_("candidate import %(id)s does not exist"),
    "feed import": N_("feed import %(id)s does not exist"),
    "rule": N_("rule %(id)s does not exist"),
    "segment": N_("segment %(id)s does not exist"),
    "segmentation run": N_("segmentation run %(id)s does not exist"),
}
_MISSING_ANY = N_("%(resource)s %(id)s does not exist")


class IdConverter(BaseConverter):
    """A row id in a URL path, ``<id("job"):job_id>``: 1 to MAX_ID.

    Anything else (too large for the database, negative, not a number) is a 404 that names the
    resource, raised here so it never reaches the database as an integer it cannot hold.
    """

    regex = r"[^/]+"
    part_isolating = True

    def __init__(self, map: Map, resource: str) -> None:
        super().__init__(map)
        self.resource = resource

    def to_python(self, value: str) -> int:
        if _INTEGER_TEXT.fullmatch(value) and 1 <= int(value) <= MAX_ID:
            return int(value)
        # Werkzeug's NotFound, as routing raises it (the request's language is known by then).
        missing = _MISSING.get(self.resource, _MISSING_ANY)
        raise NotFound(
            render(missing, {"resource": self.resource, "id": value}, request_language())
        )

    def to_url(self, value: Any) -> str:
        return str(int(value))


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter with the id range as its default maximum (dashboard paths)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """Werkzeug's default ``string`` converter, refusing a NUL character (%00) like the rest."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def id_in_path(resource: str) -> str:
    """How a route spells a path id of ``resource``: ``f"/<{id_in_path('job')}:job_id>"``."""
    return f'id("{resource}")'


# For a route that does not name its resource; id_in_path("job") makes a 404 say what is missing.
ID_IN_PATH = id_in_path("resource")


def id_param_schema(_converter: IdConverter) -> dict[str, Any]:
    """How the OpenAPI document describes an ``id`` path parameter."""
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def text_param_schema(converter: TextConverter) -> dict[str, Any]:
    """How the OpenAPI document describes a ``string`` path parameter."""
    return {"type": "string", "pattern": f"^{converter.regex}$"}


def _type_problem(field: fields.Field, value: Any, *, text: bool) -> str | None:
    """Why ``value`` is not of the JSON type ``field`` declares, or None when it is."""
    if value is None:
        return None  # allow_none is the field's own business
    if text:
        # Query strings are text: the text must spell the declared type exactly.
        if isinstance(field, fields.Boolean) and value not in ("true", "false"):
            return N_("Not a valid boolean: use true or false.")
        if isinstance(field, fields.Integer) and not _INTEGER_TEXT.fullmatch(str(value)):
            return "Not a valid integer."
        if isinstance(field, fields.Number) and not _NUMBER_TEXT.fullmatch(str(value)):
            return "Not a valid number."
        return None
    if isinstance(field, fields.Boolean) and not isinstance(value, bool):
        return N_("Not a valid boolean: send true or false, not a string or a number.")
    if isinstance(field, fields.Integer) and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        return N_("Not a valid integer: send a JSON integer, not a string or a decimal.")
    if isinstance(field, fields.Number) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return N_("Not a valid number: send a JSON number, not a string.")
    if isinstance(field, fields.String) and not isinstance(value, str):
        return "Not a valid string."
    return None


def _encodable(value: str) -> None:
    """Text without an unpaired UTF-16 surrogate: JSON's "\\ud800" escape decodes to one, which
    no database encodes (a 500 there). Not in the document: a JSON Schema string is Unicode
    text, which has no such characters, so no generator sends one."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            N_("must not contain unpaired surrogates (\\ud800-\\udfff)")
        ) from None


def _utc_representable(value: datetime) -> None:
    """A moment that exists in UTC between years 1 and 9999 (what every backend stores)."""
    if value.tzinfo is None:
        return
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(N_("must fall between the years 1 and 9999 in UTC")) from None


def _all_values(data: Mapping[str, Any], key: str) -> list[Any]:
    """Every value a query string gives ``key`` (webargs' proxy shows the first of a scalar)."""
    multidict = getattr(data, "data", data)
    getlist = getattr(multidict, "getlist", None)
    return list(getlist(key)) if getlist else [data[key]]


def _has_bounds(field: fields.Field) -> bool:
    return any(
        isinstance(v, validate.Range) and v.min is not None and v.max is not None
        for v in field.validators
    )


def _declare_limits(field: fields.Field) -> None:
    """Add what every field of its kind must hold: bounded integers, storable text and times.

    Added as validators: bounds and the no-NUL pattern appear in the OpenAPI document. Added once:
    marshmallow binds the fields again for every schema instance, and their validator lists are
    shared with the class's (a second copy per instance made every request slower than the last).
    """
    if field.dump_only:
        return
    if isinstance(field, fields.List):
        _declare_limits(field.inner)
    elif isinstance(field, fields.Integer):
        if not _has_bounds(field):
            # No bounds of its own: the range of a database integer, which every column holds.
            field.validators.append(validate.Range(*INT_BOUNDS))
    elif isinstance(field, fields.String):
        if not any(isinstance(v, validate.Regexp) for v in field.validators):
            # A field with a pattern of its own lists the characters it takes; NUL is not one.
            field.validators.append(validate.Regexp(NO_NUL_PATTERN, error=NUL_MESSAGE))
        if _encodable not in field.validators:
            field.validators.append(_encodable)
    elif isinstance(field, fields.DateTime) and _utc_representable not in field.validators:
        field.validators.append(_utc_representable)


class MessageText(fields.String):
    """A message in the request's language: a Message, one stored as JSON (or JSON text), or
    the plain text a row kept before its messages were stored so (shown as it was written)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else localised(value)


class ApiSchema(Schema):
    """Base of every schema the API loads: strict JSON types, bounded integers, no NUL."""

    # Query strings carry text, JSON bodies carry typed values; ArgsSchema says which.
    values_are_text: ClassVar[bool] = False

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        _declare_limits(field_obj)

    @pre_load
    def _refuse_loose_values(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, Mapping):
            return data  # marshmallow answers "Invalid input type" itself
        problems: dict[str, Any] = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            if key not in data:
                continue
            value, text = data[key], self.values_are_text
            if text and not isinstance(field, fields.List) and len(_all_values(data, key)) > 1:
                problems[key] = [N_("give one value, not several")]
                continue
            if isinstance(field, fields.List) and isinstance(value, list | tuple):
                # Named by position, as marshmallow names the items it refuses: "skills.1".
                items = {
                    index: [problem]
                    for index, item in enumerate(value)
                    if (problem := _type_problem(field.inner, item, text=text))
                }
                if items:
                    problems[key] = items
            elif problem := _type_problem(field, value, text=text):
                problems[key] = [problem]
        if problems:
            raise ValidationError(problems)
        return data


class ArgsSchema(ApiSchema):
    """Base of query-string schemas: values arrive as text and must spell their type exactly."""

    values_are_text = True


class PageArgsSchema(ArgsSchema):
    limit = fields.Integer(
        validate=validate.Range(min=1, max=PAGE_SIZE_MAX),
        metadata={"description": "page size (default: ADFLUX_PAGE_SIZE_DEFAULT, 50)"},
    )
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


def page_limit(args: dict[str, Any]) -> int:
    default = current_app.config["ADFLUX_SETTINGS"].page_size_default
    return int(args.get("limit") or min(default, PAGE_SIZE_MAX))


class PageMetaSchema(CompiledDumpSchema):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class WarningSchema(Schema):
    """A warning that does not block (adflux.advisories.Advisory): of a campaign, of an audience."""

    code = fields.String(
        required=True, dump_only=True, metadata={"description": "What is warned about"}
    )
    rule = fields.String(required=True, metadata={"description": "The rule: the same as code"})
    field = fields.String(required=True)
    message = MessageText(
        required=True, metadata={"description": "In the request's language (Accept-Language)"}
    )


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    request_id = fields.String()
    # "fields" on the wire; a Schema attribute of that name would shadow Schema.fields.
    field_errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), data_key="fields"
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


def page_body(page: Any) -> dict[str, Any]:
    return {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}
