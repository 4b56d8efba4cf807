"""One attempt at publishing one campaign on one platform.

Idempotent by construction: the attempt first claims its row (only one worker wins), every platform
object id is committed the moment the adapter reports it, and an attempt that follows an unknown
outcome asks the platform what already exists before creating anything.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from time import sleep
from typing import Any, ParamSpec, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from adflux.background.dispatch import send_task
from adflux.campaigns.adapters import adapter_for, claim_heartbeat, platform_throttle
from adflux.campaigns.arm_spec import build_arm_spec
from adflux.campaigns.changes import dispatch_changes, record_held
from adflux.campaigns.compliance import ComplianceError
from adflux.campaigns.models import (
    PlatformCredential,
    PlatformPublication,
    PublicationStatus,
)

# CAMPAIGN_TZ: still importable from here, where the adapter tests have always found it.
from adflux.campaigns.service import CAMPAIGN_TZ as CAMPAIGN_TZ
from adflux.campaigns.service import PUBLISH_TASK, refresh_campaign_status
from adflux.db import DbSession, utcnow, write_or_recheck
from adflux.jobs.models import JobOpening, JobStatus
from adflux.metrics import PACE_WAITS, PLATFORM_ERRORS, TAKEOVERS
from adflux.platforms.base import (
    AuthExpired,
    InvalidRequest,
    OutcomeUnknown,
    PlatformError,
    PlatformUnavailable,
    RateLimited,
    TransientError,
)

log = logging.getLogger(__name__)

P = ParamSpec("P")

BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0
# A publishing slot this close is waited for in the worker thread; a later one sends the task back
# to the queue until then, so that waiting publications never hold every worker thread.
WAIT_IN_THREAD_S = 1.0
CLAIMED = "claimed"
TAKEOVER = "takeover"


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: published, failed, retry scheduled, or skipped (not ours to run)."""

    state: str
    detail: str = ""
    retry_in_s: float | None = None
    # Whether the retry must first read back what the platform holds (an outcome is unknown).
    reconcile: bool = True
    # Transient failures since the tree last grew: what the retry's backoff grows with.
    failed_in_a_row: int = 0
    # The publishing slot booked for the retry (epoch seconds), when the platform's pace set it.
    slot_at: float | None = None


def _commits_keep_loaded_rows(attempt: Callable[P, Outcome]) -> Callable[P, Outcome]:
    """Within an attempt, commits leave what the session loaded as it is instead of expiring it.

    An attempt commits once per platform id (five or six times per publication), and each expiry
    made the next step reload the publication and the campaign. The claim makes the attempt the
    publication's only writer, the job and segments it reads do not change under it, and the
    campaign row is read again under its lock by `refresh_campaign_status`.
    """

    @functools.wraps(attempt)
    def run(*args: P.args, **kwargs: P.kwargs) -> Outcome:
        db_session = cast(DbSession, kwargs["db_session"])
        session = db_session() if isinstance(db_session, orm.scoped_session) else db_session
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
        try:
            return attempt(*args, **kwargs)
        finally:
            session.expire_on_commit = expire_on_commit

    return run


@_commits_keep_loaded_rows
def attempt_publication(
    *,
    db_session: DbSession,
    publication_id: int,
    reconcile: bool = True,
    failed_in_a_row: int | None = None,
    slot_at: float | None = None,
) -> Outcome:
    """Run one attempt. The retries an attempt schedules say what it learnt, in the message:

    ``reconcile=False``: the previous attempt ended on an error that created nothing unseen
    (throttled, refused before sending), so no read-back is needed first. A takeover of an
    abandoned claim always reads back, whatever the message said.
    ``failed_in_a_row``: transient failures since the tree last grew, for the backoff; without
    it (relay, redelivery) the backoff grows with every failure of the publication so far.
    ``slot_at``: the publishing slot an earlier attempt booked in the platform's pace; without
    it the attempt books one.
    """
    claim = _claim(db_session, publication_id)
    if claim is None:
        return Outcome("skipped", "already published, failed, or being published by another worker")
    if claim == TAKEOVER:
        TAKEOVERS.labels("publication").inc()
        log.warning(
            "publication %s: taken over (its worker stopped renewing the claim: it died)",
            publication_id,
        )
    with claim_heartbeat().holding(publication_id):
        return _attempt_claimed(
            db_session,
            publication_id,
            claim,
            reconcile=reconcile,
            failed_in_a_row=failed_in_a_row,
            slot_at=slot_at,
        )


