"""Serialising pages of rows without marshmallow's per-field machinery.

A page of 50 jobs is ~1,000 field serialisations; marshmallow spends most of a list request on
them. For schemas made of plain fields the work is "read the attribute, maybe format it", so a
page schema compiles its fields once into one Python function per schema (and per way of reading:
attributes of an entity, keys of a mapping; a page of rows, by their columns' positions, one
function per set of column names), written out field by field, as a person would: no loop, no
call per field where the value already has its JSON type. A field the compiler does not know (a
Method, a message rendered in the reader's language) is serialised by its own ``serialize``, as
marshmallow would, while the rest of its schema stays compiled: one such field in a nested list
must not send a whole page back through marshmallow. A unit test checks the output equals
marshmallow's for every API page schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from itertools import count
from typing import Any

from marshmallow import Schema, fields, missing
from sqlalchemy import Row

_MISSING = object()
Dump = Callable[[Any], dict[str, Any]]

# How a value of each plain field becomes its JSON value: an expression of ``v`` (never None
# here), which keeps a value that already has the type the field would give it.
_EXACT: dict[type[fields.Field], str] = {
    fields.String: "{v} if {v}.__class__ is str else str({v})",
    fields.Email: "{v} if {v}.__class__ is str else str({v})",
    fields.Integer: "{v} if {v}.__class__ is int else int({v})",
    fields.Float: "{v} if {v}.__class__ is float else float({v})",
    fields.Boolean: "{v} if {v}.__class__ is bool else bool({v})",
}


class _Compiler:
    """Writes the source of one schema's dump functions; nested schemas become helpers."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "_MISSING": _MISSING,
            "_missing": missing,
            "Mapping": Mapping,
            "Row": Row,
        }
        self._names = count()

    def helper(self, value: Any) -> str:
        name = f"_h{next(self._names)}"
        self.namespace[name] = value
        return name

    def expression(self, field: fields.Field, v: str) -> str | None:
        """The JSON value of ``v`` (a non-None value of ``field``), or None if not compilable."""
        if isinstance(field, fields.Nested):
            if field.many:
                return f"{self.helper(partial(dump_many, field.schema))}({v})"
            return f"{self.helper(compile_schema(field.schema))}({v})"
        if isinstance(field, fields.List):
            inner = self.expression(field.inner, "x")
            if inner is None:
                return None
            if inner == "x":
                return f"list({v})"
            if isinstance(field.inner, fields.Nested):
                return f"{self.helper(partial(dump_many, field.inner.schema, keep_none=True))}({v})"
            return f"[None if x is None else {inner} for x in {v}]"
        if isinstance(field, fields.DateTime | fields.Date) and field.format in (None, "iso"):
            return f"{v}.isoformat()"
        for kind, template in _EXACT.items():
            # A subclass that only loads differently (TrimmedEmail) writes as its base does.
            if (
                isinstance(field, kind)
                and type(field)._serialize is kind._serialize
                and not getattr(field, "as_string", False)  # Integer(as_string=True): "12"
            ):
                return template.format(v=v)
        if type(field) is fields.Dict:
            if field.key_field is None and field.value_field is None:
                return f"dict({v})"
            keys = self.expression(field.key_field, "k") if field.key_field else "k"
            values = self.expression(field.value_field, "w") if field.value_field else "w"
            if keys is None or values is None:
                return None
            return f"{{{keys}: None if w is None else {values} for k, w in {v}.items()}}"
        return None

    def fields(
        self, schema: Schema
    ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        """The schema's fields written as expressions of ``v`` (key, attribute, expression), and
        those serialised by themselves (key, field name, the helper holding its serialize)."""
        compiled: list[tuple[str, str, str]] = []
        own: list[tuple[str, str, str]] = []
        for name, field in schema.dump_fields.items():
            key, attribute = field.data_key or name, field.attribute or name
            expression = self.expression(field, "v")
            if expression is None or "." in attribute:  # a dotted path: marshmallow's to follow
                own_serialize = partial(field.serialize, accessor=schema.get_attribute)
                own.append((key, name, self.helper(own_serialize)))
            else:
                compiled.append((key, attribute, expression))
        return compiled, own

    def row_function(self, schema: Schema, names: tuple[str, ...]) -> Dump:
        """``dump(row)`` for rows of these column ``names``: each field read by its position, as
        the row holds it (no dict built per row, no lookup per field); a field that is no column
        of the row is left out, as marshmallow leaves out a missing attribute."""
        compiled, own = self.fields(schema)
        position = {name: i for i, name in enumerate(names)}
        lines = ["def dump(o):", "    given = o", "    out = {}"]
        for key, attribute, expression in compiled:
            if attribute in position:
                lines += [
                    f"    v = o[{position[attribute]}]",
                    f"    out[{key!r}] = None if v is None else {expression}",
                ]
        lines += self._own_lines(own)
        lines.append("    return out")
        return self._define("\n".join(lines))

    def _own_lines(self, own: list[tuple[str, str, str]]) -> list[str]:
        # Fields serialised by themselves read the object as given, as marshmallow passes it.
        lines = []
        for key, name, helper in own:
            lines += [
                f"    v = {helper}({name!r}, given)",
                "    if v is not _missing:",
                f"        out[{key!r}] = v",
            ]
        return lines

    def _define(self, source: str) -> Dump:
        # The source is written from the schema's own fields, never from input.
        exec(source, self.namespace)
        return self.namespace["dump"]  # type: ignore[no-any-return]

    def function(self, schema: Schema) -> Dump:
        """``dump(obj)``: attributes of a row or entity, or keys of a mapping, as marshmallow."""
        compiled, own = self.fields(schema)
        # A row (a tuple with names) or a mapping is read as a dict: "in" and [] are bytecode,
        # where getattr is a call per field. Anything else (an entity, a view) by attribute.
        lines = [
            "def dump(o):",
            "    given = o",
            "    out = {}",
            "    if o.__class__ is not dict:",
            "        if isinstance(o, Row):",
            "            o = o._asdict()",
            "        elif isinstance(o, Mapping):",
            "            o = dict(o)",
            "    if o.__class__ is dict:",
            "        pass",
        ]
        for key, attribute, expression in compiled:
            lines += [
                f"        if {attribute!r} in o:",
                f"            v = o[{attribute!r}]",
                f"            out[{key!r}] = None if v is None else {expression}",
            ]
        lines += ["    else:", "        pass"]
        for key, attribute, expression in compiled:
            lines += [
                f"        v = getattr(o, {attribute!r}, _MISSING)",
                "        if v is not _MISSING:",
                f"            out[{key!r}] = None if v is None else {expression}",
            ]
        lines += self._own_lines(own)
        lines.append("    return out")
        return self._define("\n".join(lines))


def dump_many(schema: Schema, items: Any, *, keep_none: bool = False) -> list[Any]:
    """Every item of ``items`` dumped by ``schema``: a page of rows by their columns' positions
    (the rows of one query share their names), anything else one object at a time; with
    ``keep_none`` (a list of nested objects), a None item stays None."""
    if isinstance(items, list) and items and isinstance(items[0], Row):
        dump = compile_rows(schema, items[0]._fields)
    else:
        dump = compile_schema(schema)
    if keep_none:
        return [None if item is None else dump(item) for item in items]
    return [dump(item) for item in items]


_compiled: dict[tuple[int, tuple[str, ...]], Dump] = {}
_compiled_rows: dict[tuple[int, tuple[str, ...], tuple[str, ...]], Dump] = {}


def compile_schema(schema: Schema) -> Dump:
    """``schema``'s compiled dump of one object."""
    key = id(type(schema)), tuple(schema.dump_fields)
    if key not in _compiled:
        _compiled[key] = _Compiler().function(schema)
    return _compiled[key]


def compile_rows(schema: Schema, names: tuple[str, ...]) -> Dump:
    """``schema``'s compiled dump of one row whose columns are ``names``."""
    key = id(type(schema)), tuple(schema.dump_fields), names
    if key not in _compiled_rows:
        _compiled_rows[key] = _Compiler().row_function(schema, names)
    return _compiled_rows[key]


class CompiledDumpSchema(Schema):
    """A schema whose ``dump`` runs its compiled function."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        if self.many if many is None else many:
            return dump_many(self, obj)
        return compile_schema(self)(obj)
