"""A subset of the Google Ads Query Language: enough for read-back, reconciliation and insights.

Supported: SELECT fields FROM resource [WHERE cond AND cond ...] [ORDER BY f [ASC|DESC], ...]
[LIMIT n], with operators = != > >= < <= IN, NOT IN, LIKE, NOT LIKE, IS NULL, IS NOT NULL,
BETWEEN a AND b, DURING <date function>, REGEXP_MATCH, NOT REGEXP_MATCH
(developers.google.com/google-ads/api/docs/query/grammar). LIKE escapes [ ] % _ by bracketing
them, e.g. '[[]adflux-pub-1]%'.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adflux.sandbox.google_ads.failures import error, invalid

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
      | (?P<op>!=|>=|<=|=|>|<|\(|\)|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "LIMIT", "ASC", "DESC", "PARAMETERS"}
DATE_FUNCTIONS = {
    "TODAY",
    "YESTERDAY",
    "LAST_7_DAYS",
    "LAST_14_DAYS",
    "LAST_30_DAYS",
    "THIS_MONTH",
    "LAST_MONTH",
}


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str  # "=", "!=", ">", ..., "IN", "NOT IN", "LIKE", "NOT LIKE", "IS NULL", ...
    value: Any = None  # str | float | list | tuple(low, high) for BETWEEN

    @functools.cached_property
    def members(self) -> tuple[frozenset[Any], frozenset[str], frozenset[str]]:
        """An IN list as sets, for `matches` to look an int or str up at once instead of
        comparing it with every value: the numbers an int equals, the strings an int's text
        equals (values that are not numbers), the strings a str equals."""
        numbers, texts, strings = set(), set(), set()
        for value in self.value:
            if isinstance(value, str):
                strings.add(value)
                try:
                    numbers.add(float(value))
                except ValueError:
                    texts.add(value)
            else:
                numbers.add(value)
                strings.add(str(value))
        return frozenset(numbers), frozenset(texts), frozenset(strings)


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    resource: str
    conditions: tuple[Condition, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int | None = None


def _query_error(code: str, message: str, trigger: str | None = None) -> Exception:
    return invalid([error("query_error", code, message, trigger=trigger)])


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise _query_error(
                    "BAD_SYMBOL", "Error in query: unexpected input.", text[position:]
                )
            kind = match.lastgroup or ""
            value = match.group(kind)
            if kind == "word" and value.upper() in KEYWORDS | {"IN", "NOT", "LIKE", "IS", "NULL"}:
                value = value.upper()
            self.items.append((kind, value))
            position = match.end()
        self.index = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        at = self.index + offset
        return self.items[at] if at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _query_error(
                "UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query."
            )
        self.index += 1
        return token

    def expect(self, word: str, code: str) -> None:
        token = self.take()
        if token[1] != word:
            raise _query_error(code, f"Error in query: expected {word}.", token[1])

    def accept(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[1] == word:
            self.index += 1
            return True
        return False


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _value(tokens: _Tokens) -> Any:
    kind, value = tokens.take()
    if kind == "string":
        return _unquote(value)
    if kind == "number":
        return float(value) if "." in value else int(value)
    if kind == "word":
        return value  # enum constant, TRUE/FALSE or a date function
    raise _query_error("BAD_VALUE", "Error in query: bad value.", value)


def _list(tokens: _Tokens) -> list[Any]:
    tokens.expect("(", "EXPECTED_LIST")
    values = [_value(tokens)]
    while tokens.accept(","):
        values.append(_value(tokens))
    tokens.expect(")", "EXPECTED_LIST")
    return values


def _condition(tokens: _Tokens) -> Condition:
    kind, field = tokens.take()
    if kind != "word":
        raise _query_error("BAD_FIELD_NAME", "Error in query: bad field name.", field)
    kind, word = tokens.take()
    upper = word.upper()
    if upper == "IS":
        negated = tokens.accept("NOT")
        tokens.expect("NULL", "QUERY_ERROR")
        return Condition(field, "IS NOT NULL" if negated else "IS NULL")
    if upper == "NOT":
        kind, word = tokens.take()
        upper = "NOT " + word.upper()
    if upper in ("IN", "NOT IN"):
        return Condition(field, upper, _list(tokens))
    if upper == "BETWEEN":
        low = _value(tokens)
        tokens.expect("AND", "EXPECTED_AND")
        return Condition(field, upper, (low, _value(tokens)))
    if upper in ("=", "!=", ">", ">=", "<", "<=", "LIKE", "NOT LIKE", "DURING"):
        return Condition(field, upper, _value(tokens))
    if upper in ("REGEXP_MATCH", "NOT REGEXP_MATCH"):
        return Condition(field, upper, _value(tokens))
    raise _query_error("BAD_OPERATOR", "Error in query: bad operator.", word)


def parse(text: str) -> Query:
    """Parse GAQL text; raises failures.ApiError (INVALID_ARGUMENT + QueryError) when malformed."""
    tokens = _Tokens(text)
    tokens.expect("SELECT", "EXPECTED_SELECT")
    fields = [tokens.take()[1]]
    while tokens.accept(","):
        fields.append(tokens.take()[1])
    tokens.expect("FROM", "EXPECTED_FROM")
    kind, resource = tokens.take()
    if kind != "word":
        raise _query_error("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", "Error in query: bad resource.")
    conditions: list[Condition] = []
    if tokens.accept("WHERE"):
        conditions.append(_condition(tokens))
        while tokens.accept("AND"):
            conditions.append(_condition(tokens))
    order: list[tuple[str, bool]] = []
    if tokens.accept("ORDER"):
        tokens.expect("BY", "EXPECTED_BY")
        while True:
            field = tokens.take()[1]
            descending = tokens.accept("DESC")
            if not descending:
                tokens.accept("ASC")
            order.append((field, descending))
            if not tokens.accept(","):
                break
    limit = None
    if tokens.accept("LIMIT"):
        kind, value = tokens.take()
        if kind != "number" or int(value) < 1:
            raise _query_error("BAD_LIMIT_VALUE", "Error in query: bad limit value.", value)
        limit = int(value)
    if tokens.accept("PARAMETERS"):
        tokens.index = len(tokens.items)  # e.g. include_drafts=true: no effect here
    left = tokens.peek()
    if left is not None:
        raise _query_error("UNEXPECTED_INPUT", "Error in query: unexpected input.", left[1])
    return Query(tuple(fields), resource, tuple(conditions), tuple(order), limit)


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """GAQL LIKE: % any run, _ one char, [x] the literal x."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "[" and index + 2 < len(pattern) and pattern[index + 2] == "]":
            out.append(re.escape(pattern[index + 1]))
            index += 3
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(out), re.DOTALL)