def _attempt_claimed(
    db_session: DbSession,
    publication_id: int,
    claim: str,
    *,
    reconcile: bool,
    failed_in_a_row: int | None,
    slot_at: float | None,
) -> Outcome:
    """The attempt proper, on a publication this worker has claimed (its claim kept fresh)."""
    publication = db_session.get(
        PlatformPublication,
        publication_id,
        options=[orm.joinedload(PlatformPublication.campaign)],
    )
    assert publication is not None  # the claim just updated it
    campaign = publication.campaign
    tried_before = publication.attempts > 1 or publication.last_error is not None
    progress_at_start = len(publication.external_ids or {})
    # Until a read-back succeeds, an unseen create may exist: the next attempt must read back too.
    unreconciled = tried_before and (reconcile or claim == TAKEOVER)
    wait_s = _until_slot(publication.platform, slot_at)
    if wait_s > WAIT_IN_THREAD_S:
        return _finish(
            db_session,
            publication,
            campaign.id,
            _paced(publication, wait_s, reconcile=reconcile, failed_in_a_row=failed_in_a_row),
        )
    if wait_s > 0:
        sleep(wait_s)
    try:
        adapter = adapter_for(publication.platform)
        # The revision the spec is built from: a change committed meanwhile stays pending.
        revision = publication.revision
        spec = build_arm_spec(db_session, campaign, publication, adapter)
        known = dict(publication.external_ids or {})
        if unreconciled:
            # An earlier attempt may have created objects it never heard back about.
            found = adapter.find_existing(spec.publication_key)
            for kind, external_id in found.items():
                if kind not in known:
                    record_external_id(db_session, publication, kind, external_id)
            known = dict(publication.external_ids)
            unreconciled = False

        def on_created(kind: str, external_id: str) -> None:
            record_external_id(db_session, publication, kind, external_id)

        result = adapter.publish(spec, known_ids=known, on_created=on_created)
        for kind, external_id in result.external_ids.items():
            if publication.external_ids.get(kind) != external_id:
                record_external_id(db_session, publication, kind, external_id)
        publication.status = PublicationStatus.PUBLISHED.value
        publication.published_at = utcnow()
        publication.last_error = publication.last_error_field = None
        publication.next_attempt_at = None
        db_session.flush()
        credential = db_session.get(PlatformCredential, publication.platform)
        if credential is not None and not credential.healthy:  # reconnected: it works again
            mark_credential(db_session, publication.platform, healthy=True, message="published")
        if not _job_is_open(db_session, campaign.job_id):
            # Paused or closed while this was publishing: that pause found nothing published
            # here, so this attempt pauses what it just made live (a platform error retries).
            adapter.set_active(publication.external_ids, False)
            publication.status = PublicationStatus.PAUSED.value
            db_session.flush()
        record_held(
            db_session, publication, revision=revision, held_daily_budget_cop=spec.daily_budget_cop
        )
        outcome = Outcome("published")
    except RateLimited as exc:
        count_platform_error(publication.platform, exc)
        # The platform's wait, not a failure of ours: the backoff streak does not grow.
        in_a_row = _in_a_row(publication, progress_at_start, failed_in_a_row)
        outcome = _retry_or_fail(
            db_session,
            publication,
            exc,
            wait_s=exc.retry_after_s,
            reconcile=unreconciled,
            failed_in_a_row=in_a_row,
        )
    except (TransientError, OutcomeUnknown) as exc:
        count_platform_error(publication.platform, exc)
        in_a_row = _in_a_row(publication, progress_at_start, failed_in_a_row) + 1
        outcome = _retry_or_fail(
            db_session,
            publication,
            exc,
            wait_s=backoff_s(in_a_row),
            reconcile=unreconciled or isinstance(exc, OutcomeUnknown),
            failed_in_a_row=in_a_row,
        )
    except AuthExpired as exc:
        count_platform_error(publication.platform, exc)
        mark_credential(db_session, exc.platform, healthy=False, message=exc.message)
        outcome = _fail(
            db_session,
            publication,
            f"{exc.message} — the {exc.platform} credential is expired or revoked; reconnect the "
            "account (renew its token in the environment) and retry the campaign",
            None,
        )
    except InvalidRequest as exc:
        count_platform_error(publication.platform, exc)
        outcome = _fail(db_session, publication, exc.message, exc.field)
    except ComplianceError as exc:
        count_platform_error(publication.platform, exc)
        field = next(iter(exc.fields), None) if exc.fields else None
        outcome = _fail(db_session, publication, exc.message, field)
    except (PlatformUnavailable, PlatformError) as exc:
        count_platform_error(publication.platform, exc)
        outcome = _fail(db_session, publication, exc.message, None)
    return _finish(db_session, publication, campaign.id, outcome)


