"""A page of results, the same for every list in services and the API."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from adflux.db import DbSession

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass
class PageRider:
    """Columns that ride on the next page read in this context, and the values they had in its
    first row (None until a page with rows was read). The API puts its token check here: one
    round trip per list request instead of two."""

    columns: tuple[sa.ColumnElement[Any], ...]
    values: tuple[Any, ...] | None = None


page_rider: ContextVar[PageRider | None] = ContextVar("adflux_page_rider", default=None)


def riding_columns() -> tuple[sa.ColumnElement[Any], ...]:
    """The `page_rider`'s columns to add to the page query about to run (none when there is no
    rider, or when a page read before it already carried them)."""
    rider = page_rider.get()
    return rider.columns if rider is not None and rider.values is None else ()


def keep_rider_values(row: sa.Row[Any], riding: tuple[sa.ColumnElement[Any], ...]) -> None:
    """Keep on the rider the values its `riding` columns had in `row` (they end the row)."""
    rider = page_rider.get()
    if rider is not None and riding:
        rider.values = tuple(row[-len(riding) :])


def paginate(  # type: ignore[type-arg]
    db_session: DbSession,
    query: sa.Select,
    *,
    limit: int,
    offset: int,
    whole_rows: bool = False,
    as_rows: bool = False,
) -> Page:
    """Run ``query`` for one page and count all matching rows, in one round trip.

    The total rides along as a count of the same query, a scalar subquery that PostgreSQL runs
    once (not a window count: ``count(*) OVER ()`` made it read and buffer every matching row in
    full before keeping a page of them, and no index could stop the scan at the page's end); only
    a page past the end needs a second query.
    Items are the first column of each row (an entity), or, with ``whole_rows``, the selected
    columns of each row (an aggregate's group and sums), or, with ``as_rows``, the rows
    themselves: read-only, their columns by attribute (``row.title``), the total beside them as
    ``row._total``. A page read to be answered needs no entities: building them cost more than
    the query. The `page_rider`'s columns, when one is set and has no values yet, are added to
    the page's query, and their values in its first row kept on it (as rows, they come after
    the total).
    """
    matching = query.order_by(None).subquery()
    count = sa.select(sa.func.count()).select_from(matching).scalar_subquery()
    counted = query.add_columns(count.label("_total"))
    riding = riding_columns()
    rows = db_session.execute(counted.add_columns(*riding).limit(limit).offset(offset)).all()
    # After the query's own columns: the total, then the riders.
    tail = 1 + len(riding)
    if rows:
        keep_rider_values(rows[0], riding)
    if rows:
        total = int(rows[0][-tail])
    elif offset == 0:
        total = 0
    else:
        total = int(db_session.scalar(sa.select(count)) or 0)
    if as_rows:
        return Page(items=list(rows), total=total, limit=limit, offset=offset)
    items = [row[:-tail] if whole_rows else row[0] for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)
