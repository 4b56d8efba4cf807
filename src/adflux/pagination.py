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


def paginate(db_session: DbSession, query: sa.Select, *, limit: int, offset: int) -> Page:  # type: ignore[type-arg]
    """Run ``query`` for one page and count all matching rows."""
    total = db_session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    items = list(db_session.scalars(query.limit(limit).offset(offset)))
    return Page(items=items, total=int(total or 0), limit=limit, offset=offset)
