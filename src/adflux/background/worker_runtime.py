"""What an `adflux worker` process does besides Celery's own work: refuse a second worker that
could not share the publishing pace, lead or stand by for the periodic work, stop within a bound."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery.signals import worker_shutting_down
from flask import Flask

from adflux.background.dispatch import send_task
from adflux.background.scheduler import Scheduler, intervals_of, leadership_for
from adflux.extensions import db
from adflux.i18n.messages import Message

log = logging.getLogger(__name__)

RELAY_TASK = "adflux.relay_publications"
PING_TIMEOUT_S = 1.5


class WorkerRefused(Exception):
    """This worker must not start; the message says why and what to do (rendered in the
    reader's language by the CLI)."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


def check_shared_pace(app: Flask) -> None:
    """Without a shared pace store each worker paces alone, and two would publish twice the
    platforms' budget: refuse to start next to another worker then."""
    settings = app.config["ADFLUX_SETTINGS"]
    if settings.pace_store_url:
        return
    try:
        replies = app.extensions["celery"].control.ping(timeout=PING_TIMEOUT_S)
    except Exception as exc:  # broker down: this worker will wait for it like any other
        log.warning("could not ask the broker which workers run (%s)", exc)
        return
    others = sorted(node for reply in replies or () for node in reply)
    if others:
        raise WorkerRefused(
            Message(
                "another worker runs on this broker (%(workers)s) and the publishing pace is not "
                "shared: set ADFLUX_PACE_REDIS_URL=redis://… on every worker so they book from "
                "one budget per platform, or run a single worker",
                workers=", ".join(others),
            )
        )


def prepare(app: Flask, *, schedule: bool, relay_interval_s: float | None) -> None:
    """Start this worker's scheduler thread (leading or standing by) and bound its shutdown."""
    settings = app.config["ADFLUX_SETTINGS"]
    if schedule:
        intervals = intervals_of(app.extensions["celery"].conf.beat_schedule)
        if relay_interval_s is not None:
            intervals[RELAY_TASK] = relay_interval_s
        with app.app_context():
            engine = db.engine

        def send(task_name: str) -> None:
            with app.app_context():
                send_task(task_name)

        Scheduler(
            intervals,
            leadership_for(engine, settings.data_dir),
            send,
            send_at_lead=(RELAY_TASK,),
        ).start()
    _bound_shutdown(settings.worker_shutdown_timeout_s)


def _bound_shutdown(timeout_s: float) -> None:
    """A warm shutdown waits for running tasks; after ``timeout_s`` the process exits anyway, so an
    orchestrator's kill timeout can be set just above it."""

    def on_shutting_down(**_kwargs: Any) -> None:
        def give_up() -> None:
            log.warning("tasks still running %.0f s after the stop signal: exiting", timeout_s)
            logging.shutdown()
            os._exit(1)

        timer = threading.Timer(timeout_s, give_up)
        timer.daemon = True
        timer.start()

    worker_shutting_down.connect(on_shutting_down, weak=False)
