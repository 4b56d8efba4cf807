"""Importing a job feed: upsert its jobs by reference number, close the ones a full feed no
longer lists (pausing their campaigns on every platform), and report what happened.

The jobs of one import are written in one transaction: a feed that turns out unreadable half-way
(malformed XML at job 50,000) leaves the jobs as they were, and its run is recorded as failed with
the reason. Closing and reopening come after that commit, job by job, through the jobs service's
status transitions (a closed job's live campaigns are paused on every platform).

Rows are read and written with Core statements, a batch at a time, so a 100,000-job feed keeps no
ORM object per job in memory: what grows with the feed is the set of references seen (to find
duplicates and the jobs no longer listed) and the ids of the jobs added.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb

from adflux.audit import service as audit
from adflux.audit.models import AuditLog
from adflux.campaign_templates import service as templates
from adflux.context import actor_var
from adflux.db import DbSession, utcnow
from adflux.errors import AdfluxError, Conflict, NotFound, ValidationFailed
from adflux.feeds import fetching
from adflux.feeds.mapping import Mapped, Refused, Unmapped, map_record
from adflux.feeds.models import FeedImport, ImportStatus
from adflux.feeds.parsing import FeedRecord, FeedUnreadable, read_feed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message, to_json
from adflux.jobs import service as jobs
from adflux.jobs.models import JobOpening, JobStatus
from adflux.pagination import Page, paginate

log = logging.getLogger(__name__)

BATCH = 1_000
SOURCE_MAX = 2_000  # characters of a feed's URL or file name kept
URL_TOO_LONG = N_("longer than %(limit)s characters")
# How often a running import stores how many jobs it has read (for `adflux import jobs`).
PROGRESS_EVERY_S = 1.0
DEFAULT_FEED = "default"
# What a report keeps of a long list: the counts are always exact.
REFUSALS_KEPT = 1_000
UNMAPPED_VALUES_KEPT = 50
# An import of the same feed still running this long after it started is taken for a dead one.
RUNNING_STALE_AFTER = timedelta(hours=2)
# A full feed that drops more than this share of its feed's open jobs, and more than
# CLOSE_GUARD_MIN_JOBS of them, is taken for a broken export (a truncated file, an empty
# category): it closes none of them unless told to (`force_close`), and says so.
CLOSE_GUARD_SHARE = 0.5
CLOSE_GUARD_MIN_JOBS = 20
# The job columns a feed sets (the rest: skills, currency, status, are AdFlux's own).
FEED_COLUMNS = (
    "title",
    "description",
    "company",
    "city",
    "department",
    "area",
    "seniority",
    "employment_type",
    "remote_mode",
    "salary_min_cop",
    "salary_max_cop",
)


def feed_digest(fields: dict[str, Any]) -> str:
    """What the feed said of a job, as a SHA-256 of its mapped fields: a re-import compares this
    instead of reading every stored description back."""
    values = json.dumps([fields[name] for name in FEED_COLUMNS], ensure_ascii=False)
    return hashlib.sha256(values.encode()).hexdigest()


# The audit action written when a feed closes a job: a job the feed closed that comes back in it
# is reopened; one a person closed stays closed.
FEED_CLOSE_ACTION = "job_feed.close"
_STATUS_ACTIONS = ("job.close", "job.reopen", "job.pause", FEED_CLOSE_ACTION)


@dataclass
class _Run:
    """What an import has done so far (kept in memory, written to its FeedImport at the end)."""

    seen: dict[str, int] = field(default_factory=dict)  # reference -> position
    added_ids: list[int] = field(default_factory=list)
    to_reopen: list[int] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    unmapped: dict[str, Counter[str | Message]] = field(default_factory=dict)

    def refuse(self, where: Message, external_ref: str | None, reasons: Iterable[Message]) -> None:
        self.counts["refused"] += 1
        if len(self.refusals) < REFUSALS_KEPT:
            # Stored as messages (msgid and parameters): read in the reader's language.
            self.refusals.append(
                {
                    "where": to_json(where),
                    "external_ref": external_ref,
                    "reasons": [to_json(reason) for reason in reasons],
                }
            )

    def note_unmapped(self, pairs: Iterable[Unmapped]) -> None:
        for name, value in pairs:
            values = self.unmapped.setdefault(name, Counter())
            if value in values or len(values) < UNMAPPED_VALUES_KEPT:
                values[value] += 1


def import_feed(
    *,
    db_session: DbSession,
    stream: IO[bytes],
    source: str,
    feed: str = DEFAULT_FEED,
    full: bool = True,
    force_close: bool = False,
) -> FeedImport:
    """Import the jobs of a feed read from `stream`; the run's report.

    `full`: the feed lists every open job of `feed`, so a job of that feed it no longer lists is
    closed; unless that is more than half of them (CLOSE_GUARD_SHARE) and `force_close` is not
    set, in which case none is closed and the report warns. Raises FeedUnreadable (422, field
    `feed`) when the feed cannot be read; the run is then stored as failed and no job changed.
    """
    _refuse_concurrent_import(db_session, feed)
    run_row = FeedImport(feed=feed, source=source[:2000], full=full, created_by=actor_var.get())
    db_session.add(run_row)
    db_session.commit()
    return _run_import(db_session, run_row, stream, force_close=force_close)


def _run_import(
    db_session: DbSession, run_row: FeedImport, stream: IO[bytes], *, force_close: bool
) -> FeedImport:
    """The import of a recorded (running) FeedImport, from `stream`: see import_feed."""
    feed, full = run_row.feed, run_row.full
    progress = _ProgressWriter(db_session, run_row.id)
    run = _Run()
    try:
        for batch in _batches(read_feed(stream)):
            _upsert(db_session, feed, batch, run)
            progress.jobs_read(len(run.seen) + run.counts["refused"])
    except FeedUnreadable as exc:
        db_session.rollback()
        _finish_failed(db_session, run_row.id, Message(exc.template, **exc.params))
        raise
    except Exception as exc:  # the upload broke off, the body was too large, a database error
        db_session.rollback()
        _finish_failed(
            db_session,
            run_row.id,
            Message("the import stopped (%(error)s)", error=type(exc).__name__),
        )
        raise
    row = db_session.get(FeedImport, run_row.id)
    assert row is not None
    _store_counts(row, run)
    db_session.commit()  # every job of the feed at once

    warnings: list[Message] = []
    try:
        warnings.extend(_after_upsert(db_session, row, feed, run, full=full, force=force_close))
    except Exception as exc:
        # The jobs are stored: the run is done, and says what did not happen after them.
        db_session.rollback()
        row = db_session.get(FeedImport, run_row.id) or row
        stopped = Message(
            "closing, reopening or templates stopped part-way (%(error)s); the next import of "
            "the feed does what is left",
            error=type(exc).__name__,
        )
        row.warnings = [*row.warnings, to_json(stopped)]
        row.status = ImportStatus.DONE.value
        row.finished_at = utcnow()
        db_session.commit()
        raise
    row.warnings = [*row.warnings, *map(to_json, warnings)]
    row.status = ImportStatus.DONE.value
    row.finished_at = utcnow()
    audit.record(
        db_session=db_session,
        action="job_feed.import",
        entity_type="feed_import",
        entity_id=row.id,
        details={
            "feed": feed,
            "source": row.source,
            "added": row.added,
            "updated": row.updated,
            "closed": row.closed,
            "reopened": row.reopened,
            "refused": row.refused,
        },
    )
    db_session.commit()
    return row


def _after_upsert(
    db_session: DbSession, row: FeedImport, feed: str, run: _Run, *, full: bool, force: bool
) -> list[Message]:
    """Close what a full feed dropped, reopen what it brought back, let the templates create
    their campaigns; the warnings to report."""
    warnings: list[Message] = []
    if full and not run.seen:
        warnings.append(
            Message("closing skipped: the feed lists no job that could be read, so none was closed")
        )
    elif full:
        warnings.extend(_close_missing(db_session, row, feed, run, force=force))
    _reopen(db_session, row, run)
    db_session.commit()  # the counts so far: a campaign a template fails to create rolls back
    # Every job the templates owe, not only this import's: those a daily cap held back before.
    applied = templates.apply_templates(db_session=db_session)
    row.campaigns_created = applied.created
    warnings.extend(
        Message(
            "template %(template)s: %(count)s matching jobs left for another day by its daily cap",
            template=t,
            count=n,
        )
        for t, n in applied.capped.items()
    )
    warnings.extend(
        Message(
            "template %(template)s: no campaign for job %(job)s: %(reason)s",
            template=f["template_id"],
            job=f["job_id"],
            reason=f["reason"],
        )
        for f in applied.failed
    )
    return warnings


def import_feed_url(
    *,
    db_session: DbSession,
    url: str,
    feed: str = DEFAULT_FEED,
    full: bool = True,
    force_close: bool = False,
    max_bytes: int,
    allow_private_hosts: bool = False,
) -> FeedImport:
    """Fetch the feed at `url` (http or https) into a temporary file, then import it, here and
    now (the scheduled import); `start_url_import` and `run_url_import` do it in a task."""
    row = start_url_import(
        db_session=db_session,
        url=url,
        feed=feed,
        full=full,
        allow_private_hosts=allow_private_hosts,
    )
    return run_url_import(
        db_session=db_session,
        import_id=row.id,
        force_close=force_close,
        max_bytes=max_bytes,
        allow_private_hosts=allow_private_hosts,
    )


def start_url_import(
    *,
    db_session: DbSession,
    url: str,
    feed: str = DEFAULT_FEED,
    full: bool = True,
    allow_private_hosts: bool = False,
) -> FeedImport:
    """Record an import of the feed at `url`, running, for `run_url_import` to do (a task).

    ValidationFailed (field `url`) when it is not an http(s) URL at a public address (unless
    `allow_private_hosts`), and nothing is recorded; Conflict when an import of `feed` is
    running.
    """
    if not url.startswith(("http://", "https://")):
        raise ValidationFailed(
            "only http and https feeds", fields={"url": [N_("http(s) URL only")]}
        )
    if len(url) > SOURCE_MAX:
        raise ValidationFailed(
            "the feed's URL is too long", fields={"url": [Message(URL_TOO_LONG, limit=SOURCE_MAX)]}
        )
    fetching.check_url(url, allow_private_hosts=allow_private_hosts)
    _refuse_concurrent_import(db_session, feed)
    row = FeedImport(feed=feed, source=url, full=full, created_by=actor_var.get())
    db_session.add(row)
    db_session.commit()
    return row


def run_url_import(
    *,
    db_session: DbSession,
    import_id: int,
    force_close: bool = False,
    max_bytes: int,
    allow_private_hosts: bool = False,
) -> FeedImport:
    """Fetch and import the feed of a recorded URL import; its report. An import that is no
    longer running (done, failed) is returned as it is: a task sent twice imports once.

    The URL must be at a public address, and so must every redirect (``fetching``), unless
    `allow_private_hosts` (ADFLUX_FEED_ALLOW_PRIVATE_HOSTS). A feed that cannot be fetched is
    stored as a failed run and ValidationFailed (field `url`) raised.
    """
    row = get_import_or_404(db_session=db_session, import_id=import_id)
    if row.status != ImportStatus.RUNNING.value:
        return row
    with tempfile.TemporaryFile() as spool:
        try:
            fetching.download(
                row.source, spool, max_bytes=max_bytes, allow_private_hosts=allow_private_hosts
            )
        except ValidationFailed as exc:  # kept as a failed run: a task has no caller to tell
            _finish_failed(db_session, row.id, Message(exc.template, **exc.params))
            raise
        spool.seek(0)
        return _run_import(db_session, row, spool, force_close=force_close)


class _ProgressWriter:
    """The jobs read so far, stored while the import's own transaction is still open: through
    a connection of its own, at most every PROGRESS_EVERY_S, on PostgreSQL only (SQLite has one
    writer at a time, and the import is it; its progress is known when it ends)."""

    def __init__(self, db_session: DbSession, import_id: int):
        bind = db_session.get_bind()
        self._engine = bind.engine if bind.dialect.name == "postgresql" else None
        self._import_id = import_id
        self._last = 0.0

    def jobs_read(self, count: int) -> None:
        if self._engine is None or time.monotonic() - self._last < PROGRESS_EVERY_S:
            return
        self._last = time.monotonic()
        table = FeedImport.__table__
        # SKIP LOCKED: never wait for the import's own transaction, should it hold the row.
        target = sa.select(table.c.id).where(table.c.id == self._import_id)
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(table)
                .where(table.c.id == target.with_for_update(skip_locked=True).scalar_subquery())
                .values(jobs_read=count)
            )


def fail_import(*, db_session: DbSession, import_id: int, error: Message) -> None:
    """Store a running import as failed, with the reason (its task could not be sent)."""
    _finish_failed(db_session, import_id, error)


def _refuse_concurrent_import(db_session: DbSession, feed: str) -> None:
    running = db_session.scalar(
        sa.select(FeedImport.id).where(
            FeedImport.feed == feed,
            FeedImport.status == ImportStatus.RUNNING.value,
            FeedImport.started_at > utcnow() - RUNNING_STALE_AFTER,
        )
    )
    if running is not None:
        raise Conflict(
            "an import of feed '%(feed)s' is already running (import %(import_id)s); "
            "wait for it to finish",
            fields={"feed": [N_("an import of this feed is running")]},
            feed=feed,
            import_id=running,
        )


def _finish_failed(db_session: DbSession, import_id: int, error: Message) -> None:
    row = db_session.get(FeedImport, import_id)
    if row is None:  # pragma: no cover  (committed before the import started)
        return
    row.status = ImportStatus.FAILED.value
    # The message as JSON text (feeds.models.FeedImport.error), read in the reader's language.
    row.error = json.dumps(to_json(error), ensure_ascii=False)
    row.finished_at = utcnow()
    audit.record(
        db_session=db_session,
        action="job_feed.import_failed",
        entity_type="feed_import",
        entity_id=import_id,
        details={"feed": row.feed, "source": row.source, "error": str(error)},
    )
    db_session.commit()


def _batches(records: Iterator[FeedRecord]) -> Iterator[list[tuple[FeedRecord, Mapped | Refused]]]:
    batch: list[tuple[FeedRecord, Mapped | Refused]] = []
    for record in records:
        batch.append((record, map_record(record)))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(
    db_session: DbSession, feed: str, batch: list[tuple[FeedRecord, Mapped | Refused]], run: _Run
) -> None:
    fresh: list[tuple[FeedRecord, Mapped]] = []
    for record, result in batch:
        if isinstance(result, Refused):
            run.refuse(result.where, result.external_ref, result.reasons)
            continue
        first = run.seen.get(result.external_ref)
        if first is not None:
            repeated = Message(
                "referencenumber: repeats job %(position)s of the feed (the first one is kept)",
                position=first,
            )
            run.refuse(record.where(), result.external_ref, [repeated])
            continue
        run.seen[result.external_ref] = record.position
        run.note_unmapped(result.unmapped)
        fresh.append((record, result))
    if not fresh:
        return
    columns = [
        JobOpening.id,
        JobOpening.external_ref,
        JobOpening.status,
        JobOpening.feed,
        JobOpening.feed_digest,
    ]
    stored = {
        row.external_ref: row
        for row in db_session.execute(
            sa.select(*columns).where(
                JobOpening.external_ref.in_([m.external_ref for _, m in fresh])
            )
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    now = utcnow()
    for _record, mapped in fresh:
        row = stored.get(mapped.external_ref)
        digest = feed_digest(mapped.fields)
        if row is None:
            inserts.append(
                {
                    **mapped.fields,
                    "feed_digest": digest,
                    "external_ref": mapped.external_ref,
                    "feed": feed,
                    "status": JobStatus.OPEN.value,
                    "currency": "COP",
                    "skills": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            continue
        if row.status == JobStatus.CLOSED.value:
            run.to_reopen.append(row.id)
        if row.feed == feed and row.feed_digest == digest:
            run.counts["unchanged"] += 1
            continue
        updates.append(
            {"_id": row.id, "feed": feed, "feed_digest": digest, "updated_at": now, **mapped.fields}
        )
    if inserts:
        ids = _insert_jobs(db_session, inserts)
        run.added_ids.extend(ids)
        run.counts["added"] += len(ids)
    if updates:
        db_session.connection().execute(
            sa.update(JobOpening.__table__)
            .where(JobOpening.__table__.c.id == sa.bindparam("_id"))
            .values(
                {
                    name: sa.bindparam(name)
                    for name in ("feed", "feed_digest", "updated_at", *FEED_COLUMNS)
                }
            ),
            updates,
        )
        run.counts["updated"] += len(updates)


_INSERT_COLUMNS = (
    "external_ref",
    *FEED_COLUMNS,
    "feed",
    "feed_digest",
    "status",
    "currency",
    "skills",
    "created_at",
    "updated_at",
)


def _insert_jobs(db_session: DbSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new jobs; their ids. On PostgreSQL with COPY, in the session's transaction: an
    INSERT of 1,000 rows costs psycopg more to build and parse than the server to store."""
    connection = db_session.connection()
    if connection.dialect.name != "postgresql":
        return list(
            db_session.scalars(
                sa.insert(JobOpening).returning(JobOpening.id, sort_by_parameter_order=True),
                rows,
            )
        )
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY job_openings ({', '.join(_INSERT_COLUMNS)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [Jsonb(row[name]) if name == "skills" else row[name] for name in _INSERT_COLUMNS]
            )
    refs = [row["external_ref"] for row in rows]
    found = dict(
        db_session.execute(
            sa.select(JobOpening.external_ref, JobOpening.id).where(
                JobOpening.external_ref.in_(refs)
            )
        ).all()
    )
    return [found[ref] for ref in refs]


def _store_counts(row: FeedImport, run: _Run) -> None:
    row.jobs_read = len(run.seen) + run.counts["refused"]
    row.added = run.counts["added"]
    row.updated = run.counts["updated"]
    row.unchanged = run.counts["unchanged"]
    row.refused = run.counts["refused"]
    row.refusals = run.refusals
    row.unmapped = {
        name: [
            {"value": to_json(value) if isinstance(value, Message) else value, "jobs": jobs_}
            for value, jobs_ in values.most_common()
        ]
        for name, values in sorted(run.unmapped.items())
    }


def _close_missing(
    db_session: DbSession, row: FeedImport, feed: str, run: _Run, *, force: bool
) -> list[Message]:
    """Close every open or paused job of `feed` the feed no longer lists (pausing its live
    campaigns on every platform, through the jobs service); the warnings to report."""
    listed = db_session.execute(
        sa.select(JobOpening.id, JobOpening.external_ref)
        .where(
            JobOpening.feed == feed,
            JobOpening.status.in_([JobStatus.OPEN.value, JobStatus.PAUSED.value]),
        )
        .order_by(JobOpening.id)
    ).all()
    gone = [job_id for job_id, ref in listed if ref not in run.seen]
    if (
        not force
        and len(gone) > CLOSE_GUARD_MIN_JOBS
        and len(gone) > CLOSE_GUARD_SHARE * len(listed)
    ):
        return [
            Message(
                "closing skipped: the feed no longer lists %(gone)s of the %(listed)s open jobs "
                "of feed '%(feed)s', more than %(share)s%%: a broken export? Import it again with "
                "force_close (adflux import jobs --force-close) to close them",
                gone=len(gone),
                listed=len(listed),
                feed=feed,
                share=round(CLOSE_GUARD_SHARE * 100),
            )
        ]
    paused: list[int] = list(row.campaigns_paused)
    not_paused: dict[str, Any] = dict(row.campaigns_not_paused)
    closed = 0
    for job_id in gone:
        try:
            change = jobs.set_job_status(
                db_session=db_session, job_id=job_id, status=JobStatus.CLOSED
            )
        except AdfluxError as exc:  # e.g. closed meanwhile by a person: nothing to do
            log.warning("feed %s: job %s not closed: %s", feed, job_id, exc.message)
            continue
        closed += 1
        paused.extend(change.campaigns_paused)
        not_paused.update(
            {
                str(campaign_id): {
                    platform: [to_json(m) for m in messages]
                    for platform, messages in platforms.items()
                }
                for campaign_id, platforms in change.campaigns_not_paused.items()
            }
        )
        audit.record(
            db_session=db_session,
            action=FEED_CLOSE_ACTION,
            entity_type="job",
            entity_id=job_id,
            details={"feed": feed, "feed_import": row.id},
        )
        db_session.commit()
    row.closed = closed
    row.campaigns_paused = paused
    row.campaigns_not_paused = not_paused
    return []


def _reopen(db_session: DbSession, row: FeedImport, run: _Run) -> None:
    """Reopen the closed jobs the feed lists again, when a feed closed them (a person's close
    stands: the report counts them as unchanged)."""
    reopened = 0
    for job_id in run.to_reopen:
        last = db_session.scalar(
            sa.select(AuditLog.action)
            .where(
                AuditLog.entity_type == "job",
                AuditLog.entity_id == str(job_id),
                AuditLog.action.in_(_STATUS_ACTIONS),
            )
            .order_by(AuditLog.id.desc())
            .limit(1)
        )
        if last != FEED_CLOSE_ACTION:
            continue
        jobs.set_job_status(db_session=db_session, job_id=job_id, status=JobStatus.OPEN)
        reopened += 1
    row.reopened = reopened


def list_imports(
    *, db_session: DbSession, limit: int, offset: int = 0, feed: str | None = None
) -> Page[FeedImport]:
    query = sa.select(FeedImport).order_by(FeedImport.id.desc())
    if feed:
        query = query.where(FeedImport.feed == feed)
    return paginate(db_session, query, limit=limit, offset=offset)


def get_import_or_404(*, db_session: DbSession, import_id: int) -> FeedImport:
    row = db_session.get(FeedImport, import_id)
    if row is None:
        raise NotFound("feed import %(import_id)s does not exist", import_id=import_id)
    return row
