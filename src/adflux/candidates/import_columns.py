"""A batch of raw cells validated a whole column at a time in Arrow: the fast path of an import.

Each column is checked by a vectorised test that only vouches for cells in a plain form (an
ASCII email, a phone of digits and spaces, a name without surrounding spaces, ...); the columns
with few distinct values (city, age, consent, ...) are dictionary-encoded and each distinct value
is read once by the very parser ``import_validation`` uses. A row any test cannot vouch for, valid
or not, goes through ``import_validation.validate_batch``: the rules stay in one place, and a
refused row is reported with the same line, field and reason whichever path it took.

The result is a table of stored values in the staging table's order and types (lists as JSON
text, timestamps as ISO 8601 text with their offset), which ``import_writing`` sends to
PostgreSQL as COPY CSV without a Python loop per row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from adflux.candidates.import_reading import Cells, RawBatch, RowError
from adflux.candidates.import_validation import (
    DISTINCT_PARSERS,
    EMPTY_LISTS,
    NULLABLE,
    SALARY_MAX_COP,
    TEXT_LIMITS,
    SeenKeys,
    ValidBatch,
    check_distinct,
    empty_rule,
    validate_batch,
)

if TYPE_CHECKING:
    import pyarrow as pa

# The characters str.strip() removes (str.isspace()), as an RE2 class: a cell that begins or ends
# with one is not plain, and is checked by the per-row rules, which strip it.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_WHITESPACE) + "]"
_EDGE_SPACE = f"^{_SPACE_CLASS}|{_SPACE_CLASS}$"
# Printable ASCII but '@': no space, control character, NUL or non-ASCII letter (those emails
# need Unicode normalisation and go the per-row way). The per-row rule is _EMAIL in
# import_validation, on the lower-cased address.
_PLAIN_EMAIL = r"^[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+$"
_PLAIN_PHONE = r"^\+?[0-9 ()-]{7,20}$"
_PLAIN_WHOLE = r"^[0-9]{1,11}$"
# import_validation.parse_timestamp's forms that Python and PostgreSQL read alike: a day, or a
# day and time with seconds (and microseconds) and an offset.
_PLAIN_DAY = r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_PLAIN_TIME = (
    r"[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])"
)
_BOGOTA_MIDNIGHT = "T00:00:00-05:00"


@dataclass
class ColumnBatch:
    """The valid rows of a batch: their lines, and their stored values as an Arrow table."""

    lines: list[int]
    table: pa.Table

    def __len__(self) -> int:
        return len(self.lines)

    def values(self, name: str) -> list[Any] | None:
        """A column as Python values (None when the file lacks it)."""
        if name not in self.table.column_names:
            return None
        return self.table.column(name).to_pylist()


def arrow_types() -> dict[str, pa.DataType]:
    """The Arrow type of each candidate column in a ColumnBatch (lists are JSON text)."""
    import pyarrow as pa

    return {
        "external_ref": pa.string(),
        "full_name": pa.string(),
        "email": pa.string(),
        "phone": pa.string(),
        "age": pa.int64(),
        "city": pa.string(),
        "department": pa.string(),
        "education_level": pa.string(),
        "years_experience": pa.float64(),
        "area": pa.string(),
        "desired_salary_cop": pa.int64(),
        "remote_preference": pa.string(),
        "languages": pa.string(),
        "skills": pa.string(),
        # ISO 8601 with its offset: what PostgreSQL reads (Arrow would format it 30 times slower).
        "last_active_at": pa.string(),
        "marketing_consent": pa.bool_(),
    }


def validate_columns(raw: RawBatch) -> tuple[ColumnBatch, list[RowError]]:
    """The valid rows of the batch as stored values, and the errors of the others (plus the
    unreadable rows), exactly as ``validate_batch`` finds them."""
    import pyarrow as pa

    count = len(raw.lines)
    types = arrow_types()
    plain = np.ones(count, dtype=bool)
    stored: dict[str, pa.Array] = {}
    for name, cells in raw.columns.items():
        text, convertible = _arrow_text(cells)
        plain &= convertible
        if name in _CELL_COLUMNS:
            values, ok = _CELL_COLUMNS[name](text)
        else:
            values, ok = _distinct_column(name, text, types[name])
        plain &= ok.to_numpy(zero_copy_only=False)
        stored[name] = values
    fast = pa.table(stored)
    if plain.all():
        return ColumnBatch(list(raw.lines), fast), list(raw.refused)
    # The rows no vectorised test vouched for: the per-row rules decide, and say why.
    others = np.flatnonzero(~plain).tolist()
    subset = RawBatch(
        [raw.lines[i] for i in others],
        {name: _take(cells, others) for name, cells in raw.columns.items()},
        list(raw.refused),
    )
    checked, errors = validate_batch(subset)
    fast_rows = fast.filter(pa.array(plain))
    fast_lines = [line for line, keep in zip(raw.lines, plain.tolist(), strict=True) if keep]
    if not len(checked):
        return ColumnBatch(fast_lines, fast_rows), errors
    merged = pa.concat_tables([fast_rows, _from_python(checked, fast.schema)])
    lines = fast_lines + checked.lines
    order = np.argsort(np.asarray(lines), kind="stable")
    return (
        ColumnBatch(np.asarray(lines)[order].tolist(), merged.take(pa.array(order))),
        errors,
    )


def refuse_repeats(seen: SeenKeys, batch: ColumnBatch) -> tuple[ColumnBatch, list[RowError]]:
    """The batch without rows whose ref or email an earlier row of the file used."""
    import pyarrow as pa

    keys = {name: batch.values(name) for name in ("external_ref", "email")}
    bad, errors = seen.repeated_rows(batch.lines, keys)
    if not bad:
        return batch, errors
    keep = np.ones(len(batch), dtype=bool)
    keep[sorted(bad)] = False
    lines = [line for line, kept in zip(batch.lines, keep.tolist(), strict=True) if kept]
    return ColumnBatch(lines, batch.table.filter(pa.array(keep))), errors


# --------------------------------------------------------------------------- columns


def _take(cells: Cells, indices: list[int]) -> list[str | None]:
    if isinstance(cells, list):
        return [cells[i] for i in indices]
    return cells.take(indices).to_pylist()


def _arrow_text(cells: Cells) -> tuple[pa.Array, np.ndarray]:
    """The cells as an Arrow string array (None read as ""), and which of them could be
    converted: a line that was not UTF-8 holds lone surrogates, which Arrow refuses."""
    import pyarrow as pa
    import pyarrow.compute as pc

    convertible = np.ones(len(cells), dtype=bool)
    if not isinstance(cells, list):
        text = cells
    else:
        try:
            text = pa.array(cells, pa.string())
        except UnicodeEncodeError:
            text, convertible = _without_surrogates(cells)
    if text.null_count:  # a Parquet column's missing values: empty cells, as in a CSV
        text = pc.fill_null(text, "")
    return text, convertible


def _without_surrogates(cells: list[str | None]) -> tuple[pa.Array, np.ndarray]:
    """The cells with those that cannot be UTF-8 emptied, and which ones those were."""
    import pyarrow as pa

    convertible = np.fromiter(
        (c is None or c.isascii() or _encodes(c) for c in cells), dtype=bool, count=len(cells)
    )
    text = pa.array(
        [c if ok else "" for c, ok in zip(cells, convertible.tolist(), strict=True)],
        pa.string(),
    )
    return text, convertible


def _encodes(cell: str) -> bool:
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _distinct_column(
    name: str, text: pa.Array, kind: pa.DataType
) -> tuple[pa.Array, pa.BooleanArray]:
    """Each distinct raw value read once by the per-row parser, then spread over the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary.to_pylist()
    parsed, problems = check_distinct(distinct, DISTINCT_PARSERS[name], empty=empty_rule(name))
    valid = np.ones(len(distinct), dtype=bool)
    valid[[index for index, _reason in problems]] = False
    if name in EMPTY_LISTS:
        parsed = [None if v is None else json.dumps(v, ensure_ascii=False) for v in parsed]
    values = pa.array(parsed, kind).take(encoded.indices)
    ok = pa.array(valid).take(encoded.indices)
    return values, ok


