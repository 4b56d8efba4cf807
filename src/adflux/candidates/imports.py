"""Importing a candidate file (CSV or Parquet, up to millions of rows): the use case.

The file is read and validated a batch at a time in a background thread
(``import_reading``, ``import_validation``) while the database writes the batch before
(``import_writing``). Each batch is one transaction: its candidates are inserted or updated,
the new and changed ones are put in their segment of the active run, consenting candidates whose
consent the file withdraws or whose email or phone it changes have their old hashes marked for
removal from the platform audiences, and the import's record gets the batch's counts; or nothing
of it is written. Changed candidates' ``updated_at`` moves, so the next audience refresh sends
them again (new ones join through their segment); removals are sent right after the import.

Every refused row is written to the error report (line, field, reason), a CSV file beside the
summary (a JSON file) in ``<data dir>/imports/``. The reason is stored as its message's JSON
(msgid and parameters): ``read_report`` gives it back, to be read in the reader's language.
"""

from __future__ import annotations

import csv
import gc
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from adflux.audiences import service as audiences
from adflux.audit import service as audit
from adflux.background.dispatch import send_task
from adflux.bulk_encoding import prefetch
from adflux.candidates.import_columns import ColumnBatch, refuse_repeats, validate_columns
from adflux.candidates.import_reading import (
    CsvRows,
    FileFormat,
    ParquetRows,
    RowError,
    detect_format,
    open_rows,
)
from adflux.candidates.import_validation import SeenKeys
from adflux.candidates.import_writing import (
    BatchRaced,
    StagedRows,
    encode_batch,
    staging_table,
    write_batch,
)
from adflux.candidates.models import Candidate, CandidateImport
from adflux.context import actor_var, request_id_var
from adflux.db import DbSession, utcnow
from adflux.errors import NotFound
from adflux.i18n.messages import Message, to_json
from adflux.pagination import Page, paginate
from adflux.segmentation import assignment

log = logging.getLogger(__name__)

BATCH_ROWS = 20_000
REPORT_DIR = "imports"
REPORT_COLUMNS = ("line", "field", "reason")
# What a database refuses in one batch: the batch is rolled back and the import goes on.
_BATCH_FAILURES = (
    IntegrityError,
    DataError,
    BatchRaced,
    psycopg.errors.IntegrityError,
    psycopg.errors.DataError,
    sqlite3.IntegrityError,
    sqlite3.DataError,
)


@dataclass
class _Prepared:
    """A batch ready to write: its valid rows, encoded, and the errors found before writing."""

    staged: StagedRows
    errors: list[RowError]
    rows_read: int


def import_candidates(
    *,
    db_session: DbSession,
    stream: IO[bytes],
    filename: str,
    file_format: FileFormat | None = None,
    batch_rows: int = BATCH_ROWS,
    on_progress: Callable[[int], None] | None = None,
) -> CandidateImport:
    """Import the file's candidates (upsert by external ref or email); the finished record.

    Raises FileRefused (422) before writing anything when the file cannot be imported at all:
    not CSV or Parquet, not UTF-8, a required column missing (``marketing_consent`` above all).
    """
    if file_format is None:
        head = stream.read(8)
        stream.seek(0)
        file_format = detect_format(filename, head)
    reader = open_rows(stream, file_format=file_format, batch_rows=batch_rows)
    record = CandidateImport(
        filename=Path(filename).name[:255] or "upload",
        file_format=file_format,
        status="running",
        rows_read=0,
        added=0,
        updated=0,
        unchanged=0,
        refused=0,
        failed_batches=0,
        ignored_columns=list(reader.header.ignored),
        requested_by=actor_var.get(),
        request_id=request_id_var.get(),
    )
    db_session.add(record)
    db_session.commit()
    import_id = record.id
    report = _report_path(import_id)
    record.report_path = str(report.relative_to(_data_dir()))
    db_session.commit()
    try:
        with report.open("w", encoding="utf-8", newline="") as report_file, _paused_gc():
            run = _Run(db_session, record, report_file, reader)
            run.all_batches(on_progress)
    except BaseException as exc:
        _record_failure(db_session, record, import_id, exc)
        raise
    record.status = "done"
    record.finished_at = utcnow()
    audit.record(
        db_session=db_session,
        action="candidate.import",
        entity_type="candidate_import",
        entity_id=record.id,
        # Counts only: the rows are personal data.
        details=summary_of(record) | {"report_path": record.report_path},
    )
    db_session.commit()
    _write_summary(record)
    if run.removals_queued:
        send_task(audiences.REMOVAL_TASK)  # after the commits; the scheduled refresh is the net
    return record


def _record_failure(
    db_session: DbSession, record: CandidateImport, import_id: int, exc: BaseException
) -> None:
    """Mark the import failed, if the database still answers: the error that stopped it is
    what the caller gets either way (the batches before it stay written)."""
    try:
        db_session.rollback()
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}"[:2000]
        record.finished_at = utcnow()
        db_session.commit()
        _write_summary(record)
    except (SQLAlchemyError, OSError) as second:
        db_session.rollback()
        log.error("candidate import %s failed (%s); not marked so: %s", import_id, exc, second)


def list_imports(
    *, db_session: DbSession, limit: int, offset: int = 0, request_id: str | None = None
) -> Page[CandidateImport]:
    """The imports, newest first; those a request started, when ``request_id`` is given."""
    query = sa.select(CandidateImport).order_by(CandidateImport.id.desc())
    if request_id is not None:
        query = query.where(CandidateImport.request_id == request_id)
    return paginate(db_session, query, limit=limit, offset=offset)


def get_import_or_404(*, db_session: DbSession, import_id: int) -> CandidateImport:
    record = db_session.get(CandidateImport, import_id)
    if record is None:
        raise NotFound("candidate import %(import_id)s does not exist", import_id=import_id)
    return record


def report_file(record: CandidateImport) -> Path | None:
    """The import's error report on disk, if it is there."""
    if not record.report_path:
        return None
    path = _data_dir() / record.report_path
    return path if path.is_file() else None


def read_report(path: Path) -> Iterator[tuple[str, str, str]]:
    """The rows of an error report: (line, field, reason as stored: its message's JSON, or the
    plain text of a report from before reasons were stored so; i18n.messages.from_stored)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)  # the header
        yield from ((line, field, reason) for line, field, reason in rows)


def summary_of(record: CandidateImport) -> dict[str, Any]:
    return {
        "rows_read": record.rows_read,
        "added": record.added,
        "updated": record.updated,
        "unchanged": record.unchanged,
        "refused": record.refused,
        "failed_batches": record.failed_batches,
    }


class _Run:
    """The batches of one import, each written and committed (or rolled back) on its own."""

    def __init__(
        self,
        db_session: DbSession,
        record: CandidateImport,
        report_file: IO[str],
        reader: CsvRows | ParquetRows,
    ):
        self.db_session = db_session
        self.record = record
        self.report = csv.writer(report_file)
        self.report.writerow(REPORT_COLUMNS)
        self.reader = reader
        self.staging = staging_table(reader.header.columns)
        self.removals_queued = False
        # Kept here as well as on the record: a rolled-back batch expires the record's attributes.
        self.counts = summary_of(record)

    def all_batches(self, on_progress: Callable[[int], None] | None) -> None:
        # Reading and validating the next batches overlaps with the database writing this one.
        dialect = self.db_session.get_bind().dialect.name
        for prepared in prefetch(_prepared_batches(self.reader, self.staging, dialect)):
            self._report(prepared.errors)
            self.counts["rows_read"] += prepared.rows_read
            self.counts["refused"] += len({error.line for error in prepared.errors})
            self._write(prepared.staged)
            if on_progress is not None:
                on_progress(self.counts["rows_read"])

    def _write(self, staged: StagedRows) -> None:
        for attempt in range(2):
            try:
                self._write_once(staged)
                return
            except _BATCH_FAILURES as exc:
                self.db_session.rollback()
                if isinstance(exc, BatchRaced) and attempt == 0:
                    continue  # matched again, the newcomers are found this time
                self._fail(staged.batch, exc)
                return

    def _write_once(self, staged: StagedRows) -> None:
        db_session = self.db_session
        outcome = write_batch(
            db_session.connection(),
            self.staging,
            staged,
            file_columns=self.reader.header.columns,
            before_update=self._queue_removals,
        )
        assignment.assign_candidates(
            db_session=db_session, candidate_ids=outcome.added_ids + outcome.updated_ids
        )
        counts = dict(self.counts)
        counts["added"] += len(outcome.added_ids)
        counts["updated"] += len(outcome.updated_ids)
        counts["unchanged"] += outcome.unchanged
        counts["refused"] += len(outcome.refused)
        self._store(counts)
        db_session.commit()
        self.counts = counts
        self._report(outcome.refused)
        if outcome.readdressed_ids:
            self.removals_queued = True

    def _queue_removals(self, candidate_ids: list[int]) -> None:
        for candidate_id in candidate_ids:
            candidate = self.db_session.get(Candidate, candidate_id)
            assert candidate is not None  # matched in this transaction
            audiences.queue_candidate_removal(
                db_session=self.db_session, candidate=candidate, forget=False
            )

    def _fail(self, batch: ColumnBatch, exc: BaseException) -> None:
        """The batch was rolled back: each of its rows is refused with the database's reason."""
        reason = _database_reason(exc)
        log.warning("candidate import %s: a batch was rolled back: %s", self.record.id, reason)
        first, last = batch.lines[0], batch.lines[-1]
        why = Message(
            "not imported: the batch of lines %(first)s-%(last)s was rolled back (%(reason)s)",
            first=first,
            last=last,
            reason=reason,
        )
        self._report([RowError(line, "row", why) for line in batch.lines])
        counts = dict(self.counts)
        counts["refused"] += len(batch.lines)
        counts["failed_batches"] += 1
        self._store(counts)
        self.db_session.commit()
        self.counts = counts

    def _store(self, counts: dict[str, int]) -> None:
        for name, value in counts.items():
            setattr(self.record, name, value)

    def _report(self, errors: list[RowError]) -> None:
        # A reason is shared by every row that gives it (one per distinct value): its JSON is
        # written once.
        stored: dict[int, str] = {}

        def as_json(reason: Message) -> str:
            text = stored.get(id(reason))
            if text is None:
                text = stored[id(reason)] = json.dumps(
                    to_json(reason), ensure_ascii=False, separators=(",", ":")
                )
            return text

        self.report.writerows(
            (e.line, e.field, as_json(e.reason)) for e in sorted(errors, key=lambda e: e.line)
        )


def _prepared_batches(
    reader: CsvRows | ParquetRows, staging: sa.Table, dialect: str
) -> Iterator[_Prepared]:
    """Read, validate, drop repeated people and encode; no database work (runs in a thread)."""
    seen = SeenKeys()
    for raw in reader.batches():
        valid, errors = validate_columns(raw)
        valid, repeats = refuse_repeats(seen, valid)
        staged = encode_batch(staging, valid, dialect=dialect)
        yield _Prepared(staged, errors + repeats, len(raw) + len(raw.refused))


def _database_reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    diagnostic = getattr(original, "diag", None)
    text = getattr(diagnostic, "message_primary", None) or str(original).splitlines()[0]
    return f"{type(original).__name__}: {text}"[:300]


@contextmanager
def _paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while a file is read.

    A batch creates a list per row: the collector then runs every few hundred of them and walks
    every live object each time, which took as long as parsing the file itself. Nothing an
    import creates forms cycles that need it; it runs again (and collects) afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _data_dir() -> Path:
    return Path(current_app.config["ADFLUX_SETTINGS"].data_dir).resolve()


def _report_path(import_id: int) -> Path:
    folder = _data_dir() / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"candidates-{import_id}-errors.csv"


def _write_summary(record: CandidateImport) -> None:
    """The summary, as JSON, beside the error report."""
    path = _data_dir() / REPORT_DIR / f"candidates-{record.id}.json"
    body = {
        "id": record.id,
        "filename": record.filename,
        "status": record.status,
        **summary_of(record),
        "ignored_columns": record.ignored_columns,
        "report_path": record.report_path,
        "error": record.error,
        "started_at": record.started_at.isoformat(),
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
    }
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
