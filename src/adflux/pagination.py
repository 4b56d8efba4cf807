"""A page of results, the same for every list in services and the API."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from adflux.db import DbSession, row_reader
from adflux.riding import keep_rider_values, riding_columns

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(  # type: ignore[type-arg]
    db_session: DbSession,
    query: sa.Select,
    *,
    limit: int,
    offset: int,
    params: Mapping[str, Any] | None = None,
    whole_rows: bool = False,
    as_rows: bool = False,
) -> Page:
    """Run ``query`` (with its ``params``) for one page and count all matching rows, in one
    round trip.

    The total rides along as a count of the same query, a scalar subquery that PostgreSQL runs
    once (not a window count: ``count(*) OVER ()`` made it read and buffer every matching row in
    full before keeping a page of them, and no index could stop the scan at the page's end); only
    a page past the end needs a second query.
    Items are the first column of each row (an entity), or, with ``whole_rows``, the selected
    columns of each row (an aggregate's group and sums), or, with ``as_rows``, the rows
    themselves: read-only, their columns by attribute (``row.title``), the total beside them as
    ``row._total``. A page read to be answered needs no entities: building them cost more than
    the query. The `riding.rider`'s columns, when one is set and has no values yet, are added to
    the page's query, and their values in its first row kept on it (as rows, they come after
    the total).

    The page's statement is built once per query object: a query built once, its values as
    bound parameters (`params`), is run as the same statement every time. SQLAlchemy computes a
    statement's cache key once per object; a new statement for each request cost that
    traversal again, a sixth of a list read.
    """
    riding, rider_params = riding_columns()
    page_query, count_query = _page_statements(query, riding)
    values = {**(params or {}), **rider_params, "_page_limit": limit, "_page_offset": offset}
    reader = row_reader(db_session) if as_rows or whole_rows else db_session
    rows = reader.execute(page_query, values).all()
    # After the query's own columns: the total, then the riders.
    tail = 1 + len(riding)
    if rows:
        keep_rider_values(rows[0], riding)
        total = int(rows[0][-tail])
    elif offset == 0:
        total = 0
    else:
        total = int(reader.scalar(count_query, values) or 0)
    if as_rows:
        return Page(items=list(rows), total=total, limit=limit, offset=offset)
    items = [row[:-tail] if whole_rows else row[0] for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


# query -> its riders -> (page statement, count statement); an entry lives as long as its query.
_built: weakref.WeakKeyDictionary[
    sa.Select[Any], dict[tuple[sa.ColumnElement[Any], ...], tuple[sa.Select[Any], sa.Select[Any]]]
] = weakref.WeakKeyDictionary()
_building = threading.Lock()


def _page_statements(
    query: sa.Select[Any], riding: tuple[sa.ColumnElement[Any], ...]
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    built = _built.get(query, {}).get(riding)
    if built is not None:
        return built
    matching = query.order_by(None).subquery()
    count = sa.select(sa.func.count()).select_from(matching).scalar_subquery()
    page = (
        query.add_columns(count.label("_total"), *riding)
        .limit(sa.bindparam("_page_limit"))
        .offset(sa.bindparam("_page_offset"))
    )
    built = page, sa.select(count)
    with _building:
        _built.setdefault(query, {})[riding] = built
    return built