def _no_edge_space(text: pa.Array) -> pa.BooleanArray:
    import pyarrow.compute as pc

    return pc.invert(pc.match_substring_regex(text, _EDGE_SPACE))


def _nulls_for_empty(text: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.if_else(pc.equal(text, ""), None, text)


def _free_text(name: str) -> Callable[[pa.Array], tuple[pa.Array, pa.BooleanArray]]:
    limit = TEXT_LIMITS[name]
    required = name not in NULLABLE

    def check(text: pa.Array) -> tuple[pa.Array, pa.BooleanArray]:
        import pyarrow.compute as pc

        length = pc.utf8_length(text)
        ok = pc.and_(
            pc.and_(pc.less_equal(length, limit), _no_edge_space(text)),
            pc.invert(pc.match_substring(text, "\x00")),
        )
        if required:
            ok = pc.and_(ok, pc.greater(length, 0))
        return _nulls_for_empty(text), ok

    return check


def _email(text: pa.Array) -> tuple[pa.Array, pa.BooleanArray]:
    import pyarrow.compute as pc

    ok = pc.and_(
        pc.match_substring_regex(text, _PLAIN_EMAIL),
        pc.less_equal(pc.binary_length(text), 254),
    )
    return pc.ascii_lower(text), ok


def _phone(text: pa.Array) -> tuple[pa.Array, pa.BooleanArray]:
    import pyarrow.compute as pc

    matched = pc.and_(pc.match_substring_regex(text, _PLAIN_PHONE), _no_edge_space(text))
    return _nulls_for_empty(text), pc.or_(pc.equal(text, ""), matched)


def _salary(text: pa.Array) -> tuple[pa.Array, pa.BooleanArray]:
    import pyarrow as pa
    import pyarrow.compute as pc

    whole = pc.match_substring_regex(text, _PLAIN_WHOLE)
    # Only the cells that are digits are cast; the others become null (and are not plain).
    numbers = pc.cast(pc.if_else(whole, text, None), pa.int64())
    ok = pc.or_(pc.equal(text, ""), pc.and_(whole, pc.less_equal(numbers, SALARY_MAX_COP)))
    return numbers, pc.fill_null(ok, False)


def _text_list(low: int, high: int) -> Callable[[pa.Array], tuple[pa.Array, pa.BooleanArray]]:
    """Items separated by '|' (import_validation's _text_list) as JSON text, written as
    json.dumps writes it: plain items hold no quote, backslash or control character."""
    item = rf'[^|"\\\x00-\x1f]{{{low},{high}}}'
    plain = f"^({item}(\\|{item})*)?$"
    spaced_item = f"(^|\\|){_SPACE_CLASS}|{_SPACE_CLASS}($|\\|)"

    def check(text: pa.Array) -> tuple[pa.Array, pa.BooleanArray]:
        import pyarrow.compute as pc

        ok = pc.and_(
            pc.and_(
                pc.match_substring_regex(text, plain),
                pc.invert(pc.match_substring_regex(text, spaced_item)),
            ),
            pc.invert(pc.starts_with(text, "[")),  # a JSON list, read by the per-row rule
        )
        joined = pc.binary_join_element_wise(
            '["', pc.replace_substring(text, "|", '", "'), '"]', ""
        )
        return pc.if_else(pc.equal(text, ""), "[]", joined), ok

    return check


def _timestamp(text: pa.Array) -> tuple[pa.Array, pa.BooleanArray]:
    """ISO 8601 timestamps with an offset, or days (midnight in Bogotá), kept as text that
    PostgreSQL reads to the same instant; Arrow's strict parse vouches for the calendar."""
    import pyarrow as pa
    import pyarrow.compute as pc

    day = pc.match_substring_regex(text, f"^{_PLAIN_DAY}$")
    ok = pc.match_substring_regex(text, f"^{_PLAIN_DAY}{_PLAIN_TIME}$")
    full = pc.if_else(day, pc.binary_join_element_wise(text, _BOGOTA_MIDNIGHT, ""), text)
    try:
        pc.cast(pc.if_else(pc.or_(day, ok), full, None), pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:  # a day that no calendar has (2025-02-30): the per-row rule says so
        return _nulls_for_empty(text), pc.equal(text, "")
    return _nulls_for_empty(full), pc.or_(pc.equal(text, ""), pc.or_(day, ok))


_CELL_COLUMNS: dict[str, Callable[[pa.Array], tuple[pa.Array, pa.BooleanArray]]] = {
    "external_ref": _free_text("external_ref"),
    "full_name": _free_text("full_name"),
    "email": _email,
    "phone": _phone,
    "desired_salary_cop": _salary,
    "languages": _text_list(2, 10),
    "skills": _text_list(1, 60),
    "last_active_at": _timestamp,
}


def _from_python(batch: ValidBatch, schema: pa.Schema) -> pa.Table:
    """Rows the per-row rules accepted, as the same Arrow columns as the vectorised ones."""
    import pyarrow as pa

    columns = {}
    for field in schema:
        values = batch.columns[field.name]
        if field.name in EMPTY_LISTS:
            values = [json.dumps(v, ensure_ascii=False) for v in values]
        elif field.name == "last_active_at":
            values = [None if v is None else v.isoformat() for v in values]
        columns[field.name] = pa.array(values, field.type)
    return pa.table(columns, schema=schema)


def python_values(batch: ColumnBatch) -> dict[str, list[Any]]:
    """The batch's columns as the per-row rules give them (lists as lists, timestamps in UTC)."""
    columns: dict[str, list[Any]] = {}
    for name in batch.table.column_names:
        values = batch.table.column(name).to_pylist()
        if name in EMPTY_LISTS:
            values = [json.loads(v) for v in values]
        elif name == "last_active_at":
            values = [
                None if v is None else datetime.fromisoformat(v).astimezone(UTC) for v in values
            ]
        columns[name] = values
    return columns
