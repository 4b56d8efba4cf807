"""Columns of Python or numpy values -> what a bulk write sends: COPY text for PostgreSQL, row
tuples for SQLite's executemany.

Values are encoded a column at a time (numpy where it can), because per-row Python work is what
limits throughput at a million rows. Used by the data generator's loader (datagen/loader.py);
``prefetch`` also by the candidate import (candidates/imports.py), whose batches are Arrow tables
encoded by pyarrow (candidates/import_writing.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from queue import Queue
from typing import Any, TypeVar

import numpy as np
import sqlalchemy as sa

Columns = Mapping[str, Sequence[Any]]
T = TypeVar("T")

NULL = "\\N"
_COPY_SPECIALS = ("\\", "\t", "\n", "\r")


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items`` produced by a background thread, ``depth`` ahead of the consumer."""
    queue: Queue[Any] = Queue(maxsize=depth)
    done = object()
    stopped = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stopped.is_set():
                    return
                queue.put(item)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            queue.put(exc)
            return
        queue.put(done)

    thread = threading.Thread(target=produce, name="adflux-bulk-encoder", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is done:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        # A consumer that stops early (an error, a closed generator) must not leave the producer
        # blocked on a full queue, holding its file open.
        stopped.set()
        while thread.is_alive():
            while not queue.empty():
                queue.get_nowait()
            thread.join(0.01)


# --- PostgreSQL COPY text


def copy_text_column(column_type: sa.types.TypeEngine, values: Sequence[Any]) -> list[str]:
    """One column in COPY's text format."""
    if isinstance(values, np.ndarray):
        return _copy_text_array(values)
    python_type = _python_type(column_type)
    if python_type is list or python_type is dict:
        return _json_texts(values)
    if python_type is datetime:
        return [NULL if v is None else v.isoformat(sep=" ") for v in values]
    if python_type is bool:
        return [NULL if v is None else ("t" if v else "f") for v in values]
    if python_type is int or python_type is float:  # nothing in their text to escape
        return [NULL if v is None else str(v) for v in values]
    texts = values if python_type is str else [None if v is None else str(v) for v in values]
    # Joined once, without the missing values, to look for what COPY needs escaped.
    joined = "\x00".join(filter(None, texts))
    if any(special in joined for special in _COPY_SPECIALS):
        return [NULL if t is None else _escape(t) for t in texts]
    return [NULL if t is None else t for t in texts]


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
        return np.where(missing, NULL, texts).tolist()
    if kind == "M":
        # Generated timestamps are UTC; say so, or PostgreSQL would read them as local time.
        return np.char.add(np.datetime_as_string(values, unit="s"), "+00").tolist()
    return copy_text_column(sa.String(), values.tolist())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# --- SQLite


def sqlite_column(column_type: sa.types.TypeEngine, values: Sequence[Any]) -> list[Any]:
    python_type = _python_type(column_type)
    if python_type is list or python_type is dict:
        return [None if t == NULL else t for t in _json_texts(values)]
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


# --- shared


def _json_texts(values: Sequence[Any]) -> list[str]:
    """JSON per value, cached: skills and languages repeat a lot across rows."""
    cache: dict[tuple[Any, ...], str] = {}
    out = []
    for value in values:
        if value is None:
            out.append(NULL)
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
    except NotImplementedError:  # SQLAlchemy's answer for a type without one: written with str()
        return object
