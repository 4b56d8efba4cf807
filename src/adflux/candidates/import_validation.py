"""A batch of raw cells -> candidate values, and a RowError for every cell that is not valid.

The rules are those of POST /api/v1/candidates (api/candidates.py), applied a column at a time:
a column with few distinct values (city, age, consent, ...) is checked once per distinct value,
which is what keeps a million rows fast. ``marketing_consent`` is read strictly: only the words
below count, an empty or unknown value is the row's error, and nothing is ever assumed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np

from adflux.candidates.import_reading import RawBatch, RowError, cell_list
from adflux.candidates.service import normalize_email
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Message
from adflux.vocabulary import EDUCATION_LEVELS, REMOTE_MODES

CONSENT_YES = ("true", "t", "1", "si", "s", "yes", "y", "verdadero")
CONSENT_NO = ("false", "f", "0", "no", "n", "falso")
_CONSENT = {**dict.fromkeys(CONSENT_YES, True), **dict.fromkeys(CONSENT_NO, False)}
LIST_SEPARATOR = "|"
# Dates without a time are days in Colombia (UTC-5 all year, no daylight saving).
BOGOTA = timezone(timedelta(hours=-5))

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()-]{7,20}")
# NUL cannot be stored; lone surrogates are the bytes of a line that was not UTF-8.
_UNSTORABLE = re.compile("[\x00\udc80-\udcff]")


class _Bad(ValueError):
    """A cell's value is not valid; its message is the reason the report gives."""

    def __init__(self, reason: Message):
        super().__init__(reason)
        self.reason = reason


def _longer_than(limit: int) -> Message:
    return Message("longer than %(limit)s characters", limit=limit)


@dataclass
class ValidBatch:
    """The rows of a batch that passed, as columns of stored values, with their line numbers."""

    lines: list[int]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.lines)


# --------------------------------------------------------------------------- single values


