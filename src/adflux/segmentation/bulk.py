"""Bulk database I/O of a training: candidate columns in, memberships out (used by service.py).

Reading: only ``id`` and the profile fields (``profiles.PROFILE_FIELDS``: the feature sources and
consent) are read, never name, e-mail, phone or persona. PostgreSQL streams them with
``COPY (SELECT ...) TO STDOUT`` parsed by pandas' CSV reader a chunk at a time: row-by-row
fetching through the driver was 3x slower at a million rows, most of it decoding JSONB lists.
SQLite reads the same columns by id ranges. Either way each chunk is turned at once into compact
columns: numbers in float arrays, strings shared between rows (a city is stored once, not once
per candidate), JSON lists parsed once per distinct value.

Writing: memberships go in with ``COPY ... FROM STDIN`` on PostgreSQL and ``executemany`` on
SQLite, in the caller's transaction. Comparing two runs reads only their contingency table,
counted by the database (k x k rows, not a million pairs).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.segmentation.models import SegmentMembership
from adflux.segmentation.profiles import PROFILE_FIELDS

CHUNK_ROWS = 100_000
NUMBERS = ("age", "years_experience", "desired_salary_cop")
LISTS = ("languages", "skills")
FLAGS = ("marketing_consent",)
TEXTS = tuple(f for f in PROFILE_FIELDS if f not in (*NUMBERS, *LISTS, *FLAGS))
COLUMNS = ("id", *PROFILE_FIELDS)


@dataclass
class _Interner:
    """One shared object per distinct value, per column, across chunks."""

    texts: dict[str, dict[Any, Any]] = field(default_factory=dict)

    def strings(self, name: str, values: Iterable[Any]) -> np.ndarray:
        seen = self.texts.setdefault(name, {})
        items = list(values)
        out = np.empty(len(items), dtype=object)
        # Missing values (None, or NaN from the CSV reader) stay as they are: features skip them.
        out[:] = [seen.setdefault(v, v) if isinstance(v, str) else v for v in items]
        return out

    def lists(self, name: str, values: Iterable[Any]) -> np.ndarray:
        """JSON texts -> tuples, each distinct text parsed once (a missing list is empty)."""
        seen = self.texts.setdefault(name, {})
        items = list(values)
        out = np.empty(len(items), dtype=object)
        for i, text in enumerate(items):
            parsed = seen.get(text)
            if parsed is None:
                parsed = tuple(json.loads(text)) if isinstance(text, str) and text else ()
                seen[text] = parsed
            out[i] = parsed
        return out


def _compact(frame: pd.DataFrame, interner: _Interner) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {"id": frame["id"].to_numpy(dtype=np.int64)}
    for name in NUMBERS:
        columns[name] = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    for name in TEXTS:
        columns[name] = interner.strings(name, frame[name].tolist())
    for name in LISTS:
        columns[name] = interner.lists(name, frame[name].tolist())
    for name in FLAGS:
        columns[name] = frame[name].fillna(False).to_numpy(dtype=bool)
    return columns


def _select() -> sa.Select:  # type: ignore[type-arg]
    # JSON lists as their text: parsed once per distinct value here instead of once per row.
    fields = [
        sa.cast(getattr(Candidate, name), sa.Text).label(name)
        if name in LISTS
        else getattr(Candidate, name)
        for name in COLUMNS
    ]
    return sa.select(*fields)


class _CopyStream(io.RawIOBase):
    """A readable file over the blocks of a psycopg ``COPY ... TO STDOUT``."""

    def __init__(self, blocks: Iterable[Any]):
        self._blocks = iter(blocks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._pending = memoryview(bytes(block))
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _postgres_chunks(connection: Connection) -> Iterator[pd.DataFrame]:
    query = _select().order_by(Candidate.id)
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    raw = connection.connection.driver_connection  # the psycopg 3 connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy,
    ):
        stream = io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20)
        yield from pd.read_csv(
            stream,
            chunksize=CHUNK_ROWS,
            # Only empty fields are missing: a city called "NA" stays a city.
            keep_default_na=False,
            na_values=[""],
            dtype={name: object for name in (*TEXTS, *LISTS)},
            true_values=["t"],
            false_values=["f"],
        )


def _sqlite_chunks(connection: Connection) -> Iterator[pd.DataFrame]:
    last_id = 0
    while True:
        rows = connection.execute(
            _select().where(Candidate.id > last_id).order_by(Candidate.id).limit(CHUNK_ROWS)
        ).all()
        if not rows:
            return
        last_id = rows[-1][0]
        yield pd.DataFrame(dict(zip(COLUMNS, zip(*rows, strict=True), strict=True)))


def read_candidates(
    connection: Connection, *, on_rows: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Every candidate's id and PROFILE_FIELDS as columns (numpy arrays), ordered by id."""
    chunks = (
        _postgres_chunks(connection)
        if connection.dialect.name == "postgresql"
        else _sqlite_chunks(connection)
    )
    interner = _Interner()
    parts: list[dict[str, np.ndarray]] = []
    read = 0
    for frame in chunks:
        parts.append(_compact(frame, interner))
        read += len(frame)
        if on_rows is not None:
            on_rows(read)
    if not parts:
        return {name: np.empty(0, dtype=object) for name in COLUMNS} | {
            "id": np.empty(0, dtype=np.int64)
        }
    return {name: np.concatenate([part[name] for part in parts]) for name in COLUMNS}


