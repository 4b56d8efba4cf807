"""Celery tasks for results. They take no state but the database's, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from adflux.background.dispatch import send_task
from adflux.campaigns.adapters import adapter_for
from adflux.context import acting_as
from adflux.extensions import db
from adflux.results import sync as service


@shared_task(name=service.SYNC_TASK, acks_late=True, ignore_result=True)
def sync_results(platforms: list[str] | None = None, force: bool = False) -> int:
    """Pull every platform's recent daily figures (scheduled, on demand, or a platform's retry).

    A platform that failed is sent again once its wait is over when that comes before the next
    scheduled sync; otherwise the schedule picks it up (its ReportSync row says when).
    """
    settings = current_app.config["ADFLUX_SETTINGS"]
    with acting_as("results-sync"):
        try:
            outcome = service.sync_results(
                db_session=db.session,
                adapter_for=adapter_for,
                platforms=platforms,
                restate_days=settings.results_restate_days,
                force=force,
            )
        finally:
            db.session.remove()
    for failed in outcome.failed:
        if failed.retry_in_s is not None and failed.retry_in_s < settings.results_sync_interval_s:
            send_task(service.SYNC_TASK, [failed.platform], True, countdown=failed.retry_in_s)
    return outcome.rows
