"""Serialising pages of rows without marshmallow's per-field machinery.

A page of 50 jobs is ~1,000 field serialisations; marshmallow spends most of a list request on
them. For schemas made of plain fields the work is "read the attribute, maybe format it", so a
page schema compiles its fields once into (key, attribute, converter) steps and runs those.
Anything the compiler does not know falls back to the field's own ``serialize``, and a unit test
checks the output equals marshmallow's for every API page schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, fields

_MISSING = object()
Converter = Callable[[Any], Any]


def _scalar(kind: type) -> Converter:
    return lambda value: None if value is None else kind(value)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _converter(field: fields.Field) -> Converter | None:
    """A fast converter for ``field``, or None when the field must serialise itself."""
    if isinstance(field, fields.Nested):
        plan = _compile(field.schema)
        if plan is None:
            return None
        if field.many:
            return lambda value: None if value is None else [_run(plan, item) for item in value]
        return lambda value: None if value is None else _run(plan, value)
    if isinstance(field, fields.List):
        inner = _converter(field.inner)
        if inner is None:
            return None
        return lambda value: None if value is None else [inner(item) for item in value]
    if isinstance(field, fields.DateTime | fields.Date) and (field.format in (None, "iso")):
        return _iso
    exact = {
        fields.String: _scalar(str),
        fields.Email: _scalar(str),
        fields.Integer: _scalar(int),
        fields.Float: _scalar(float),
        fields.Boolean: _scalar(bool),
    }
    if type(field) in exact:
        return exact[type(field)]
    if type(field) is fields.Dict and field.key_field is None and field.value_field is None:
        return lambda value: None if value is None else dict(value)
    if type(field) is fields.Dict:
        keys = _converter(field.key_field) if field.key_field else (lambda k: k)
        values = _converter(field.value_field) if field.value_field else (lambda v: v)
        if keys is None or values is None:
            return None
        return lambda value: (
            None if value is None else {keys(k): values(v) for k, v in value.items()}
        )
    return None


Plan = list[tuple[str, str, Converter]]
_plans: dict[int, Plan | None] = {}


def _compile(schema: Schema) -> Plan | None:
    key = id(type(schema)), tuple(sorted(schema.dump_fields))
    cached = _plans.get(hash(key), _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    plan: Plan | None = []
    for name, field in schema.dump_fields.items():
        converter = _converter(field)
        if converter is None:
            plan = None
            break
        assert plan is not None
        plan.append((field.data_key or name, field.attribute or name, converter))
    _plans[hash(key)] = plan
    return plan


def _run(plan: Plan, obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    is_mapping = isinstance(obj, Mapping)
    for key, attribute, convert in plan:
        value = obj.get(attribute, _MISSING) if is_mapping else getattr(obj, attribute, _MISSING)
        if value is not _MISSING:
            out[key] = convert(value)
    return out


class CompiledDumpSchema(Schema):
    """A schema whose ``dump`` runs a compiled plan when every field allows it."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        plan = _compile(self)
        if plan is None:
            return super().dump(obj, many=many)
        if self.many if many is None else many:
            return [_run(plan, item) for item in obj]
        return _run(plan, obj)
