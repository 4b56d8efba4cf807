"""Embedded mode's stand-in for Celery beat: sweep due publications from a daemon thread."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from adflux.background.celery_app import RELAY_INTERVAL_S

log = logging.getLogger(__name__)


def start_relay_loop(app: Flask, *, interval_s: float = RELAY_INTERVAL_S) -> threading.Event:
    """Run the relay task every ``interval_s`` in this process; set the returned event to stop."""
    stop = threading.Event()
    task = app.extensions["celery"].tasks["adflux.relay_publications"]

    def loop() -> None:
        while not stop.wait(interval_s):
            with app.app_context():
                try:
                    task.run()
                except Exception:
                    log.exception("relay sweep failed")

    threading.Thread(target=loop, name="adflux-relay", daemon=True).start()
    return stop
