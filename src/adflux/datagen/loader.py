"""Bulk loading of generated rows: PostgreSQL COPY, batched driver inserts on SQLite.

Rows whose ``external_ref`` (or, for candidates, email) already exists are skipped, so seeding twice
adds nothing and a seeded address someone already registered through the API is not a failure.
Values are encoded a column at a time by ``adflux.bulk_encoding``, and the next chunk is
generated and encoded while the database writes this one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adflux.bulk_encoding import Columns, copy_text_column, prefetch, sqlite_column


def load_rows(
    connection: Connection,
    table: sa.Table,
    chunks: Iterable[Columns],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Insert every chunk (a mapping of column -> values); returns how many rows were new."""
    postgres = connection.dialect.name == "postgresql"
    encode = _encode_copy_chunk if postgres else _encode_sqlite_chunk
    write = _copy_postgres if postgres else _insert_sqlite
    inserted = 0
    # Generating and encoding the next chunk overlaps with the database writing this one.
    for prepared in prefetch(encode(table, chunk) for chunk in chunks):
        if prepared.count == 0:
            continue
        inserted += write(connection, table, prepared)
        if on_progress is not None:
            on_progress(prepared.count)
    return inserted


@dataclass(frozen=True)
class _Prepared:
    names: list[str]
    count: int
    keys: dict[str, list[Any]]  # values of the chunk's unique columns, to find clashes
    payload: Any  # COPY text for PostgreSQL, row tuples for SQLite


def _stamped(chunk: Columns) -> tuple[dict[str, Any], int]:
    names = list(chunk)
    count = len(chunk[names[0]]) if names else 0
    now = datetime.now(UTC)
    return {**chunk, "created_at": _Constant(now), "updated_at": _Constant(now)}, count


@dataclass(frozen=True)
class _Constant:
    """A column whose every row holds the same value (the load's timestamps)."""

    value: Any


# --- PostgreSQL -------------------------------------------------------------------------------


def _encode_copy_chunk(table: sa.Table, chunk: Columns) -> _Prepared:
    stamped, count = _stamped(chunk)
    names = list(stamped)
    if count == 0:
        return _Prepared(names, 0, {}, "")
    encoded: list[Any] = []
    for name in names:
        values = stamped[name]
        if isinstance(values, _Constant):
            text = copy_text_column(table.c[name].type, [values.value])[0]
            encoded.append([text] * count)
        else:
            encoded.append(copy_text_column(table.c[name].type, values))
    payload = "".join("\t".join(row) + "\n" for row in zip(*encoded, strict=True))
    keys = {name: _as_list(chunk[name]) for name in _UNIQUE_COLUMNS if name in chunk}
    return _Prepared(names, count, keys, payload)


# Single-column unique keys a seeded row may clash with (candidates.email since revision 0003).
_UNIQUE_COLUMNS = ("external_ref", "email")


def _copy_postgres(connection: Connection, table: sa.Table, prepared: _Prepared) -> int:
    column_list = ", ".join(prepared.names)
    raw = connection.connection.driver_connection  # the psycopg 3 connection
    assert raw is not None
    with raw.cursor() as cursor:
        where = " OR ".join(f"{name} = ANY(%s)" for name in prepared.keys)
        cursor.execute(
            f"SELECT count(*) FROM {table.name} WHERE {where}", tuple(prepared.keys.values())
        )
        clashes = cursor.fetchone()[0]
        if clashes == 0:
            with cursor.copy(f"COPY {table.name} ({column_list}) FROM STDIN") as copy:
                copy.write(prepared.payload)
            return prepared.count
        # Some rows exist: stage the chunk so ON CONFLICT can skip them (COPY cannot).
        staging = f"_seed_{table.name}"
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table.name} INCLUDING DEFAULTS)"
        )
        cursor.execute(f"TRUNCATE {staging}")
        with cursor.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
            copy.write(prepared.payload)
        cursor.execute(
            f"INSERT INTO {table.name} ({column_list}) SELECT {column_list} FROM {staging} "
            "ON CONFLICT DO NOTHING"
        )
        return int(cursor.rowcount)


# --- SQLite -----------------------------------------------------------------------------------


def _encode_sqlite_chunk(table: sa.Table, chunk: Columns) -> _Prepared:
    stamped, count = _stamped(chunk)
    names = list(stamped)
    columns = []
    for name in names:
        values = stamped[name]
        if isinstance(values, _Constant):
            values = [values.value] * count
        columns.append(sqlite_column(table.c[name].type, values))
    return _Prepared(names, count, {}, list(zip(*columns, strict=True)))


def _insert_sqlite(connection: Connection, table: sa.Table, prepared: _Prepared) -> int:
    placeholders = ", ".join("?" for _ in prepared.names)
    sql = (
        f"INSERT OR IGNORE INTO {table.name} ({', '.join(prepared.names)}) VALUES ({placeholders})"
    )
    sqlite = connection.connection.driver_connection  # the sqlite3 connection
    assert sqlite is not None
    before = sqlite.total_changes
    sqlite.cursor().executemany(sql, prepared.payload)
    return int(sqlite.total_changes - before)


# --- shared -----------------------------------------------------------------------------------


def _as_list(values: Sequence[Any]) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)
