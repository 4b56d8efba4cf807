"""Embedded mode's stand-in for Celery beat: the scheduled tasks, each from a daemon thread."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from adflux.background.celery_app import AUDIENCE_REFRESH_INTERVAL_S, RELAY_INTERVAL_S

log = logging.getLogger(__name__)


def start_relay_loop(app: Flask, *, interval_s: float = RELAY_INTERVAL_S) -> threading.Event:
    """Run the relay task every ``interval_s`` in this process; set the returned event to stop."""
    return start_periodic_task(app, "adflux.relay_publications", interval_s=interval_s)


def start_audience_refresh_loop(
    app: Flask, *, interval_s: float = AUDIENCE_REFRESH_INTERVAL_S
) -> threading.Event:
    """Refresh audiences by delta (and retry pending removals) every ``interval_s``."""
    return start_periodic_task(app, "adflux.refresh_audiences", interval_s=interval_s)


def start_results_sync_loop(app: Flask, *, interval_s: float | None = None) -> threading.Event:
    """Pull every platform's daily figures every ``interval_s`` (default: the setting)."""
    interval = interval_s or app.config["ADFLUX_SETTINGS"].results_sync_interval_s
    return start_periodic_task(app, "adflux.sync_results", interval_s=interval)


def start_optimiser_loops(app: Flask, *, interval_s: float | None = None) -> list[threading.Event]:
    """The daily split and the rules' evaluation, every ``interval_s`` (default: their
    settings' intervals)."""
    settings = app.config["ADFLUX_SETTINGS"]
    return [
        start_periodic_task(
            app,
            "adflux.allocate_budgets",
            interval_s=interval_s or settings.allocation_interval_s,
        ),
        start_periodic_task(
            app, "adflux.evaluate_rules", interval_s=interval_s or settings.rules_interval_s
        ),
    ]


def start_job_feed_loop(app: Flask, *, interval_s: float | None = None) -> threading.Event | None:
    """Import ADFLUX_JOB_FEED_URL every ``interval_s`` (default: ADFLUX_JOB_FEED_INTERVAL_S);
    None, and no thread, when no feed is configured."""
    settings = app.config["ADFLUX_SETTINGS"]
    if not settings.job_feed_url:
        return None
    interval = interval_s or settings.job_feed_interval_s
    return start_periodic_task(app, "adflux.sync_job_feed", interval_s=interval)


def start_periodic_task(app: Flask, task_name: str, *, interval_s: float) -> threading.Event:
    """Run ``task_name`` every ``interval_s`` from a daemon thread; set the event to stop."""
    stop = threading.Event()
    task = app.extensions["celery"].tasks[task_name]

    def loop() -> None:
        while not stop.wait(interval_s):
            with app.app_context():
                try:
                    task.run()
                except Exception:
                    log.exception("scheduled %s failed", task_name)

    threading.Thread(target=loop, name=f"adflux-{task_name}", daemon=True).start()
    return stop
