"""Declarative base, naming convention, shared column types and mixins."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeAlias, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session

from adflux.errors import Conflict
from adflux.i18n.messages import Message, from_json, to_json

T = TypeVar("T")

# Named constraints make Alembic migrations reproducible across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Primary keys are 32-bit integers on PostgreSQL (``integer``): no row has a larger id, and a
# larger value sent in a query fails there ("integer out of range") or, past 2**63, on SQLite.
MAX_ID = 2**31 - 1

# What services take as ``db_session``: a Session, or Flask-SQLAlchemy's scoped ``db.session``.
DbSession: TypeAlias = Session | scoped_session[Any]

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp on every backend (SQLite hands back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Any:
        # PostgreSQL's driver hands back aware timestamps already: no call per value read (two
        # per job in a page of fifty).
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)


class MessageType(sa.TypeDecorator[Message]):
    """A Message stored as its msgid and parameters (JSON), rendered when it is read in the
    reader's language (i18n.messages.to_json)."""

    impl = JSONType
    cache_ok = True

    def process_bind_param(self, value: Message | None, dialect: sa.Dialect) -> Any:
        return None if value is None else to_json(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Message | None:
        return None if value is None else from_json(value)


def utcnow() -> datetime:
    """Timezone-aware current time; every stored timestamp is UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


# SQLite's extended result codes for a refused duplicate (sqlite3 exposes them from Python 3.11).
_SQLITE_DUPLICATE_CODES = frozenset(
    {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
)
_POSTGRES_UNIQUE_VIOLATION = "23505"


def is_unique_violation(error: sa.exc.IntegrityError) -> bool:
    """Whether the database refused a duplicate value (by error code, on both backends)."""
    sqlstate = getattr(error.orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return bool(sqlstate == _POSTGRES_UNIQUE_VIOLATION)
    return getattr(error.orig, "sqlite_errorcode", None) in _SQLITE_DUPLICATE_CODES


# Another transaction held what this one needed: PostgreSQL's serialization failure, deadlock and
# lock-not-available classes; SQLite's BUSY and LOCKED (its timeout ran out waiting for a writer).
_POSTGRES_CONTENTION = {"40001", "40P01", "55P03"}
_SQLITE_CONTENTION = {5, 6}


def is_contention(error: sa.exc.OperationalError) -> bool:
    """Whether the database gave up on locks held by concurrent work: worth retrying at once."""
    sqlstate = getattr(error.orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return sqlstate in _POSTGRES_CONTENTION
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_CONTENTION  # extended codes keep the base


def write_or_recheck(
    db_session: DbSession, write: Callable[[], T], *, recheck: Callable[[], T | None]
) -> T:
    """Run ``write`` (which flushes or commits); answer a lost race as the sequential path does.

    A service checks a unique value (``recheck``) and then writes; a concurrent request can store
    the same value between the two, and the database refuses the write. Then roll back and run the
    check again: the winner is committed by now (PostgreSQL makes the loser wait for it, SQLite
    serialises writers), so the check raises the 409 a sequential request gets, or returns the
    winner's result for an idempotent retry. Reuse it for any create guarded by a unique column:
    ``write_or_recheck(db_session, lambda: _insert(...), recheck=lambda: _check_free(...))``.
    """
    try:
        return write()
    except sa.exc.IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        db_session.rollback()
        answer = recheck()
        if answer is None:
            # The winner is gone again (deleted meanwhile): a state the client can simply retry.
            raise Conflict(
                "a concurrent request stored the same value at the same time; send this one again"
            ) from exc
        return answer


# A read-only transaction ends with COMMIT, not ROLLBACK. psycopg forgets every statement it has
# prepared on a connection when that connection rolls back (DEALLOCATE ALL: it cannot tell what a
# rolled-back transaction changed), so a request that read in a transaction and was rolled back
# at its end made the next requests on that connection plan each statement again: under load
# two in three executions of POST /api/v1/applications were planned anew (pg_stat_statements),
# 0.3 ms of server time each. For a transaction that wrote nothing COMMIT ends it the same way
# (its locks, a SELECT ... FOR UPDATE's included, are released either way).
_ONLY_READ = "adflux_transaction_only_read"


def track_writes(engine: sa.Engine) -> None:
    """Keep on each connection whether its transaction has run nothing but SELECTs (read by
    `end_read_only_transaction`). Anything else counts as a write: a WITH may hold one."""

    @sa.event.listens_for(engine, "begin")
    def _transaction_begins(connection: sa.Connection) -> None:
        connection.info[_ONLY_READ] = True

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _statement_runs(
        connection: sa.Connection, _cursor: Any, statement: str, *_args: Any
    ) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            connection.info[_ONLY_READ] = False


def end_read_only_transaction(db_session: Session) -> None:
    """Commit the session's transaction if it only read (nothing flushed, nothing pending), so
    that closing the session does not roll it back. A transaction that wrote, or whose writes
    nobody tracked (an engine not given to `track_writes`), is left to be rolled back."""
    if not db_session.in_transaction() or db_session.new or db_session.dirty or db_session.deleted:
        return
    connection = db_session.connection()
    # In autocommit there is no transaction on the server to end: closing the session is enough.
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if not autocommit and connection.info.get(_ONLY_READ) is True:
        db_session.commit()


def row_reader(db_session: DbSession) -> DbSession | sa.Connection:
    """What a read of plain rows (no entities) runs on: the session's own connection, where
    rows come as the driver gives them (through the session, each row of such a query still goes
    through the ORM's loading: a tenth of a jobs list request's CPU). A session holding changes
    it has not flushed runs the read itself, as it flushes them first."""
    if db_session.new or db_session.dirty or db_session.deleted:
        return db_session
    return db_session.connection()


def as_dicts(rows: Sequence[sa.Row[Any]]) -> list[dict[str, Any]]:
    """Rows as dicts of their columns by name, the names read once: a row's ``_asdict()`` asks
    its result for them again each time (a quarter of the campaign list's CPU, 250 rows a page)."""
    if not rows:
        return []
    names = rows[0]._fields
    return [dict(zip(names, row, strict=True)) for row in rows]


@contextmanager
def self_committing_connection(db_session: Session) -> Iterator[sa.Connection]:
    """A connection on which each statement commits itself (autocommit), for a write made of one
    statement: a pooled connection of its own, beside the session rather than through it (the
    session's bookkeeping of a transaction, begun and committed around one statement, cost a
    tenth of such a request). Where the session is bound to a connection (a test's transaction),
    that connection as it is, so the write stays inside what the test rolls back."""
    bind = db_session.get_bind()
    if isinstance(bind, sa.Connection):
        yield bind
        return
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection
