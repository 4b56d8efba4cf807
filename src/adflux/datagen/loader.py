"""Bulk loading of generated rows: PostgreSQL COPY, batched inserts elsewhere.

Rows whose ``external_ref`` already exists are skipped, so seeding twice adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

Columns = Mapping[str, Sequence[Any]]

_JSON_COLUMNS = frozenset({"languages", "skills"})


def load_rows(
    connection: Connection,
    table: sa.Table,
    chunks: Iterable[Columns],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Insert every chunk (a mapping of column -> values); returns how many rows were new."""
    inserted = 0
    for chunk in chunks:
        names = list(chunk)
        count = len(chunk[names[0]]) if names else 0
        if count == 0:
            continue
        now = datetime.now(UTC)
        names_with_ts = [*names, "created_at", "updated_at"]
        columns = [_python_values(table, name, chunk[name]) for name in names]
        rows = [(*values, now, now) for values in zip(*columns, strict=True)]
        if connection.dialect.name == "postgresql":
            inserted += _copy_postgres(connection, table.name, names_with_ts, rows)
        else:
            inserted += _insert_batched(connection, table, names_with_ts, rows)
        if on_progress is not None:
            on_progress(count)
    return inserted


def _python_values(table: sa.Table, name: str, values: Sequence[Any]) -> list[Any]:
    """Plain Python values: numpy scalars and NaN-for-missing become int/float/None."""
    as_list = values.tolist() if hasattr(values, "tolist") else list(values)
    try:
        wants_int = table.c[name].type.python_type is int
    except NotImplementedError:
        wants_int = False
    out = []
    for value in as_list:
        if isinstance(value, float):
            if value != value:  # NaN marks a missing value
                value = None
            elif wants_int:
                value = int(value)
        out.append(value)
    return out


def _copy_postgres(
    connection: Connection, table: str, names: list[str], rows: list[tuple[Any, ...]]
) -> int:
    json_positions = [i for i, name in enumerate(names) if name in _JSON_COLUMNS]
    raw = connection.connection.driver_connection  # the psycopg 3 connection
    column_list = ", ".join(names)
    staging = f"_seed_{table}"
    with raw.cursor() as cursor:
        # A staging table lets ON CONFLICT skip refs that exist, which COPY alone cannot do.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
            f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                if json_positions:
                    row = list(row)  # type: ignore[assignment]
                    for i in json_positions:
                        row[i] = json.dumps(row[i], ensure_ascii=False)  # type: ignore[index]
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging} "
            "ON CONFLICT (external_ref) DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute(f"TRUNCATE {staging}")
    return int(inserted)


def _insert_batched(
    connection: Connection,
    table: sa.Table,
    names: list[str],
    rows: list[tuple[Any, ...]],
    batch_size: int = 5000,
) -> int:
    statement = sa.insert(table).prefix_with("OR IGNORE")
    inserted = 0
    for start in range(0, len(rows), batch_size):
        batch = [dict(zip(names, row, strict=True)) for row in rows[start : start + batch_size]]
        result = connection.execute(statement, batch)
        inserted += max(result.rowcount, 0)
    return inserted