def write_memberships(
    connection: Connection,
    *,
    run_id: int,
    candidate_ids: np.ndarray,
    segment_ids: np.ndarray,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Insert one membership per candidate of the run, in the connection's transaction."""
    table = SegmentMembership.__table__
    names = "run_id, candidate_id, segment_id"
    postgres = connection.dialect.name == "postgresql"
    raw = connection.connection.driver_connection
    assert raw is not None
    written = 0
    total = len(candidate_ids)
    if postgres:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for start in range(0, total, CHUNK_ROWS):
                ids, segments = _slice(candidate_ids, segment_ids, start)
                copy.write(
                    "".join(f"{run_id}\t{c}\t{s}\n" for c, s in zip(ids, segments, strict=True))
                )
                written += len(ids)
                if on_rows is not None:
                    on_rows(written)
        return written
    cursor = raw.cursor()
    sql = f"INSERT INTO {table.name} ({names}) VALUES (?, ?, ?)"
    for start in range(0, total, CHUNK_ROWS):
        ids, segments = _slice(candidate_ids, segment_ids, start)
        cursor.executemany(sql, [(run_id, c, s) for c, s in zip(ids, segments, strict=True)])
        written += len(ids)
        if on_rows is not None:
            on_rows(written)
    return written


def _slice(ids: np.ndarray, segments: np.ndarray, start: int) -> tuple[list[int], list[int]]:
    end = start + CHUNK_ROWS
    return ids[start:end].tolist(), segments[start:end].tolist()


def shared_labels(
    db_session: DbSession, *, before_run: int, after_run: int
) -> tuple[np.ndarray, np.ndarray]:
    """Segment ids of the candidates both runs hold, as two aligned label arrays.

    Built from the contingency table (pairs of segments and how many candidates share them): the
    adjusted Rand index depends on nothing else, and no candidate id leaves the database.
    """
    before = aliased(SegmentMembership)
    after = aliased(SegmentMembership)
    rows = db_session.execute(
        sa.select(before.segment_id, after.segment_id, sa.func.count())
        .join(after, sa.and_(after.candidate_id == before.candidate_id, after.run_id == after_run))
        .where(before.run_id == before_run)
        .group_by(before.segment_id, after.segment_id)
    ).all()
    counts = np.array([row[2] for row in rows], dtype=np.int64)
    return (
        np.repeat(np.array([row[0] for row in rows], dtype=np.int64), counts),
        np.repeat(np.array([row[1] for row in rows], dtype=np.int64), counts),
    )
