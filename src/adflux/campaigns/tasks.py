"""Celery tasks for publishing and pushing changes: they take ids, re-read state, rerun safely."""

from __future__ import annotations

import sqlalchemy as sa
from celery import shared_task

from adflux.campaigns import publishing, pushing, service
from adflux.campaigns.changes import CHANGE_TASK
from adflux.context import acting_as
from adflux.extensions import db

# The database refusing a connection (too many clients, a restart, a pool that stayed full) is
# transient: the task runs again later, instead of leaving its publication to the relay's
# ten-minute "lost in the queue" sweep. What it did before failing is re-read, claims included.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
DATABASE_RETRY = {
    "autoretry_for": DATABASE_UNAVAILABLE,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 20,
}


@shared_task(
    name="adflux.publish_publication", acks_late=True, ignore_result=True, **DATABASE_RETRY
)
def publish_publication(
    publication_id: int,
    reconcile: bool = True,
    failed_in_a_row: int | None = None,
    slot_at: float | None = None,
) -> str:
    """One publishing attempt; retries are scheduled by the attempt itself (see publishing.py).

    ``reconcile`` defaults to reading back from the platform before creating anything: only a
    retry the attempt itself scheduled after a definite error says it can be skipped.
    """
    with acting_as("worker"):
        try:
            return publishing.attempt_publication(
                db_session=db.session,
                publication_id=publication_id,
                reconcile=reconcile,
                failed_in_a_row=failed_in_a_row,
                slot_at=slot_at,
            ).state
        finally:
            db.session.remove()


@shared_task(name="adflux.relay_publications", ignore_result=True)
def relay_publications() -> int:
    """Dispatch pending publications and changes nobody is working on (broker was down, worker
    died)."""
    with acting_as("relay"):
        try:
            published = service.relay_due_publications(db_session=db.session)
            return published + pushing.relay_due_changes(db_session=db.session)
        finally:
            db.session.remove()


@shared_task(name=CHANGE_TASK, acks_late=True, ignore_result=True, **DATABASE_RETRY)
def apply_publication_change(publication_id: int) -> str:
    """Push one arm's pending change (see pushing.py); safe to run twice: the values are SET."""
    with acting_as("worker"):
        try:
            return pushing.apply_publication_change(
                db_session=db.session, publication_id=publication_id
            ).state
        finally:
            db.session.remove()