def _folded(text: str) -> str:
    """Lower-cased without accents: "Sí" -> "si", "Técnico" -> "tecnico"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_consent(text: str) -> bool:
    value = _CONSENT.get(_folded(text))
    if value is None:
        raise _Bad(
            Message(
                "'%(value)s' is not a yes/no value (use sí/no, true/false or 1/0); consent is "
                "never assumed",
                value=text,
            )
        )
    return value


def _one_of(choices: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        folded = _folded(text)
        if folded not in choices:
            raise _Bad(
                Message(
                    "'%(value)s' is not one of %(valid)s",
                    value=text,
                    valid=Choices(None, list(choices), "or"),
                )
            )
        return folded

    return parse


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                raise _Bad(_not_whole(text)) from None
            if not number.is_integer():
                raise _Bad(_not_whole(text)) from None
            value = int(number)
        if not low <= value <= high:
            raise _Bad(_outside(value, low, high))
        return value

    return parse


def _not_whole(text: str) -> Message:
    return Message("'%(value)s' is not a whole number", value=text)


def _outside(value: object, low: float, high: float) -> Message:
    return Message("%(value)s is outside %(low)s..%(high)s", value=value, low=low, high=high)


def _decimal(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.replace(",", "."))  # "2,5" as Colombian spreadsheets write it
        except ValueError:
            raise _Bad(Message("'%(value)s' is not a number", value=text)) from None
        if not low <= value <= high:  # also refuses NaN
            raise _Bad(_outside(text, low, high))
        return value

    return parse


def _text_list(low: int, high: int) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                raise _Bad(Message("starts with '[' but is not a JSON list")) from None
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise _Bad(Message("is not a JSON list of texts"))
        else:
            items = text.split(LIST_SEPARATOR)
        cleaned = [item.strip() for item in items if item.strip()]
        for item in cleaned:
            if not low <= len(item) <= high:
                raise _Bad(
                    Message(
                        "the item '%(item)s' is not %(low)s to %(high)s characters long",
                        item=item,
                        low=low,
                        high=high,
                    )
                )
        return cleaned

    return parse


def _text(max_length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise _Bad(_longer_than(max_length))
        return text

    return parse


def parse_timestamp(text: str) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=BOGOTA).astimezone(UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(
            Message("'%(value)s' is not an ISO 8601 date or date and time", value=text)
        ) from None
    if value.tzinfo is None:
        raise _Bad(
            Message(
                "'%(value)s' has no UTC offset (write e.g. 2026-03-01T10:00:00-05:00)", value=text
            )
        )
    return value.astimezone(UTC)


# --------------------------------------------------------------------------- columns

Errors = list[tuple[int, Message]]  # (index in the batch, reason)


def check_distinct(
    values: Sequence[str | None],
    parse: Callable[[str], Any],
    *,
    empty: tuple[Any, Message | None],
) -> tuple[list[Any], Errors]:
    """Raw cells checked once per distinct value (a column of a few dozen cities, ages or yes/no):
    stripped, an empty one read as ``empty`` (its value, and the reason it is an error or None)."""
    empty_value, empty_reason = empty
    parsed_of: dict[str | None, Any] = {}
    reasons: dict[str | None, Message] = {}
    for raw in set(values):
        text = raw.strip() if raw is not None else ""
        if not text:
            parsed_of[raw] = empty_value
            if empty_reason is not None:
                reasons[raw] = empty_reason
            continue
        hit = _UNSTORABLE.search(text)
        if hit is not None:
            parsed_of[raw] = None
            reasons[raw] = _unstorable_reason(hit.group())
            continue
        try:
            parsed_of[raw] = parse(text)
        except _Bad as exc:
            parsed_of[raw] = None
            reasons[raw] = exc.reason
    parsed = list(map(parsed_of.__getitem__, values))
    if not reasons:
        return parsed, []
    return parsed, [(i, reasons[v]) for i, v in enumerate(values) if v in reasons]


def _check_each(values: list[str | None], parse: Callable[[str], Any]) -> tuple[list[Any], Errors]:
    parsed: list[Any] = []
    errors: Errors = []
    for index, value in enumerate(values):
        if value is None:
            parsed.append(None)
            continue
        try:
            parsed.append(parse(value))
        except _Bad as exc:
            parsed.append(None)
            errors.append((index, exc.reason))
    return parsed, errors


def _check_text(values: list[str | None], max_length: int) -> tuple[list[Any], Errors]:
    if max(map(len, filter(None, values)), default=0) <= max_length:
        return values, []
    too_long = _longer_than(max_length)
    errors: Errors = [
        (i, too_long) for i, v in enumerate(values) if v is not None and len(v) > max_length
    ]
    return values, errors


def _check_email(values: list[str | None]) -> tuple[list[Any], Errors]:
    # ASCII addresses (nearly all) need no Unicode normalisation: the same result, far sooner.
    emails = [
        None if v is None else v.lower() if v.isascii() else normalize_email(v) for v in values
    ]
    match = _EMAIL.fullmatch
    not_email, too_long = Message("not an email address"), _longer_than(254)
    errors: Errors = [
        (i, not_email if len(e) <= 254 else too_long)
        for i, e in enumerate(emails)
        if e is not None and (len(e) > 254 or match(e) is None)
    ]
    return emails, errors


def _check_phone(values: list[str | None]) -> tuple[list[Any], Errors]:
    match = _PHONE.fullmatch
    not_phone = Message("not a phone number (7 to 20 digits, spaces, '+', '(', ')' or '-')")
    errors: Errors = [
        (i, not_phone) for i, v in enumerate(values) if v is not None and match(v) is None
    ]
    return values, errors


# Limits shared with the vectorised checks (import_columns).
TEXT_LIMITS = {"external_ref": 64, "full_name": 200}
SALARY_MAX_COP = 10_000_000_000

Check = Callable[[list[str | None]], tuple[list[Any], Errors]]

# Columns checked cell by cell (most values distinct), after stripping.
CELL_CHECKS: dict[str, Check] = {
    "external_ref": lambda v: _check_text(v, TEXT_LIMITS["external_ref"]),
    "full_name": lambda v: _check_text(v, TEXT_LIMITS["full_name"]),
    "email": _check_email,
    "phone": _check_phone,
    "desired_salary_cop": lambda v: _check_each(v, _integer(0, SALARY_MAX_COP)),
}
# Columns checked once per distinct raw value.
DISTINCT_PARSERS: dict[str, Callable[[str], Any]] = {
    "age": _integer(14, 100),
    "city": _text(100),
    "department": _text(100),
    "education_level": _one_of(EDUCATION_LEVELS),
    "years_experience": _decimal(0, 70),
    "area": _text(100),
    "remote_preference": _one_of(REMOTE_MODES),
    "languages": _text_list(2, 10),
    "skills": _text_list(1, 60),
    "last_active_at": parse_timestamp,
    "marketing_consent": parse_consent,
}
# Empty cells allowed (stored as none, or an empty list); every other column needs a value.
NULLABLE = ("external_ref", "phone", "years_experience", "desired_salary_cop", "last_active_at")
EMPTY_LISTS = ("languages", "skills")
# Cell-checked columns whose accepted values may hold any character (the phone's and the
# salary's rules already refuse a NUL or a byte that was not UTF-8).
FREE_TEXT = ("external_ref", "full_name", "email")
EMPTY_REASON = {
    "marketing_consent": Message("empty: every row must say sí or no; consent is never assumed"),
}
_NEEDS_A_VALUE = Message("empty: this column needs a value")


def empty_rule(name: str) -> tuple[Any, Message | None]:
    """What an empty cell of a column is: its value, and the reason it is an error (or None)."""
    if name in EMPTY_LISTS:
        return [], None
    if name in NULLABLE:
        return None, None
    return None, EMPTY_REASON.get(name, _NEEDS_A_VALUE)


def validate_batch(raw: RawBatch) -> tuple[ValidBatch, list[RowError]]:
    """The valid rows of the batch, and one error per invalid cell (plus the unreadable rows)."""
    errors: list[RowError] = list(raw.refused)
    bad: set[int] = set()
    columns: dict[str, list[Any]] = {}
    for name, column in raw.columns.items():
        cells = cell_list(column)
        parse = DISTINCT_PARSERS.get(name)
        if parse is not None:
            values, problems = check_distinct(cells, parse, empty=empty_rule(name))
        else:
            cleaned = _clean_cells(cells)
            values, problems = CELL_CHECKS[name](cleaned)
            if name not in NULLABLE:
                problems += [(i, _NEEDS_A_VALUE) for i, v in enumerate(cleaned) if v is None]
            if name in FREE_TEXT:
                problems += _unstorable(cleaned)
        for index, reason in problems:
            bad.add(index)
            errors.append(RowError(raw.lines[index], name, reason))
        columns[name] = values
    if not bad:
        return ValidBatch(raw.lines, columns), errors
    keep = [i for i in range(len(raw.lines)) if i not in bad]
    return (
        ValidBatch(
            [raw.lines[i] for i in keep],
            {name: [values[i] for i in keep] for name, values in columns.items()},
        ),
        errors,
    )


def _clean_cells(cells: Sequence[str | None]) -> list[str | None]:
    """Cells stripped of surrounding spaces; an empty cell is None."""
    if None in cells:  # a Parquet column's missing values
        return [cell or None for cell in map(_strip, cells)]
    return [cell or None for cell in map(str.strip, cells)]  # type: ignore[arg-type]


def _strip(cell: str | None) -> str:
    return cell.strip() if cell is not None else ""


_NUL = Message("contains a NUL character")
_NOT_UTF8 = Message("not UTF-8 text")


def _unstorable_reason(character: str) -> Message:
    return _NUL if character == "\x00" else _NOT_UTF8


def _unstorable(cells: list[str | None]) -> Errors:
    joined = "\x1f".join(filter(None, cells))
    if _UNSTORABLE.search(joined) is None:
        return []
    found: Errors = []
    for index, cell in enumerate(cells):
        if cell is None:
            continue
        hit = _UNSTORABLE.search(cell)
        if hit is not None:
            found.append((index, _unstorable_reason(hit.group())))
    return found


# --------------------------------------------------------------------------- duplicates in a file


_SAME_REF = N_("the same external_ref as line %(line)s; the earlier row is used")
_SAME_EMAIL = N_("the same email (compared lower-cased) as line %(line)s; the earlier row is used")


class SeenKeys:
    """Which external refs and emails earlier rows of the file used, and on which line.

    Kept as sorted 64-bit hashes (with their lines) per batch: 12 bytes a row rather than a Python
    set of a million strings. Two different values sharing a 64-bit hash in one file is a chance
    of about one in 10^7 at a million rows.
    """

    def __init__(self) -> None:
        self._parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}

    def _add(self, name: str, hashes: np.ndarray, lines: np.ndarray) -> None:
        parts = self._parts.setdefault(name, [])
        order = np.argsort(hashes)
        parts.append((hashes[order], lines[order]))
        # Parts of like size are merged (as a log-structured merge does): a batch is looked up
        # in a few parts, not in one per earlier batch.
        while len(parts) >= 2 and 2 * len(parts[-1][0]) >= len(parts[-2][0]):
            (h2, l2), (h1, l1) = parts.pop(), parts.pop()
            merged = np.concatenate([h1, h2])
            order = np.argsort(merged, kind="stable")
            parts.append((merged[order], np.concatenate([l1, l2])[order]))

    def refuse_repeats(self, batch: ValidBatch) -> tuple[ValidBatch, list[RowError]]:
        """The batch without rows whose ref or email an earlier row (in any batch) used."""
        keys = {name: batch.columns.get(name) for name in ("external_ref", "email")}
        bad, errors = self.repeated_rows(batch.lines, keys)
        if not bad:
            return batch, errors
        keep = [i for i in range(len(batch)) if i not in bad]
        return (
            ValidBatch(
                [batch.lines[i] for i in keep],
                {name: [values[i] for i in keep] for name, values in batch.columns.items()},
            ),
            errors,
        )

    def repeated_rows(
        self, batch_lines: list[int], keys: dict[str, list[Any] | None]
    ) -> tuple[set[int], list[RowError]]:
        """The rows (indices in the batch) whose ref or email an earlier row used, and why;
        ``keys`` holds the batch's external_ref and email columns (None: not in the file)."""
        errors: list[RowError] = []
        bad: set[int] = set()
        for name, repeated in (("external_ref", _SAME_REF), ("email", _SAME_EMAIL)):
            values = keys.get(name)
            if values is None:
                continue
            present = [i for i, v in enumerate(values) if v is not None and i not in bad]
            if not present:
                continue
            hashes = np.fromiter(
                (hash(values[i]) for i in present), dtype=np.int64, count=len(present)
            )
            lines = np.fromiter(
                (batch_lines[i] for i in present), dtype=np.int64, count=len(present)
            )
            earlier = np.zeros(len(present), dtype=np.int64)
            for seen, seen_lines in self._parts.get(name, []):
                where = np.searchsorted(seen, hashes)
                where[where == len(seen)] = 0
                hit = (seen[where] == hashes) & (earlier == 0)
                earlier[hit] = seen_lines[where[hit]]
            # Repeats inside the batch: every occurrence after the first.
            order = np.argsort(hashes, kind="stable")
            sorted_hashes = hashes[order]
            same = np.flatnonzero(sorted_hashes[1:] == sorted_hashes[:-1]) + 1
            for position in same:
                if earlier[order[position]] == 0:
                    first = position
                    while first > 0 and sorted_hashes[first - 1] == sorted_hashes[position]:
                        first -= 1
                    earlier[order[position]] = lines[order[first]]
            for k in np.flatnonzero(earlier):
                index = present[int(k)]
                bad.add(index)
                errors.append(
                    RowError(batch_lines[index], name, Message(repeated, line=int(earlier[k])))
                )
            firsts = earlier == 0
            if firsts.any():
                self._add(name, hashes[firsts], lines[firsts])
        return bad, errors
