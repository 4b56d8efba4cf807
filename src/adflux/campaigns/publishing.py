"""One attempt at publishing one campaign on one platform.

Idempotent by construction: the attempt first claims its row (only one worker wins), every platform
object id is committed the moment the adapter reports it, and an attempt that follows an unknown
outcome asks the platform what already exists before creating anything.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import sleep
from typing import Any, ParamSpec, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from adflux.audiences.service import ensure_job_audience, ensure_segment_audience
from adflux.background.dispatch import send_task
from adflux.campaigns.adapters import adapter_for, platform_throttle
from adflux.campaigns.compliance import ComplianceError, ensure_compliant
from adflux.campaigns.creatives import JobAd, build_creative
from adflux.campaigns.models import (
    AdCampaign,
    PlatformCredential,
    PlatformPublication,
    PublicationStatus,
    campaign_segments,
)
from adflux.campaigns.service import CAMPAIGN_TZ, PUBLISH_TASK, refresh_campaign_status
from adflux.campaigns.tracking import tracked_link
from adflux.db import DbSession, utcnow, write_or_recheck
from adflux.jobs.models import JobOpening, JobStatus
from adflux.platforms.base import (
    AdSpec,
    AuthExpired,
    InvalidRequest,
    OutcomeUnknown,
    PlatformAdapter,
    PlatformError,
    PlatformUnavailable,
    RateLimited,
    Targeting,
    TransientError,
)
from adflux.segmentation.models import Segment
from adflux.targeting import people
from adflux.targeting.aim import campaign_targeting
from adflux.targeting.places import job_places

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
        spec, consenting_ids, profiles = _build_spec(db_session, campaign, publication, adapter)
        ensure_compliant(
            adapter.name,
            spec.targeting,
            consenting_audience_ids=consenting_ids,
            segment_profiles=profiles,
        )
        known = dict(publication.external_ids or {})
        if unreconciled:
            # An earlier attempt may have created objects it never heard back about.
            found = adapter.find_existing(spec.publication_key)
            for kind, external_id in found.items():
                if kind not in known:
                    _record_id(db_session, publication, kind, external_id)
            known = dict(publication.external_ids)
            unreconciled = False

        def on_created(kind: str, external_id: str) -> None:
            _record_id(db_session, publication, kind, external_id)

        result = adapter.publish(spec, known_ids=known, on_created=on_created)
        for kind, external_id in result.external_ids.items():
            if publication.external_ids.get(kind) != external_id:
                _record_id(db_session, publication, kind, external_id)
        publication.status = PublicationStatus.PUBLISHED.value
        publication.published_at = utcnow()
        publication.last_error = publication.last_error_field = None
        publication.next_attempt_at = None
        db_session.flush()
        credential = db_session.get(PlatformCredential, publication.platform)
        if credential is not None and not credential.healthy:  # reconnected: it works again
            _mark_credential(db_session, publication.platform, healthy=True, message="published")
        if not _job_is_open(db_session, campaign.job_id):
            # Paused or closed while this was publishing: that pause found nothing published
            # here, so this attempt pauses what it just made live (a platform error retries).
            adapter.set_active(publication.external_ids, False)
            publication.status = PublicationStatus.PAUSED.value
            db_session.flush()
        outcome = Outcome("published")
    except RateLimited as exc:
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
        in_a_row = _in_a_row(publication, progress_at_start, failed_in_a_row) + 1
        outcome = _retry_or_fail(
            db_session,
            publication,
            exc,
            wait_s=_backoff(in_a_row),
            reconcile=unreconciled or isinstance(exc, OutcomeUnknown),
            failed_in_a_row=in_a_row,
        )
    except AuthExpired as exc:
        _mark_credential(db_session, exc.platform, healthy=False, message=exc.message)
        outcome = _fail(
            db_session,
            publication,
            f"{exc.message} — the {exc.platform} credential is expired or revoked; reconnect the "
            "account (renew its token in the environment) and retry the campaign",
            None,
        )
    except InvalidRequest as exc:
        outcome = _fail(db_session, publication, exc.message, exc.field)
    except ComplianceError as exc:
        field = next(iter(exc.fields), None) if exc.fields else None
        outcome = _fail(db_session, publication, exc.message, field)
    except (PlatformUnavailable, PlatformError) as exc:
        outcome = _fail(db_session, publication, exc.message, None)
    return _finish(db_session, publication, campaign.id, outcome)


def _until_slot(platform: str, slot_at: float | None) -> float:
    """Seconds until this attempt may call the platform."""
    if slot_at is not None:  # booked by the attempt that sent this one back: not booked again
        return max(0.0, slot_at - utcnow().timestamp())
    return platform_throttle().reserve(platform)


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
    refresh_campaign_status(db_session=db_session, campaign_id=campaign_id)
    db_session.commit()  # already done by the refresh unless the campaign vanished meanwhile
    if outcome.state in ("retry", "paced") and outcome.retry_in_s is not None:
        send_task(
            PUBLISH_TASK,
            publication_id,
            outcome.reconcile,
            outcome.failed_in_a_row,
            outcome.slot_at,
            countdown=outcome.retry_in_s,
        )
    log.info(
        "publication %s (%s) attempt %s: %s %s",
        publication_id,
        platform,
        attempts,
        outcome.state,
        outcome.detail,
    )
    return outcome


def _claim(db_session: DbSession, publication_id: int) -> str | None:
    """Take the publication for this attempt: CLAIMED (it was pending), TAKEOVER (a worker that
    claimed it long ago never finished: it may have created objects nobody recorded) or None."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["ADFLUX_SETTINGS"].publish_stale_after_s)
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


