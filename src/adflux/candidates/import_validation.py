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

from adflux.candidates.import_reading import RawBatch, RowError
from adflux.candidates.service import normalize_email
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
    """A cell's value is not valid; the message is the reason the report gives."""


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
            f"{text!r} is not a yes/no value (use sí/no, true/false or 1/0); consent is never"
            " assumed"
        )
    return value


def _one_of(choices: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        folded = _folded(text)
        if folded not in choices:
            raise _Bad(f"{text!r} is not one of {', '.join(choices)}")
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
                raise _Bad(f"{text!r} is not a whole number") from None
            if not number.is_integer():
                raise _Bad(f"{text!r} is not a whole number") from None
            value = int(number)
        if not low <= value <= high:
            raise _Bad(f"{value} is outside {low}..{high}")
        return value

    return parse


def _decimal(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.replace(",", "."))  # "2,5" as Colombian spreadsheets write it
        except ValueError:
            raise _Bad(f"{text!r} is not a number") from None
        if not low <= value <= high:  # also refuses NaN
            raise _Bad(f"{text} is outside {low:g}..{high:g}")
        return value

    return parse


def _text_list(low: int, high: int) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                raise _Bad("starts with '[' but is not a JSON list") from None
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise _Bad("is not a JSON list of texts")
        else:
            items = text.split(LIST_SEPARATOR)
        cleaned = [item.strip() for item in items if item.strip()]
        for item in cleaned:
            if not low <= len(item) <= high:
                raise _Bad(f"the item {item!r} is not {low} to {high} characters long")
        return cleaned

    return parse


def parse_timestamp(text: str) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=BOGOTA).astimezone(UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{text!r} is not an ISO 8601 date or date and time") from None
    if value.tzinfo is None:
        raise _Bad(f"{text!r} has no UTC offset (write e.g. 2026-03-01T10:00:00-05:00)")
    return value.astimezone(UTC)


# --------------------------------------------------------------------------- columns

Errors = list[tuple[int, str]]  # (index in the batch, reason)


def _check_distinct(
    values: list[str | None], parse: Callable[[str], Any]
) -> tuple[list[Any], Errors]:
    """Parse each distinct value once (a column of a few dozen cities, ages or yes/no)."""
    parsed_of: dict[str | None, Any] = {None: None}
    reasons: dict[str, str] = {}
    for value in set(values):
        if value is None:
            continue
        try:
            parsed_of[value] = parse(value)
        except _Bad as exc:
            parsed_of[value] = None
            reasons[value] = str(exc)
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
            errors.append((index, str(exc)))
    return parsed, errors


def _check_text(values: list[str | None], max_length: int) -> tuple[list[Any], Errors]:
    if max(map(len, filter(None, values)), default=0) <= max_length:
        return values, []
    errors: Errors = [
        (i, f"longer than {max_length} characters")
        for i, v in enumerate(values)
        if v is not None and len(v) > max_length
    ]
    return values, errors


def _check_email(values: list[str | None]) -> tuple[list[Any], Errors]:
    # ASCII addresses (nearly all) need no Unicode normalisation: the same result, far sooner.
    emails = [
        None if v is None else v.lower() if v.isascii() else normalize_email(v) for v in values
    ]
    match = _EMAIL.fullmatch
    errors: Errors = [
        (i, "not an email address" if len(e) <= 254 else "longer than 254 characters")
        for i, e in enumerate(emails)
        if e is not None and (len(e) > 254 or match(e) is None)
    ]
    return emails, errors


def _check_phone(values: list[str | None]) -> tuple[list[Any], Errors]:
    match = _PHONE.fullmatch
    errors: Errors = [
        (i, "not a phone number (7 to 20 digits, spaces, '+', '(', ')' or '-')")
        for i, v in enumerate(values)
        if v is not None and match(v) is None
    ]
    return values, errors


Check = Callable[[list[str | None]], tuple[list[Any], Errors]]

CHECKS: dict[str, Check] = {
    "external_ref": lambda v: _check_text(v, 64),
    "full_name": lambda v: _check_text(v, 200),
    "email": _check_email,
    "phone": _check_phone,
    "age": lambda v: _check_distinct(v, _integer(14, 100)),
    "city": lambda v: _check_text(v, 100),
    "department": lambda v: _check_text(v, 100),
    "education_level": lambda v: _check_distinct(v, _one_of(EDUCATION_LEVELS)),
    "years_experience": lambda v: _check_distinct(v, _decimal(0, 70)),
    "area": lambda v: _check_text(v, 100),
    "desired_salary_cop": lambda v: _check_each(v, _integer(0, 10_000_000_000)),
    "remote_preference": lambda v: _check_distinct(v, _one_of(REMOTE_MODES)),
    "languages": lambda v: _check_distinct(v, _text_list(2, 10)),
    "skills": lambda v: _check_distinct(v, _text_list(1, 60)),
    "last_active_at": lambda v: _check_distinct(v, parse_timestamp),
    "marketing_consent": lambda v: _check_distinct(v, parse_consent),
}
# Empty cells allowed (stored as none, or an empty list); every other column needs a value.
NULLABLE = ("external_ref", "phone", "years_experience", "desired_salary_cop", "last_active_at")
EMPTY_LISTS = ("languages", "skills")
# Columns whose accepted values may hold any character; the others' rules already refuse a NUL or
# a byte that was not UTF-8.
FREE_TEXT = (
    "external_ref",
    "full_name",
    "email",
    "city",
    "department",
    "area",
    "languages",
    "skills",
)
EMPTY_REASON = {
    "marketing_consent": "empty: every row must say sí or no; consent is never assumed",
}


def validate_batch(raw: RawBatch) -> tuple[ValidBatch, list[RowError]]:
    """The valid rows of the batch, and one error per invalid cell (plus the unreadable rows)."""
    errors: list[RowError] = list(raw.refused)
    bad: set[int] = set()
    columns: dict[str, list[Any]] = {}
    for name, cells in raw.columns.items():
        values, problems = CHECKS[name](cells)
        if name not in NULLABLE:
            empty_reason = EMPTY_REASON.get(name, "empty: this column needs a value")
            if name in EMPTY_LISTS:
                values = [[] if v is None else v for v in values]
            else:
                problems = problems + [(i, empty_reason) for i, v in enumerate(cells) if v is None]
        if name in FREE_TEXT:
            problems += _unstorable(cells)
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
            reason = "contains a NUL character" if hit.group() == "\x00" else "not UTF-8 text"
            found.append((index, reason))
    return found


# --------------------------------------------------------------------------- duplicates in a file


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
        errors: list[RowError] = []
        bad: set[int] = set()
        for name, what in (
            ("external_ref", "external_ref"),
            ("email", "email (compared lower-cased)"),
        ):
            values = batch.columns.get(name)
            if values is None:
                continue
            present = [i for i, v in enumerate(values) if v is not None and i not in bad]
            if not present:
                continue
            hashes = np.fromiter(
                (hash(values[i]) for i in present), dtype=np.int64, count=len(present)
            )
            lines = np.fromiter(
                (batch.lines[i] for i in present), dtype=np.int64, count=len(present)
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
                    RowError(
                        batch.lines[index],
                        name,
                        f"the same {what} as line {int(earlier[k])}; the earlier row is used",
                    )
                )
            firsts = earlier == 0
            if firsts.any():
                self._add(name, hashes[firsts], lines[firsts])
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
