"""One attempt at pushing an arm's desired state to its published tree (the change task).

Idempotent like publishing: the attempt claims the arm (only one worker pushes it at a time), reads
the revision it pushes, and sends the whole desired state of the parts the pending revisions
touched (always the budget) as values to SET. A worker killed after the platform answered and
before AdFlux wrote it down leaves the change pending with a stale claim; the relay runs it again
and the platform receives the same values a second time, which changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from adflux.audit import service as audit
from adflux.background.dispatch import send_task
from adflux.campaigns.adapters import adapter_for, claim_heartbeat
from adflux.campaigns.arm_spec import build_arm_spec, campaign_schedule, publication_key
from adflux.campaigns.changes import CHANGE_TASK, dispatch_changes, record_held
from adflux.campaigns.compliance import ComplianceError
from adflux.campaigns.models import (
    BUDGET,
    CREATIVE,
    SCHEDULE,
    TARGETING,
    AdCampaign,
    PlatformPublication,
    PublicationStatus,
)
from adflux.campaigns.publishing import (
    BACKOFF_CAP_S,
    backoff_s,
    count_platform_error,
    mark_credential,
    record_external_id,
)
from adflux.campaigns.service import refresh_campaign_status
from adflux.db import DbSession, utcnow
from adflux.platforms.base import (
    AuthExpired,
    InvalidRequest,
    OutcomeUnknown,
    PlatformAdapter,
    PlatformError,
    PublicationChange,
    RateLimited,
    Schedule,
    TransientError,
)

log = logging.getLogger(__name__)

# What a change can be pushed to: a tree that exists on its platform (live, paused, or being
# ended). A pending or failed arm has none; publishing it uses the desired state.
PUSHABLE = (
    PublicationStatus.PUBLISHED.value,
    PublicationStatus.PAUSED.value,
    PublicationStatus.ENDED.value,
)


@dataclass(frozen=True)
class ChangeOutcome:
    """What one push did: applied, refused (put back as the platform holds it), retry, skipped."""

    state: str
    detail: str = ""
    retry_in_s: float | None = None


def apply_publication_change(*, db_session: DbSession, publication_id: int) -> ChangeOutcome:
    """Push the arm's pending change, if it has one and no other worker is pushing it."""
    if not _claim(db_session, publication_id):
        return ChangeOutcome("skipped", "nothing pending, not published, or being pushed")
    with claim_heartbeat().holding(publication_id):
        return _apply_claimed(db_session, publication_id)


