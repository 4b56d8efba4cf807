"""Bulk loading of generated rows: PostgreSQL COPY, batched driver inserts on SQLite.

Rows whose ``external_ref`` (or, for candidates, email) already exists are skipped, so seeding twice
adds nothing and a seeded address someone already registered through the API is not a failure.
Values are encoded a column at a time (numpy where it can), because per-row Python work is
what limits throughput at a million rows.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from queue import Queue
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

Columns = Mapping[str, Sequence[Any]]

_NULL = "\\N"
_COPY_SPECIALS = ("\\", "\t", "\n", "\r")


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
    for prepared in _prefetch(encode(table, chunk) for chunk in chunks):
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


def _prefetch(items: Iterator[_Prepared], depth: int = 2) -> Iterator[_Prepared]:
    """Yield ``items`` produced by a background thread, ``depth`` ahead of the consumer."""
    queue: Queue[Any] = Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for item in items:
                queue.put(item)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            queue.put(exc)
            return
        queue.put(done)

    thread = threading.Thread(target=produce, name="adflux-seed-encoder", daemon=True)
    thread.start()
    while True:
        item = queue.get()
        if item is done:
            break
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join()


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
            text = _copy_text_column(table.c[name].type, [values.value])[0]
            encoded.append([text] * count)
        else:
            encoded.append(_copy_text_column(table.c[name].type, values))
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


def _copy_text_column(column_type: sa.types.TypeEngine, values: Sequence[Any]) -> list[str]:
    """One column in COPY's text format."""
    if isinstance(values, np.ndarray):
        return _copy_text_array(values)
    python_type = _python_type(column_type)
    if python_type is list or python_type is dict:
        return _json_texts(values)
    if python_type is datetime:
        return [_NULL if v is None else v.isoformat(sep=" ") for v in values]
    if python_type is bool:
        return [_NULL if v is None else ("t" if v else "f") for v in values]
    texts = [_NULL if v is None else str(v) for v in values]
    if any(special in "\x00".join(texts) for special in _COPY_SPECIALS):
        texts = [t if t == _NULL else _escape(t) for t in texts]
    return texts


def _copy_text_array(values: np.ndarray) -> list[str]:
    kind = values.dtype.kind
    if kind == "b":
        return np.where(values, "t", "f").tolist()
    if kind in "iu":
        return values.astype(str).tolist()
    if kind == "f":
        missing = np.isnan(values)
        as_int = np.where(missing, 0, values)
        whole = bool(np.all(np.mod(as_int, 1) == 0))
        texts = as_int.astype(np.int64).astype(str) if whole else as_int.astype(str)
        return np.where(missing, _NULL, texts).tolist()
    if kind == "M":
        # Generated timestamps are UTC; say so, or PostgreSQL would read them as local time.
        return np.char.add(np.datetime_as_string(values, unit="s"), "+00").tolist()
    return _copy_text_column(sa.String(), values.tolist())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# --- SQLite -----------------------------------------------------------------------------------


def _encode_sqlite_chunk(table: sa.Table, chunk: Columns) -> _Prepared:
    stamped, count = _stamped(chunk)
    names = list(stamped)
    columns = []
    for name in names:
        values = stamped[name]
        if isinstance(values, _Constant):
            values = [values.value] * count
        columns.append(_sqlite_column(table.c[name].type, values))
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


def _sqlite_column(column_type: sa.types.TypeEngine, values: Sequence[Any]) -> list[Any]:
    python_type = _python_type(column_type)
    if python_type is list or python_type is dict:
        return [None if t == _NULL else t for t in _json_texts(values)]
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "M":
            values = values.astype("datetime64[us]").astype(datetime).tolist()
        elif values.dtype.kind == "f":
            missing = np.isnan(values)
            values = np.where(missing, None, values).tolist()  # type: ignore[call-overload]
            if python_type is int:
                values = [None if v is None else int(v) for v in values]
            return list(values)
        else:
            values = values.tolist()
    if python_type is datetime:
        # The format SQLAlchemy's SQLite dialect writes and reads back.
        return [None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in values]
    return list(values)


# --- shared -----------------------------------------------------------------------------------


def _json_texts(values: Sequence[Any]) -> list[str]:
    """JSON per value, cached: skills and languages repeat a lot across rows."""
    cache: dict[tuple[Any, ...], str] = {}
    out = []
    for value in values:
        if value is None:
            out.append(_NULL)
            continue
        key = tuple(value)
        text = cache.get(key)
        if text is None:
            text = _escape(json.dumps(list(value), ensure_ascii=False))
            cache[key] = text
        out.append(text)
    return out


def _python_type(column_type: sa.types.TypeEngine) -> type:
    """The Python type a column holds (JSON -> list, timestamps -> datetime)."""
    if isinstance(column_type, sa.JSON):
        return list
    if isinstance(column_type, sa.DateTime) or isinstance(
        getattr(column_type, "impl", None), sa.DateTime
    ):
        return datetime
    try:
        return column_type.python_type
    except NotImplementedError:
        return object


def _as_list(values: Sequence[Any]) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)