def _job_is_open(db_session: DbSession, job_id: int) -> bool:
    """The job's status now, not as loaded: locked until this attempt commits (PostgreSQL), so a
    pause or close of the job waits and then finds this publication published. On SQLite the
    caller's flush already holds the write lock, which orders it against the job's change."""
    table = JobOpening.__table__
    status = db_session.execute(
        sa.select(table.c.status).where(table.c.id == job_id).with_for_update()
    ).scalar_one()
    return bool(status == JobStatus.OPEN.value)


def _record_id(
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


def _build_spec(
    db_session: DbSession,
    campaign: AdCampaign,
    publication: PlatformPublication,
    adapter: PlatformAdapter,
) -> tuple[AdSpec, list[str], dict[str, dict]]:
    settings = current_app.config["ADFLUX_SETTINGS"]
    job = db_session.get(JobOpening, campaign.job_id)
    assert job is not None
    apply_url = settings.apply_url_template.format(external_ref=job.external_ref, id=job.id)
    segments = db_session.scalars(
        sa.select(Segment)
        .join(campaign_segments, campaign_segments.c.segment_id == Segment.id)
        .where(campaign_segments.c.campaign_id == campaign.id)
        .order_by(Segment.id)
    ).all()
    consenting_ids: list[str] = []
    profiles: dict[str, dict] = {}
    for segment in segments:
        sync = ensure_segment_audience(db_session=db_session, segment=segment, adapter=adapter)
        if sync.external_audience_id:
            consenting_ids.append(sync.external_audience_id)
        profiles[segment.name] = segment.profile or {}
    if campaign.job_audience_size and people.job_audience_holds(
        db_session=db_session,
        job_id=job.id,
        size=campaign.job_audience_size,
        minimum=max(1, adapter.min_custom_audience),
    ):
        # The job's own N most likely consenting candidates, beside the segments' audiences.
        # None while fewer fit than the platform's minimum: such an audience delivers to nobody
        # (an empty one would even keep the ad from everyone), so nobody's data is uploaded for
        # it (Ley 1581: data only for its purpose) and the ad aims by the job's places, keywords
        # and segments; a later publication uploads and attaches it once enough people fit.
        sync = ensure_job_audience(
            db_session=db_session, job_id=job.id, size=campaign.job_audience_size, adapter=adapter
        )
        if sync.external_audience_id:
            consenting_ids.append(sync.external_audience_id)
    targeting = campaign_targeting(
        job=job,
        segments=segments,
        custom_audience_ids=consenting_ids,
        places=job_places(db_session=db_session, job=job),
    )
    spec = build_ad_spec(
        job=JobAd.from_opening(job, apply_url=apply_url),
        platform=adapter.name,
        publication_key=f"adflux-pub-{publication.id}",
        campaign_id=campaign.id,
        segment_ids=[segment.id for segment in segments],
        campaign_name=campaign.name,
        daily_budget_cop=publication.daily_budget_cop,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        objective=campaign.objective,
        targeting=targeting,
    )
    return spec, consenting_ids, profiles


def build_ad_spec(
    *,
    job: JobAd,
    platform: str,
    publication_key: str,
    campaign_id: int,
    segment_ids: Sequence[int],
    campaign_name: str,
    daily_budget_cop: int,
    start_date: date,
    end_date: date | None,
    objective: str,
    targeting: Targeting,
) -> AdSpec:
    """The ad AdFlux publishes for one campaign on one platform, from plain values (no database):
    the job's creative for the platform, linking to the job's apply URL with the publication's
    tracking code (campaign `campaign_id` on `platform`, audience `segment_ids`), the campaign's
    `targeting` (`targeting.aim.campaign_targeting`), the budget, and the campaign's days as
    whole days in Colombia."""
    link = tracked_link(
        job.apply_url, platform=platform, campaign_id=campaign_id, segment_ids=segment_ids
    )
    return AdSpec(
        publication_key=publication_key,
        name=campaign_name,
        creative=build_creative(job, platform, link_url=link),
        targeting=targeting,
        daily_budget_cop=daily_budget_cop,
        start_at=datetime.combine(start_date, time(0, 0), tzinfo=CAMPAIGN_TZ),
        end_at=(
            datetime.combine(end_date, time(23, 59, 59), tzinfo=CAMPAIGN_TZ) if end_date else None
        ),
        objective=objective,
        # Published live: a recruiter who creates a campaign wants it running (pause is explicit).
        active=True,
    )


def _backoff(failures: int) -> float:
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


def _mark_credential(db_session: DbSession, platform: str, *, healthy: bool, message: str) -> None:
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