def count_platform_error(platform: str, exc: Exception) -> None:
    """One more of the platform's errors in PLATFORM_ERRORS, by class."""
    for kind, error_class in (
        (RateLimited, "rate_limited"),
        (OutcomeUnknown, "outcome_unknown"),
        (TransientError, "transient"),
        (AuthExpired, "auth_expired"),
        (InvalidRequest, "invalid_request"),
        (ComplianceError, "compliance"),
    ):
        if isinstance(exc, kind):
            PLATFORM_ERRORS.labels(platform, error_class).inc()
            return
    PLATFORM_ERRORS.labels(platform, "unavailable").inc()


def _until_slot(platform: str, slot_at: float | None) -> float:
    """Seconds until this attempt may call the platform."""
    if slot_at is not None:  # booked by the attempt that sent this one back: not booked again
        return max(0.0, slot_at - utcnow().timestamp())
    wait = platform_throttle().reserve(platform)
    PACE_WAITS.labels(platform).observe(wait)  # once per booking: the whole wait, 0 for none
    return wait


def _paced(
    publication: PlatformPublication,
    wait_s: float,
    *,
    reconcile: bool,
    failed_in_a_row: int | None,
) -> Outcome:
    """Back to the queue until the booked slot: waiting for AdFlux's own pace is not an attempt."""
    publication.attempts -= 1
    publication.status = PublicationStatus.PENDING.value
    slot = utcnow() + timedelta(seconds=wait_s)
    publication.next_attempt_at = slot
    return Outcome(
        "paced",
        f"waiting {wait_s:.0f} s for its slot in the {publication.platform} publishing pace",
        retry_in_s=wait_s,
        reconcile=reconcile,
        failed_in_a_row=failed_in_a_row or 0,
        slot_at=slot.timestamp(),
    )


def _finish(
    db_session: DbSession, publication: PlatformPublication, campaign_id: int, outcome: Outcome
) -> Outcome:
    publication_id = publication.id
    platform, attempts = publication.platform, publication.attempts
    # The attempt's outcome (flushed above) and the campaign's derived status commit together:
    # with two commits, a worker dying between them left the campaign "publishing" for good.
    db_session.flush()
    if outcome.state != "published" and _arm_ended(db_session, publication.id):
        # Taken off the campaign while this attempt ran: nothing of it stays to publish.
        publication.status = PublicationStatus.ENDED.value
        publication.next_attempt_at = None
        db_session.flush()
    refresh_campaign_status(db_session=db_session, campaign_id=campaign_id)
    db_session.commit()  # already done by the refresh unless the campaign vanished meanwhile
    if outcome.state == "published" and publication.change_pending:
        # Changed (or taken off the campaign) while this attempt published: pushed now.
        dispatch_changes(db_session, [publication_id])
    if outcome.state in ("retry", "paced") and outcome.retry_in_s is not None:
        send_task(
            PUBLISH_TASK,
            publication_id,
            outcome.reconcile,
            outcome.failed_in_a_row,
            outcome.slot_at,
            countdown=outcome.retry_in_s,
        )
    # A wait for AdFlux's own pace is not an attempt (`_paced` gave its count back).
    log.info(
        "publication %s (%s) %s: %s %s",
        publication_id,
        platform,
        "before its next attempt" if outcome.state == "paced" else f"attempt {attempts}",
        outcome.state,
        outcome.detail,
    )
    return outcome