def date_range(function: str, today: date) -> tuple[date, date]:
    """Inclusive days covered by a DURING date function."""
    if function == "TODAY":
        return today, today
    if function == "YESTERDAY":
        return today - timedelta(days=1), today - timedelta(days=1)
    if function.startswith("LAST_") and function.endswith("_DAYS"):
        days = int(function[5:-5])
        return today - timedelta(days=days), today - timedelta(days=1)
    if function == "THIS_MONTH":
        return today.replace(day=1), today
    if function == "LAST_MONTH":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    raise _query_error("BAD_VALUE", "Error in query: unknown date function.", function)


def _comparable(actual: Any, expected: Any) -> tuple[Any, Any]:
    if isinstance(actual, bool) and isinstance(expected, str):
        return actual, expected.upper() == "TRUE"
    if isinstance(actual, int | float) and isinstance(expected, str):
        try:
            return actual, float(expected)
        except ValueError:
            return str(actual), expected
    if isinstance(actual, str) and isinstance(expected, int | float):
        return actual, str(expected)
    return actual, expected


def matches(condition: Condition, actual: Any, today: date) -> bool:
    """Whether a row's value satisfies the condition (`actual` is None when the field is unset)."""
    op, value = condition.operator, condition.value
    if op == "IS NULL":
        return actual in (None, "", 0)
    if op == "IS NOT NULL":
        return actual not in (None, "", 0)
    if op in ("IN", "NOT IN"):
        if type(actual) is int:
            numbers, texts, _ = condition.members
            found = actual in numbers or str(actual) in texts
        elif type(actual) is str:
            found = actual in condition.members[2]
        else:
            found = any(_equal(actual, v) for v in value)
        return found if op == "IN" else not found
    if op in ("LIKE", "NOT LIKE"):
        hit = like_to_regex(str(value)).fullmatch(str(actual or "")) is not None
        return hit if op == "LIKE" else not hit
    if op in ("REGEXP_MATCH", "NOT REGEXP_MATCH"):
        hit = re.fullmatch(str(value), str(actual or "")) is not None
        return hit if op == "REGEXP_MATCH" else not hit
    if op == "DURING":
        low, high = date_range(str(value), today)
        return low.isoformat() <= str(actual) <= high.isoformat()
    if op == "BETWEEN":
        low, high = value
        return _compare(actual, low) >= 0 and _compare(actual, high) <= 0
    if op == "=":
        return _equal(actual, value)
    if op == "!=":
        return not _equal(actual, value)
    sign = _compare(actual, value)
    return {">": sign > 0, ">=": sign >= 0, "<": sign < 0, "<=": sign <= 0}[op]


def _equal(actual: Any, expected: Any) -> bool:
    left, right = _comparable(actual, expected)
    return left == right


def _compare(actual: Any, expected: Any) -> int:
    left, right = _comparable(actual, expected)
    try:
        return (left > right) - (left < right)
    except TypeError:
        left, right = str(left), str(right)
        return (left > right) - (left < right)