def _apply_claimed(db_session: DbSession, publication_id: int) -> ChangeOutcome:
    """The push proper, on an arm whose change this worker has claimed (its claim kept fresh)."""
    publication = db_session.get(
        PlatformPublication, publication_id, options=[orm.joinedload(PlatformPublication.campaign)]
    )
    assert publication is not None  # the claim just updated it
    campaign = publication.campaign
    revision = publication.revision
    held_before = publication.held_daily_budget_cop
    parts = [BUDGET, *(p for p in publication.pending_parts or () if p != BUDGET)]
    ending = publication.ended_at is not None
    try:
        adapter = adapter_for(publication.platform)
        change = desired_change(db_session, campaign, publication, adapter, parts)
        if ending:
            # Paused first: whatever the platform then says about the schedule, it stops spending.
            adapter.set_active(publication.external_ids, False)

        def on_created(kind: str, external_id: str) -> None:
            record_external_id(db_session, publication, kind, external_id)

        result = adapter.update(
            dict(publication.external_ids or {}),
            change,
            publication_key=publication_key(publication.id),
            on_created=on_created,
        )
        for kind, external_id in result.external_ids.items():
            if publication.external_ids.get(kind) != external_id:
                record_external_id(db_session, publication, kind, external_id)
        record_held(
            db_session,
            publication,
            revision=revision,
            held_daily_budget_cop=publication.daily_budget_cop,
            change_error=None,
            change_error_field=None,
            change_attempts=0,
            change_next_attempt_at=None,
        )
        outcome = ChangeOutcome("applied")
    except RateLimited as exc:
        count_platform_error(publication.platform, exc)
        outcome = _retry(db_session, publication, exc, wait_s=exc.retry_after_s)
    except (TransientError, OutcomeUnknown) as exc:
        count_platform_error(publication.platform, exc)
        outcome = _retry(
            db_session, publication, exc, wait_s=backoff_s(publication.change_attempts)
        )
    except AuthExpired as exc:
        count_platform_error(publication.platform, exc)
        mark_credential(db_session, exc.platform, healthy=False, message=exc.message)
        # Kept pending: once the account is reconnected the same change goes through.
        outcome = _retry(
            db_session,
            publication,
            exc,
            wait_s=BACKOFF_CAP_S,
            message=f"{exc.message} — the {exc.platform} credential is expired or revoked; "
            "reconnect the account (renew its token in the environment)",
            bounded=False,
        )
    except InvalidRequest as exc:
        count_platform_error(publication.platform, exc)
        outcome = _refuse(db_session, publication, revision, exc.message, exc.field)
    except ComplianceError as exc:
        count_platform_error(publication.platform, exc)
        field = next(iter(exc.fields), None) if exc.fields else None
        outcome = _refuse(db_session, publication, revision, exc.message, field)
    except PlatformError as exc:
        count_platform_error(publication.platform, exc)
        outcome = _refuse(db_session, publication, revision, exc.message, None)
    audit.record(
        db_session=db_session,
        action="publication.change",
        entity_type="publication",
        entity_id=publication.id,
        details={
            "campaign_id": campaign.id,
            "platform": publication.platform,
            "arm_key": publication.arm_key,
            "revision": revision,
            "parts": parts,
            "old_daily_budget_cop": held_before,
            "new_daily_budget_cop": publication.daily_budget_cop,
            "ending": ending,
            "outcome": outcome.state,
            "detail": outcome.detail,
        },
    )
    db_session.commit()
    if ending:
        refresh_campaign_status(db_session=db_session, campaign_id=campaign.id)
    if outcome.state == "applied" and publication.change_pending:
        dispatch_changes(db_session, [publication.id])  # changed again while this one ran
    if outcome.retry_in_s is not None:
        send_task(CHANGE_TASK, publication.id, countdown=outcome.retry_in_s)
    log.info(
        "publication %s (%s) change r%s: %s %s",
        publication.id,
        publication.platform,
        revision,
        outcome.state,
        outcome.detail,
    )
    return outcome


def desired_change(
    db_session: DbSession,
    campaign: AdCampaign,
    publication: PlatformPublication,
    adapter: PlatformAdapter,
    parts: list[str],
) -> PublicationChange:
    """The arm's desired state for `parts`, as values to set: the budget, the campaign's days
    (for an ended arm: ending when it was ended), and the targeting and creative that a fresh
    publish would create (`build_arm_spec`)."""
    schedule = campaign_schedule(campaign.start_date, campaign.end_date)
    if publication.ended_at is not None:
        # When it was ended, not now: pushed again, the same value.
        end_at = max(publication.ended_at, schedule.start_at)
        return PublicationChange(
            daily_budget_cop=publication.daily_budget_cop,
            schedule=Schedule(start_at=schedule.start_at, end_at=end_at),
        )
    spec = (
        build_arm_spec(db_session, campaign, publication, adapter)
        if TARGETING in parts or CREATIVE in parts
        else None
    )
    return PublicationChange(
        daily_budget_cop=publication.daily_budget_cop,
        schedule=schedule if SCHEDULE in parts else None,
        targeting=spec.targeting if spec is not None and TARGETING in parts else None,
        creative=spec.creative if spec is not None and CREATIVE in parts else None,
    )


