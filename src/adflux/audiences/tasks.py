"""Celery tasks for audiences. They take no state but the database's, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from adflux.audiences import service
from adflux.background.dispatch import send_task
from adflux.campaigns.adapters import adapter_for
from adflux.context import acting_as
from adflux.extensions import db


@shared_task(name=service.REMOVAL_TASK, acks_late=True, ignore_result=True)
def remove_audience_members(attempt: int = 0) -> int:
    """Remove the hashes marked for removal from each platform audience; retried on failure."""
    with acting_as("worker"):
        try:
            outcome = service.apply_pending_removals(db_session=db.session, adapter_for=adapter_for)
        finally:
            db.session.remove()
    if outcome.failed and attempt < len(service.REMOVAL_RETRY_DELAYS_S):
        # Beyond these retries the scheduled refresh keeps trying (see audiences/service.py).
        send_task(
            service.REMOVAL_TASK,
            attempt + 1,
            countdown=service.REMOVAL_RETRY_DELAYS_S[attempt],
        )
    return outcome.removed


@shared_task(name=service.REFRESH_TASK, ignore_result=True)
def refresh_audiences() -> int:
    """Scheduled: pending removals, then every segment audience refreshed by delta."""
    with acting_as("audience-refresh"):
        try:
            return service.refresh_all_audiences(
                db_session=db.session, adapter_for=adapter_for
            ).refreshed
        finally:
            db.session.remove()
