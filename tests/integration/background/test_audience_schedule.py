"""The audience refresh is scheduled in both modes: Celery beat in `adflux worker`, a daemon thread
of the serving process in embedded mode."""

from __future__ import annotations

from pathlib import Path

from flask import has_app_context
from tests.e2e.campaigns.stack import wait_for

from adflux.app import create_app
from adflux.background.relay_loop import start_audience_refresh_loop
from adflux.config import Settings


def _app(tmp_path: Path, broker: str | None = None):
    settings = Settings(data_dir=tmp_path / "data", celery_broker_url=broker, log_level="WARNING")
    return create_app(settings, TESTING=True)


def test_celery_beat_refreshes_audiences_every_fifteen_minutes(tmp_path):
    app = _app(tmp_path, broker="redis://127.0.0.1:1/0")
    schedule = app.extensions["celery"].conf.beat_schedule

    entry = schedule["refresh-audiences"]
    assert entry["task"] == "adflux.refresh_audiences"
    assert entry["schedule"] == 900.0
    assert "adflux.refresh_audiences" in app.extensions["celery"].tasks
    assert "adflux.remove_audience_members" in app.extensions["celery"].tasks


def test_the_embedded_audience_loop_refreshes_until_stopped(tmp_path):
    app = _app(tmp_path)
    runs: list[bool] = []

    class FakeRefresh:
        def run(self) -> None:
            runs.append(has_app_context())

    app.extensions["celery"].tasks["adflux.refresh_audiences"] = FakeRefresh()
    stop = start_audience_refresh_loop(app, interval_s=0.05)
    try:
        wait_for(lambda: len(runs) >= 2, timeout=5, interval=0.02, what="two refreshes")
    finally:
        stop.set()
    assert all(runs)