def _claim(db_session: DbSession, publication_id: int) -> bool:
    """Take the arm's pending change for this attempt. The claim is `claimed_at` on an arm whose
    tree exists (publishing's own claim is the status 'publishing'); one older than
    `claim_stale_after_s` (its worker stopped renewing it) belonged to a worker that died and is
    taken over."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["ADFLUX_SETTINGS"].claim_stale_after_s)
    table = PlatformPublication.__table__
    result = db_session.execute(
        table.update()
        .where(
            table.c.id == publication_id,
            table.c.applied_revision < table.c.revision,
            table.c.status.in_(PUSHABLE),
            sa.or_(table.c.claimed_at.is_(None), table.c.claimed_at < stale),
        )
        .values(
            claimed_at=now,
            change_attempts=table.c.change_attempts + 1,
            change_next_attempt_at=None,
            updated_at=now,
        )
    )
    db_session.commit()
    db_session.expire_all()
    return cast(sa.CursorResult[Any], result).rowcount == 1


def _retry(
    db_session: DbSession,
    publication: PlatformPublication,
    exc: PlatformError,
    *,
    wait_s: float,
    message: str | None = None,
    bounded: bool = True,
) -> ChangeOutcome:
    """Keep the change pending and due again in `wait_s`; after `publish_max_attempts` failed
    pushes in a row, give up as the platform refused it."""
    max_attempts = current_app.config["ADFLUX_SETTINGS"].publish_max_attempts
    if bounded and publication.change_attempts >= max_attempts:
        return _refuse(
            db_session,
            publication,
            publication.revision,
            f"gave up after {publication.change_attempts} attempts: {exc.message}",
            None,
        )
    publication.change_error = message or f"{exc.message} (will retry)"
    publication.change_error_field = None
    publication.change_next_attempt_at = utcnow() + timedelta(seconds=wait_s)
    publication.claimed_at = None
    db_session.flush()
    return ChangeOutcome("retry", exc.message, retry_in_s=wait_s)


def _refuse(
    db_session: DbSession,
    publication: PlatformPublication,
    revision: int,
    message: str,
    field: str | None,
) -> ChangeOutcome:
    """The platform will not hold this change: the arm is put back to what it holds (its budget;
    the schedule, targeting and copy are the campaign's, shared by its arms, and stay as asked),
    with the platform's message, and nothing more is pushed for it."""
    held = publication.held_daily_budget_cop
    record_held(
        db_session,
        publication,
        revision=revision,
        held_daily_budget_cop=held if held is not None else publication.daily_budget_cop,
        **({"daily_budget_cop": held} if held is not None else {}),
        change_error=message,
        change_error_field=field,
        change_attempts=0,
        change_next_attempt_at=None,
    )
    return ChangeOutcome("refused", message)


def relay_due_changes(*, db_session: DbSession, grace_s: float = 15.0, batch: int = 500) -> int:
    """Re-dispatch pending changes nobody is pushing: a retry whose time has come, a push whose
    worker died (a stale claim), a task the broker lost (pending long after it was sent)."""
    now = utcnow()
    settings = current_app.config["ADFLUX_SETTINGS"]
    stale = now - timedelta(seconds=settings.publish_stale_after_s)
    abandoned = now - timedelta(seconds=settings.claim_stale_after_s)
    quiet = now - timedelta(seconds=grace_s)
    table = PlatformPublication.__table__
    due = list(
        db_session.scalars(
            sa.select(table.c.id)
            .where(
                table.c.applied_revision < table.c.revision,
                table.c.status.in_(PUSHABLE),
                sa.or_(
                    sa.and_(
                        table.c.claimed_at.is_(None),
                        table.c.change_next_attempt_at <= now,
                        table.c.updated_at < quiet,
                    ),
                    sa.and_(
                        table.c.claimed_at.is_(None),
                        table.c.change_next_attempt_at.is_(None),
                        table.c.updated_at < stale,
                    ),
                    table.c.claimed_at < abandoned,
                ),
            )
            .order_by(table.c.id)
            .limit(batch)
        ).all()
    )
    if not due:
        return 0
    # Touched, so the next sweep leaves them to these tasks.
    db_session.execute(
        table.update()
        .where(table.c.id.in_(due))
        .values(updated_at=now, change_next_attempt_at=None)
    )
    db_session.commit()
    return len(dispatch_changes(db_session, due))
