"""Columns that ride on a request's next statement: the API's token check, read in the same
statement as the page a list answers or the row a write stores, so that checking the token costs
no round trip of its own. A write also takes the rider's guard, so that it stores nothing for a
token that may not make it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass
class Rider:
    """Columns that ride on the next statement read or written in this context, the parameters
    they need, the condition a write must meet (`guard`), and the values the columns had in the
    first row read or written (None until then)."""

    columns: tuple[sa.ColumnElement[Any], ...]
    params: dict[str, Any]
    guard: sa.ColumnElement[bool]
    values: tuple[Any, ...] | None = None


rider: ContextVar[Rider | None] = ContextVar("adflux_rider", default=None)


def riding_columns() -> tuple[tuple[sa.ColumnElement[Any], ...], dict[str, Any]]:
    """The `rider`'s columns to add to the statement about to run and the parameters to run it
    with (none when there is no rider, or when a statement before it already carried them)."""
    current = rider.get()
    if current is not None and current.values is None:
        return current.columns, current.params
    return (), {}


def riding_guard() -> sa.ColumnElement[bool] | None:
    """The condition a write carrying the `rider`'s columns must add to what it writes (None
    when there is no rider to carry)."""
    current = rider.get()
    return current.guard if current is not None and current.values is None else None


def keep_rider_values(row: sa.Row[Any], riding: tuple[sa.ColumnElement[Any], ...]) -> None:
    """Keep on the rider the values its `riding` columns had in `row` (they end the row)."""
    current = rider.get()
    if current is not None and riding:
        current.values = tuple(row[-len(riding) :])
