"""Celery tasks of the optimiser: the daily split and the rules' evaluation. They take no state
but the database's and are safe to run twice (the daily run's key, the firings' uniqueness)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from flask import current_app

from adflux import clock
from adflux.campaigns.service import CAMPAIGN_TZ
from adflux.context import acting_as
from adflux.extensions import db
from adflux.optimisation import rules, service

ALLOCATE_TASK = "adflux.allocate_budgets"
RULES_TASK = "adflux.evaluate_rules"


@shared_task(name=ALLOCATE_TASK, acks_late=True, ignore_result=True)
def allocate_budgets() -> int:
    """Split today's budget of every campaign that has no run today yet, once the hour of the
    day set by ADFLUX_ALLOCATION_HOUR has come in Bogotá (yesterday's figures synced by then).

    Scheduled more often than daily (ADFLUX_ALLOCATION_INTERVAL_S): each campaign's run happens
    once a day by its key, so a worker down at the hour catches up on its next tick."""
    settings = current_app.config["ADFLUX_SETTINGS"]
    now: datetime = clock.now().astimezone(CAMPAIGN_TZ)
    if now.hour < settings.allocation_hour:
        return 0
    with acting_as("optimiser"):
        try:
            return len(service.allocate_all(db.session, now.date()))
        finally:
            db.session.remove()


@shared_task(name=RULES_TASK, acks_late=True, ignore_result=True)
def evaluate_rules() -> int:
    """Evaluate every campaign's rules; each firing happens once however often this runs."""
    with acting_as("rules"):
        try:
            return rules.evaluate_all(db.session)
        finally:
            db.session.remove()