def _claim(db_session: DbSession, publication_id: int) -> str | None:
    """Take the publication for this attempt: CLAIMED (it was pending), TAKEOVER (a worker that
    claimed it long ago never finished: it may have created objects nobody recorded) or None."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["ADFLUX_SETTINGS"].claim_stale_after_s)
    # Core statements: the ORM's bulk-update machinery cost more than the UPDATE itself.
    table = PlatformPublication.__table__
    for kind, condition in (
        (CLAIMED, table.c.status == PublicationStatus.PENDING.value),
        (
            TAKEOVER,
            sa.and_(
                table.c.status == PublicationStatus.PUBLISHING.value,
                table.c.claimed_at < stale,
            ),
        ),
    ):
        result = db_session.execute(
            table.update()
            .where(table.c.id == publication_id, condition)
            .values(
                status=PublicationStatus.PUBLISHING.value,
                claimed_at=now,
                attempts=table.c.attempts + 1,
                updated_at=now,
            )
        )
        db_session.commit()
        db_session.expire_all()  # what the session held before is read again, after the claim
        if cast(sa.CursorResult[Any], result).rowcount == 1:
            return kind
    return None


def _arm_ended(db_session: DbSession, publication_id: int) -> bool:
    """Whether the arm was taken off its campaign (read under its lock, as committed now)."""
    table = PlatformPublication.__table__
    ended_at = db_session.execute(
        sa.select(table.c.ended_at).where(table.c.id == publication_id).with_for_update()
    ).scalar_one()
    return ended_at is not None


def _job_is_open(db_session: DbSession, job_id: int) -> bool:
    """The job's status now, not as loaded: locked until this attempt commits (PostgreSQL), so a
    pause or close of the job waits and then finds this publication published. On SQLite the
    caller's flush already holds the write lock, which orders it against the job's change."""
    table = JobOpening.__table__
    status = db_session.execute(
        sa.select(table.c.status).where(table.c.id == job_id).with_for_update()
    ).scalar_one()
    return bool(status == JobStatus.OPEN.value)


def record_external_id(
    db_session: DbSession, publication: PlatformPublication, kind: str, external_id: str
) -> None:
    """Commit one more platform id now: one UPDATE of the JSON column, past the ORM."""
    external_ids = {**(publication.external_ids or {}), kind: str(external_id)}
    table = PlatformPublication.__table__
    db_session.execute(
        table.update()
        .where(table.c.id == publication.id)
        .values(external_ids=external_ids, updated_at=utcnow())
    )
    db_session.commit()
    orm.attributes.set_committed_value(publication, "external_ids", external_ids)


def backoff_s(failures: int) -> float:
    """Exponential backoff with jitter (half fixed, half random) capped at five minutes."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, failures - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _failures(publication: PlatformPublication) -> int:
    """Attempts that ended without creating anything: each recorded platform object was progress.

    A publication is several creates in a row; counting every failed attempt against one fixed
    budget gives up on a tree that was still advancing (at 30 % failing calls a six-object tree
    needs about four attempts on average). The budget is bounded all the same: at most
    ``publish_max_attempts`` plus one attempt per object of the tree.
    """
    return max(1, publication.attempts - len(publication.external_ids or {}))


def _in_a_row(publication: PlatformPublication, progress_at_start: int, told: int | None) -> int:
    """Transient failures in a row before this attempt's: none if this attempt grew the tree."""
    if len(publication.external_ids or {}) > progress_at_start:
        return 0
    return told if told is not None else _failures(publication) - 1


def _retry_or_fail(
    db_session: DbSession,
    publication: PlatformPublication,
    exc: PlatformError,
    *,
    wait_s: float,
    reconcile: bool,
    failed_in_a_row: int,
) -> Outcome:
    max_attempts = current_app.config["ADFLUX_SETTINGS"].publish_max_attempts
    if _failures(publication) >= max_attempts:
        return _fail(
            db_session,
            publication,
            f"gave up after {publication.attempts} attempts: {exc.message}",
            None,
        )
    publication.status = PublicationStatus.PENDING.value
    publication.last_error = f"attempt {publication.attempts}: {exc.message} (will retry)"
    publication.next_attempt_at = utcnow() + timedelta(seconds=wait_s)
    db_session.flush()
    return Outcome(
        "retry",
        exc.message,
        retry_in_s=wait_s,
        reconcile=reconcile,
        failed_in_a_row=failed_in_a_row,
    )


def _fail(
    db_session: DbSession, publication: PlatformPublication, message: str, field: str | None
) -> Outcome:
    publication.status = PublicationStatus.FAILED.value
    publication.last_error = message
    publication.last_error_field = field
    publication.next_attempt_at = None
    db_session.flush()
    return Outcome("failed", message)


def mark_credential(db_session: DbSession, platform: str, *, healthy: bool, message: str) -> None:
    def upsert() -> PlatformCredential:
        row = db_session.get(PlatformCredential, platform) or PlatformCredential(platform=platform)
        row.healthy = healthy
        row.message = message
        row.checked_at = utcnow()
        db_session.add(row)
        db_session.commit()
        return row

    # Workers failing on one platform at once all insert its first row: the losers update it.
    write_or_recheck(db_session, upsert, recheck=upsert)
