"""Sending background tasks: threads of the serving process (embedded) or a Celery broker."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, current_app, has_app_context
from tests.e2e.campaigns.stack import free_port, wait_for

from adflux.app import create_app
from adflux.background.dispatch import CeleryDispatcher, InProcessDispatcher
from adflux.background.relay_loop import start_relay_loop
from adflux.config import Settings

TASK = "tests.background.record"


class Recorder:
    """A task body that notes where and how it ran, and can be told to fail."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.ran = threading.Event()

    def __call__(self, *args: object) -> None:
        if args and args[0] == "boom":
            raise RuntimeError("task failed on purpose")
        self.calls.append(
            {
                "args": args,
                "thread": threading.current_thread().name,
                "in_app_context": has_app_context(),
                "app": current_app._get_current_object() if has_app_context() else None,
                "at": time.monotonic(),
            }
        )
        self.ran.set()


def _app(tmp_path: Path, broker: str | None = None) -> Flask:
    settings = Settings(data_dir=tmp_path / "data", celery_broker_url=broker, log_level="WARNING")
    return create_app(settings, TESTING=True)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[Flask, InProcessDispatcher, Recorder]]:
    app = _app(tmp_path)
    recorder = Recorder()

    def record(*args: object) -> None:
        recorder(*args)

    app.extensions["celery"].task(name=TASK, shared=False)(record)
    dispatcher = app.extensions["adflux_dispatcher"]
    assert isinstance(dispatcher, InProcessDispatcher)
    yield app, dispatcher, recorder
    dispatcher.shutdown()


def test_a_task_runs_on_a_pool_thread_inside_an_app_context(embedded):
    app, dispatcher, recorder = embedded
    assert dispatcher.send(TASK, 7, "x") is True
    assert recorder.ran.wait(5)
    (call,) = recorder.calls
    assert call["args"] == (7, "x")
    assert call["thread"].startswith("adflux-task")
    assert call["in_app_context"] and call["app"] is app


def test_countdown_delays_the_task(embedded):
    _, dispatcher, recorder = embedded
    sent = time.monotonic()
    dispatcher.send(TASK, 1, countdown=0.4)
    assert not recorder.ran.wait(0.2)  # not yet
    assert recorder.ran.wait(5)
    assert recorder.calls[0]["at"] - sent >= 0.4


def test_shutdown_cancels_timers_and_refuses_new_work(embedded):
    _, dispatcher, recorder = embedded
    dispatcher.send(TASK, 1, countdown=0.3)
    dispatcher.shutdown()
    assert dispatcher.send(TASK, 2) is False
    assert not recorder.ran.wait(0.8)  # past the countdown: the cancelled task never ran
    assert recorder.calls == []


def test_a_failing_task_is_logged_and_the_pool_keeps_working(embedded, caplog):
    _, dispatcher, recorder = embedded
    with caplog.at_level(logging.ERROR, logger="adflux.background.dispatch"):
        dispatcher.send(TASK, "boom")
        dispatcher.send(TASK, "after")
        assert recorder.ran.wait(5)
        wait_for(lambda: caplog.records, timeout=5, what="the failure to be logged")
    assert recorder.calls[0]["args"] == ("after",)
    assert "failed" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is not None


def test_the_embedded_relay_loop_sweeps_until_stopped(tmp_path):
    app = _app(tmp_path)
    sweeps: list[bool] = []

    class FakeRelay:
        def run(self) -> None:
            sweeps.append(has_app_context())

    app.extensions["celery"].tasks["adflux.relay_publications"] = FakeRelay()
    stop = start_relay_loop(app, interval_s=0.05)
    try:
        wait_for(lambda: len(sweeps) >= 3, timeout=5, interval=0.02, what="three sweeps")
    finally:
        stop.set()
    assert all(sweeps)
    done = len(sweeps)
    time.sleep(0.2)  # several intervals: a stopped loop sweeps at most once more
    assert len(sweeps) <= done + 1


@pytest.mark.parametrize("countdown", [0.0, 30.0])
def test_celery_send_returns_false_when_the_broker_is_unreachable(tmp_path, countdown):
    closed_port = free_port()  # bound and released: nothing listens there
    app = _app(tmp_path, broker=f"redis://127.0.0.1:{closed_port}/0")
    dispatcher = app.extensions["adflux_dispatcher"]
    assert isinstance(dispatcher, CeleryDispatcher)
    # How long this takes is bounded by the broker settings (celery_app.py), not asserted here:
    # a wall-clock bound fails on a loaded machine.
    assert dispatcher.send("adflux.publish_publication", 1, countdown=countdown) is False
