"""Writing one validated batch of a candidate file: staged, matched, then inserted or updated.

The batch goes into a temporary table (PostgreSQL: COPY through psycopg's ``cursor.copy``;
SQLite: one ``executemany``), and from there the same statements on both databases:

1. each row is matched to a stored candidate by external ref, else by normalised email (looked
   up by index, ``= ANY(array)``); a row whose ref and email point at two different candidates,
   or that reaches a candidate another row of the batch already reaches, is refused (the report
   says why);
2. matched rows update their candidate only where a value differs (``IS DISTINCT FROM``), so
   importing a file twice changes nothing, and an updated candidate's ``updated_at`` moves, which
   is what the audience refresh compares (audiences/service.py);
3. the other rows are inserted (a plain ``INSERT ... SELECT``): a person another writer
   inserted meanwhile breaks a unique index, and the whole batch is rolled back and tried again.

Everything runs in the caller's transaction: the caller commits the batch or rolls it back whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adflux.bulk_encoding import NULL
from adflux.candidates.import_columns import ColumnBatch
from adflux.candidates.import_reading import RowError
from adflux.candidates.models import Candidate
from adflux.db import UTCDateTime, utcnow
from adflux.i18n.messages import Message

if TYPE_CHECKING:
    import pyarrow as pa

STAGING = "candidate_import_rows"
PLAN = "candidate_import_plan"
# How SQLAlchemy's SQLite dialect writes a timestamp (and reads it back).
SQLITE_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"
# Columns an inserted row always needs, whether or not the file has them.
_ALWAYS_STAGED = ("external_ref", "languages", "skills")


class BatchRaced(Exception):
    """Another writer inserted a candidate of this batch between matching and inserting."""


@dataclass
class BatchOutcome:
    added_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    refused: list[RowError] = field(default_factory=list)
    # Consenting candidates whose consent the file withdraws or whose email or phone it changes:
    # their hashes must leave the platform audiences (found before the update, as they were).
    readdressed_ids: list[int] = field(default_factory=list)


def staging_table(file_columns: tuple[str, ...]) -> sa.Table:
    """The temporary table one batch is staged in: its line numbers and the candidate columns."""
    names = [*file_columns, *(n for n in _ALWAYS_STAGED if n not in file_columns)]
    source = Candidate.__table__
    return sa.Table(
        STAGING,
        sa.MetaData(),
        sa.Column("line", sa.Integer, nullable=False),
        *(sa.Column(name, source.c[name].type) for name in names),
        prefixes=["TEMPORARY"],
    )


def write_batch(
    connection: Connection,
    staging: sa.Table,
    rows: StagedRows,
    *,
    file_columns: tuple[str, ...],
    before_update: Callable[[list[int]], None],
) -> BatchOutcome:
    """Upsert the batch's rows into candidates, in the connection's transaction.

    ``before_update`` is given the readdressed candidates (see BatchOutcome) while their rows
    still hold what the platforms were sent.
    """
    outcome = BatchOutcome()
    batch = rows.batch
    if not batch.lines:
        return outcome
    postgres = connection.dialect.name == "postgresql"
    targets, outcome.refused, outcome.readdressed_ids = _match(connection, batch)
    _stage(connection, staging, rows)
    _stage_plan(connection, targets)
    # The candidates a row reaches, as an indexed condition: joined only, the planner priced
    # 20,000 primary-key probes above a scan of the whole table, once per batch.
    reached = [t for t in targets.values() if t is not None]
    only_reached = " AND c.id = ANY(CAST(:reached AS integer[]))" if postgres else ""
    reached_param = {"reached": _int_array(reached)} if postgres else {}
    if outcome.readdressed_ids:
        before_update(outcome.readdressed_ids)
    now = sa.bindparam("now", utcnow(), type_=UTCDateTime())
    updatable = [name for name in file_columns if name != "external_ref"]
    if reached:
        stored = ", ".join(f"c.{name}" for name in updatable)
        staged = ", ".join(f"s.{name}" for name in updatable)
        assignments = ", ".join(f"{name} = s.{name}" for name in updatable)
        updated = connection.execute(
            sa.text(
                f"UPDATE candidates AS c SET {assignments}, updated_at = :now"
                f" FROM {STAGING} s JOIN {PLAN} p ON p.line = s.line"
                f" WHERE c.id = p.target{only_reached}"
                f" AND ({stored}) IS DISTINCT FROM ({staged})"
                " RETURNING id"  # unqualified: SQLite does not know the alias there
            ).bindparams(now),
            reached_param,
        )
        outcome.updated_ids = list(updated.scalars().all())
    outcome.unchanged = len(reached) - len(outcome.updated_ids)
    inserted_names = [c.name for c in staging.c if c.name != "line"]
    columns = ", ".join(inserted_names)
    expected = len(batch.lines) - len(targets)
    if expected:
        # A plain INSERT: ON CONFLICT DO NOTHING inserts each row speculatively, which took
        # half as long again. A conflict means another writer added one of these people since
        # the match: the batch is rolled back and matched again.
        try:
            added = connection.execute(
                sa.text(
                    f"INSERT INTO candidates ({columns}, created_at, updated_at)"
                    f" SELECT {', '.join(f's.{n}' for n in inserted_names)}, :now, :now"
                    f" FROM {STAGING} s"
                    f" WHERE NOT EXISTS (SELECT 1 FROM {PLAN} p WHERE p.line = s.line)"
                    " RETURNING id"
                ).bindparams(now)
            )
        except sa.exc.IntegrityError as exc:
            if _is_unique_violation(exc.orig):
                raise BatchRaced(f"a row was inserted meanwhile: {exc.orig}") from exc
            raise
        outcome.added_ids = list(added.scalars().all())
    return outcome


def _is_unique_violation(error: BaseException | None) -> bool:
    """A unique index refused a row (by the driver's error code, on either database)."""
    if isinstance(error, psycopg.errors.UniqueViolation):
        return True
    return getattr(error, "sqlite_errorname", None) in ("SQLITE_CONSTRAINT_UNIQUE",)


Targets = dict[int, int | None]  # line -> the candidate it updates, None when refused


def _match(connection: Connection, batch: ColumnBatch) -> tuple[Targets, list[RowError], list[int]]:
    """The targets of the rows that reach a stored candidate (by external ref, else by email),
    the refusals, and the readdressed candidates (see BatchOutcome)."""
    refs = batch.values("external_ref") or [None] * len(batch.lines)
    emails = batch.values("email") or []
    consents = batch.values("marketing_consent") or []
    phones = batch.values("phone")
    by_ref, by_email = _stored_by(connection, [r for r in refs if r is not None], emails)
    targets: Targets = {}
    refused: list[RowError] = []
    readdressed: list[int] = []
    first_line_of: dict[int, int] = {}
    for index, (line, ref, email) in enumerate(zip(batch.lines, refs, emails, strict=True)):
        stored_by_ref = by_ref.get(ref) if ref is not None else None
        stored_by_email = by_email.get(email)
        if (
            stored_by_ref is not None
            and stored_by_email is not None
            and stored_by_ref.id != stored_by_email.id
        ):
            targets[line] = None
            refused.append(
                RowError(
                    line,
                    "email",
                    Message(
                        "another candidate (not the one with this external_ref) has this email"
                    ),
                )
            )
            continue
        stored = stored_by_ref if stored_by_ref is not None else stored_by_email
        if stored is None:
            continue
        earlier = first_line_of.setdefault(stored.id, line)
        if earlier != line:
            targets[line] = None
            refused.append(
                RowError(
                    line,
                    "external_ref" if stored_by_ref is not None else "email",
                    Message(
                        "reaches the same candidate as line %(line)s; the earlier row is used",
                        line=earlier,
                    ),
                )
            )
            continue
        targets[line] = stored.id
        if stored.marketing_consent and (
            not consents[index]
            or stored.email != email
            or (phones is not None and stored.phone != phones[index])
        ):
            readdressed.append(stored.id)
    return targets, refused, readdressed


class _Stored(NamedTuple):
    """What the matching needs of a stored candidate."""

    id: int
    marketing_consent: bool
    email: str
    phone: str | None


# Values per IN list on SQLite: under its limit on bound variables.
_IN_CHUNK = 10_000


def _stored_by(
    connection: Connection, refs: list[str], emails: list[str]
) -> tuple[dict[str, _Stored], dict[str, _Stored]]:
    """The stored candidates with these external refs, and those with these emails, by value."""
    fields = "id, marketing_consent, email, phone, external_ref"
    if connection.dialect.name == "postgresql":
        # One query for both: two took twice as long, most of it building rows in Python.
        rows = connection.execute(
            sa.text(
                f"SELECT {fields} FROM candidates"
                " WHERE external_ref = ANY(CAST(:refs AS text[]))"
                " OR email = ANY(CAST(:emails AS text[]))"
            ),
            {"refs": _text_array(refs), "emails": _text_array(emails)},
        ).all()
    else:
        rows = []
        for column, values in (("external_ref", refs), ("email", emails)):
            query = sa.text(f"SELECT {fields} FROM candidates WHERE {column} IN :values")
            query = query.bindparams(sa.bindparam("values", expanding=True))
            for start in range(0, len(values), _IN_CHUNK):
                chunk = values[start : start + _IN_CHUNK]
                rows += connection.execute(query, {"values": chunk}).all()
    wanted_refs, wanted_emails = set(refs), set(emails)
    by_ref: dict[str, _Stored] = {}
    by_email: dict[str, _Stored] = {}
    for row in rows:
        stored = _Stored(row[0], bool(row[1]), row[2], row[3])
        if row[4] in wanted_refs:
            by_ref[row[4]] = stored
        if row[2] in wanted_emails:
            by_email[row[2]] = stored
    return by_ref, by_email


# Arrays are sent as one literal each: psycopg adapts a list of 20,000 values one by one in
# Python, which took longer than the queries using them.
def _text_array(values: list[str]) -> str:
    """A PostgreSQL array literal of texts, every element quoted."""
    if not values:
        return "{}"
    joined = "\x00".join(values)
    if "\\" in joined or '"' in joined:
        values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
    return '{"' + '","'.join(values) + '"}'


def _int_array(values: list[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _stage_plan(connection: Connection, targets: Targets) -> None:
    """The matched rows' lines and candidates (None: refused) in a temporary table."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {PLAN}")
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {PLAN} (line INTEGER, target INTEGER)")
    if not targets:
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        text = "".join(
            f"{line}\t{NULL if target is None else target}\n" for line, target in targets.items()
        )
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {PLAN} (line, target) FROM STDIN") as copy:
                copy.write(text)
            cursor.execute(f"ANALYZE {PLAN}")
    else:
        raw.cursor().executemany(f"INSERT INTO {PLAN} VALUES (?, ?)", list(targets.items()))


@dataclass(frozen=True)
class StagedRows:
    """A batch encoded for its database (COPY CSV, or row tuples), ready to stage."""

    batch: ColumnBatch
    names: tuple[str, ...]
    payload: Any


def encode_batch(staging: sa.Table, batch: ColumnBatch, *, dialect: str) -> StagedRows:
    """The batch's rows as the staging table takes them (pure: runs in the reading thread)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    count = len(batch)
    table = batch.table
    columns: dict[str, Any] = {"line": pa.array(batch.lines, pa.int64())}
    for column in staging.c:
        if column.name == "line":
            continue
        if column.name not in table.column_names:  # needed to insert: empty lists
            columns[column.name] = pa.array(["[]"] * count, pa.string())
            continue
        values = table.column(column.name)
        if column.name == "external_ref" and values.null_count:
            # A row without a ref is matched by email; if it is new it gets one, as the API does.
            generated = pa.array([f"cand-{uuid.uuid4().hex[:16]}" for _ in range(count)])
            values = pc.coalesce(values, generated)
        columns[column.name] = values
    rows = pa.table(columns)
    if dialect == "postgresql":
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(rows, sink, pa_csv.WriteOptions(include_header=False))
        payload: Any = sink.getvalue().to_pybytes()
    else:
        payload = _sqlite_rows(rows)
    return StagedRows(batch, tuple(columns), payload)


def _sqlite_rows(rows: pa.Table) -> list[tuple[Any, ...]]:
    """Row tuples of what SQLite stores (JSON as text, timestamps in SQLAlchemy's text form)."""
    import pyarrow as pa

    columns = []
    for column, values in zip(rows.schema, rows.columns, strict=True):
        cells = values.to_pylist()
        if pa.types.is_timestamp(column.type):
            cells = [None if v is None else v.strftime(SQLITE_TIMESTAMP) for v in cells]
        columns.append(cells)
    return list(zip(*columns, strict=True))


def _stage(connection: Connection, staging: sa.Table, rows: StagedRows) -> None:
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGING}")
    staging.create(connection)
    raw = connection.connection.driver_connection
    assert raw is not None
    names = ", ".join(rows.names)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(rows.payload)
            # Fresh temporary tables have no statistics: without them the joins below were
            # planned as nested loops over the whole batch. Only the joined column: statistics
            # of every column (texts, JSON) took twice as long as the COPY itself.
            cursor.execute(f"ANALYZE {STAGING} (line)")
    else:
        marks = ", ".join("?" for _ in rows.names)
        raw.cursor().executemany(f"INSERT INTO {STAGING} ({names}) VALUES ({marks})", rows.payload)
