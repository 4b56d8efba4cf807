"""Writing one validated batch of a candidate file: staged, matched, then inserted or updated.

The batch goes into a temporary table (PostgreSQL: COPY through psycopg's ``cursor.copy``;
SQLite: one ``executemany``), and from there the same statements on both databases:

1. each staged row is matched to a stored candidate by external ref, else by normalised email;
   a row whose ref and email point at two different candidates, or that reaches a candidate
   another row of the batch already reaches, is refused (the report says why);
2. matched rows update their candidate only where a value differs (``IS DISTINCT FROM``), so
   importing a file twice changes nothing, and an updated candidate's ``updated_at`` moves, which
   is what the audience refresh compares (audiences/service.py);
3. the other rows are inserted (``INSERT ... ON CONFLICT DO NOTHING``): a row another writer
   inserted meanwhile is found missing and the whole batch is tried again.

Everything runs in the caller's transaction: the caller commits the batch or rolls it back whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adflux.bulk_encoding import copy_text, sqlite_rows
from adflux.candidates.import_reading import RowError
from adflux.candidates.import_validation import ValidBatch
from adflux.candidates.models import Candidate
from adflux.db import UTCDateTime, utcnow

STAGING = "candidate_import_rows"
PLAN = "candidate_import_plan"
# Columns an inserted row always needs, whether or not the file has them.
_ALWAYS_STAGED = ("external_ref", "languages", "skills")
# What the platforms matched a consenting candidate on (audiences/service.py).
_AUDIENCE_IDENTIFIERS = ("email", "phone")


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
    _stage(connection, staging, rows)
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {PLAN}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {PLAN} AS"
        " SELECT s.line AS line, r.id AS by_ref, e.id AS by_email,"
        " coalesce(r.id, e.id) AS target"
        f" FROM {STAGING} s"
        " LEFT JOIN candidates r ON r.external_ref = s.external_ref"
        " LEFT JOIN candidates e ON e.email = s.email"
    )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ANALYZE {PLAN}")
    outcome.refused = _refuse_clashes(connection)
    updatable = [name for name in file_columns if name != "external_ref"]
    outcome.readdressed_ids = _readdressed(connection, file_columns)
    if outcome.readdressed_ids:
        before_update(outcome.readdressed_ids)
    now = sa.bindparam("now", utcnow(), type_=UTCDateTime())
    stored = ", ".join(f"c.{name}" for name in updatable)
    staged = ", ".join(f"s.{name}" for name in updatable)
    assignments = ", ".join(f"{name} = s.{name}" for name in updatable)
    updated = connection.execute(
        sa.text(
            f"UPDATE candidates AS c SET {assignments}, updated_at = :now"
            f" FROM {STAGING} s JOIN {PLAN} p ON p.line = s.line"
            f" WHERE c.id = p.target AND ({stored}) IS DISTINCT FROM ({staged})"
            " RETURNING id"  # unqualified: SQLite does not know the alias there
        ).bindparams(now)
    )
    outcome.updated_ids = list(updated.scalars().all())
    matched = connection.execute(
        sa.text(f"SELECT count(*) FROM {PLAN} WHERE target IS NOT NULL")
    ).scalar_one()
    outcome.unchanged = matched - len(outcome.updated_ids)
    inserted_names = [c.name for c in staging.c if c.name != "line"]
    columns = ", ".join(inserted_names)
    expected = len(batch.lines) - len(outcome.refused) - matched
    added = connection.execute(
        sa.text(
            f"INSERT INTO candidates ({columns}, created_at, updated_at)"
            f" SELECT {', '.join(f's.{n}' for n in inserted_names)}, :now, :now"
            f" FROM {STAGING} s JOIN {PLAN} p ON p.line = s.line WHERE p.target IS NULL"
            " ON CONFLICT DO NOTHING RETURNING id"
        ).bindparams(now)
    )
    outcome.added_ids = list(added.scalars().all())
    if len(outcome.added_ids) != expected:
        raise BatchRaced(f"{expected - len(outcome.added_ids)} rows were inserted meanwhile")
    return outcome


@dataclass(frozen=True)
class StagedRows:
    """A batch encoded for its database (COPY text, or row tuples), ready to stage."""

    batch: ValidBatch
    names: tuple[str, ...]
    payload: Any


def encode_batch(staging: sa.Table, batch: ValidBatch, *, dialect: str) -> StagedRows:
    """The batch's rows as the staging table takes them (pure: runs in the reading thread)."""
    count = len(batch.lines)
    columns: dict[str, Any] = {"line": batch.lines}
    for column in staging.c:
        if column.name == "line":
            continue
        values = batch.columns.get(column.name)
        if values is None:  # a column the file lacks, needed to insert: empty lists
            values = [[] for _ in range(count)]
        if column.name == "external_ref":
            # A row without a ref is matched by email; if it is new it gets one, as the API does.
            values = [ref or f"cand-{uuid.uuid4().hex[:16]}" for ref in values]
        columns[column.name] = values
    if dialect == "postgresql":
        payload: Any = copy_text(staging, columns)
    else:
        payload = sqlite_rows(staging, columns)
    return StagedRows(batch, tuple(columns), payload)


def _stage(connection: Connection, staging: sa.Table, rows: StagedRows) -> None:
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGING}")
    staging.create(connection)
    raw = connection.connection.driver_connection
    assert raw is not None
    names = ", ".join(rows.names)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
                copy.write(rows.payload)
            # Fresh temporary tables have no statistics: without them the joins below were
            # planned as nested loops over the whole batch.
            cursor.execute(f"ANALYZE {STAGING}")
    else:
        marks = ", ".join("?" for _ in rows.names)
        raw.cursor().executemany(f"INSERT INTO {STAGING} ({names}) VALUES ({marks})", rows.payload)


def _refuse_clashes(connection: Connection) -> list[RowError]:
    """Refuse (and drop from the plan) rows that reach two candidates, or one already reached."""
    rows = connection.execute(
        sa.text(f"SELECT line, by_ref, by_email, target FROM {PLAN} WHERE target IS NOT NULL")
    ).all()
    refused: list[RowError] = []
    first_line_of: dict[int, int] = {}
    for line, by_ref, by_email, target in sorted(rows):
        if by_ref is not None and by_email is not None and by_ref != by_email:
            refused.append(
                RowError(
                    line,
                    "email",
                    "another candidate (not the one with this external_ref) has this email",
                )
            )
            continue
        earlier = first_line_of.setdefault(target, line)
        if earlier != line:
            refused.append(
                RowError(
                    line,
                    "external_ref" if by_ref == target else "email",
                    f"reaches the same candidate as line {earlier}; the earlier row is used",
                )
            )
    if refused:
        lines = [error.line for error in refused]
        connection.execute(
            sa.text(f"DELETE FROM {PLAN} WHERE line IN :lines").bindparams(
                sa.bindparam("lines", expanding=True)
            ),
            {"lines": lines},
        )
    return refused


def _readdressed(connection: Connection, file_columns: tuple[str, ...]) -> list[int]:
    changes = ["NOT s.marketing_consent"] + [
        f"c.{name} IS DISTINCT FROM s.{name}"
        for name in _AUDIENCE_IDENTIFIERS
        if name in file_columns
    ]
    return list(
        connection.execute(
            sa.text(
                f"SELECT c.id FROM candidates c JOIN {PLAN} p ON c.id = p.target"
                f" JOIN {STAGING} s ON s.line = p.line"
                f" WHERE c.marketing_consent AND ({' OR '.join(changes)})"
            )
        ).scalars()
    )
