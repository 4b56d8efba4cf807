"""Schemas shared by several resources: pagination and the error body."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates
from marshmallow import fields as ma_fields

from adflux.api.fastdump import CompiledDumpSchema

# Primary keys are 32-bit integers on PostgreSQL: a larger id matches nothing, and sending it to
# the database would fail there ("integer out of range") instead of answering 404.
MAX_ID = 2**31 - 1
ID_IN_PATH = f"int(max={MAX_ID})"


class PageArgsSchema(Schema):
    limit = fields.Integer(
        load_default=None, validate=validate.Range(min=1), metadata={"description": "page size"}
    )
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))

    @validates("limit")
    def _within_max(self, value: int | None, **_: Any) -> None:
        maximum = current_app.config["ADFLUX_SETTINGS"].page_size_max
        if value is not None and value > maximum:
            raise ValidationError(f"must be at most {maximum}")


def page_limit(args: dict[str, Any]) -> int:
    return int(args.get("limit") or current_app.config["ADFLUX_SETTINGS"].page_size_default)


class PageMetaSchema(CompiledDumpSchema):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    request_id = ma_fields.String()
    # "fields" on the wire; a Schema attribute of that name would shadow Schema.fields.
    field_errors = ma_fields.Dict(
        keys=ma_fields.String(), values=ma_fields.List(ma_fields.String()), data_key="fields"
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


def page_body(page: Any) -> dict[str, Any]:
    return {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}
