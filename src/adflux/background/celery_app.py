"""The Celery app, bound to a Flask app the way Flask's own example does it."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from celery import Celery, Task
from flask import Flask

from adflux.config import Settings

# Task modules: imported by the worker so their @shared_task functions get registered.
TASK_MODULES = (
    "adflux.campaigns.tasks",
    "adflux.segmentation.tasks",
    "adflux.audiences.tasks",
    "adflux.results.tasks",
    "adflux.optimisation.tasks",
    "adflux.feeds.tasks",
)

RELAY_INTERVAL_S = 30.0
# Scheduled audience refresh by delta (and retry of pending removals): audiences/service.py.
AUDIENCE_REFRESH_INTERVAL_S = 15 * 60.0

# Celery logs every task twice at INFO ("Received task", "Task ... succeeded"), formatting both on
# the worker's threads; a publishing attempt logs its own outcome line, so only their warnings and
# errors are kept. (Each is read once, when the worker builds its task strategies and tracers.)
CELERY_PER_TASK_LOGGERS = ("celery.worker.strategy", "celery.app.trace")


def celery_init_app(app: Flask, settings: Settings) -> Celery:
    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=settings.celery_broker_url or "memory://",
        task_ignore_result=True,
        # Tasks that are safe to run twice say acks_late themselves; a worker killed mid-way then
        # leaves their message to be redelivered instead of lost.
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=4,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        # Fail fast when the broker is down: the row stays pending and the relay sends it later.
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5},
        broker_transport_options={"visibility_timeout": 900, "socket_timeout": 3},
        include=list(TASK_MODULES),
        beat_schedule={
            "relay-pending-publications": {
                "task": "adflux.relay_publications",
                "schedule": RELAY_INTERVAL_S,
            },
            "refresh-audiences": {
                "task": "adflux.refresh_audiences",
                "schedule": AUDIENCE_REFRESH_INTERVAL_S,
            },
            # Every platform's daily figures (results/sync.py): ADFLUX_RESULTS_SYNC_INTERVAL_S.
            "sync-results": {
                "task": "adflux.sync_results",
                "schedule": settings.results_sync_interval_s,
            },
            # The optimiser (optimisation/tasks.py): ADFLUX_ALLOCATION_INTERVAL_S (each
            # campaign split once a day) and ADFLUX_RULES_INTERVAL_S.
            "allocate-budgets": {
                "task": "adflux.allocate_budgets",
                "schedule": settings.allocation_interval_s,
            },
            "evaluate-rules": {
                "task": "adflux.evaluate_rules",
                "schedule": settings.rules_interval_s,
            },
            # The job feed at ADFLUX_JOB_FEED_URL (feeds/tasks.py), when one is set.
            **(
                {
                    "sync-job-feed": {
                        "task": "adflux.sync_job_feed",
                        "schedule": settings.job_feed_interval_s,
                    }
                }
                if settings.job_feed_url
                else {}
            ),
        },
    )
    for name in CELERY_PER_TASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    celery_app.set_default()
    for module in TASK_MODULES:
        importlib.import_module(module)  # registers its @shared_task functions on this app
    app.extensions["celery"] = celery_app
    return celery_app
