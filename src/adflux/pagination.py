"""A page of results, the same for every list in services and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa

from adflux.db import DbSession

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(  # type: ignore[type-arg]
    db_session: DbSession, query: sa.Select, *, limit: int, offset: int, whole_rows: bool = False
) -> Page:
    """Run ``query`` for one page and count all matching rows, in one round trip.

    The total rides along as a window count; only a page past the end needs a second query.
    Items are the first column of each row (an entity), or, with ``whole_rows``, the selected
    columns of each row (an aggregate's group and sums).
    """
    counted = query.add_columns(sa.func.count().over().label("_total"))
    rows = db_session.execute(counted.limit(limit).offset(offset)).all()
    if rows:
        total = int(rows[0][-1])
    elif offset == 0:
        total = 0
    else:
        subquery = query.order_by(None).subquery()
        total = int(db_session.scalar(sa.select(sa.func.count()).select_from(subquery)) or 0)
    items = [row[:-1] if whole_rows else row[0] for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)
