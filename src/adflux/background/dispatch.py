"""Sending a task: to the broker, or to the in-process runner in embedded mode."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)


class Dispatcher(ABC):
    @abstractmethod
    def send(self, task_name: str, *args: Any, countdown: float = 0.0) -> bool:
        """Queue ``task_name(*args)``; False when it could not be queued (the relay retries)."""

    @abstractmethod
    def shutdown(self) -> None:
        """Stop accepting work (in-process runners wait for running tasks)."""


class CeleryDispatcher(Dispatcher):
    def __init__(self, app: Flask):
        self._app = app

    def send(self, task_name: str, *args: Any, countdown: float = 0.0) -> bool:
        celery_app = self._app.extensions["celery"]
        try:
            celery_app.send_task(task_name, args=list(args), countdown=countdown or None)
        except Exception as exc:  # kombu raises several types for "broker down"
            log.warning(
                "could not queue %s%r: %s; it stays pending for the relay", task_name, args, exc
            )
            return False
        return True

    def shutdown(self) -> None:
        """Nothing to stop: the broker keeps what was sent."""


class InProcessDispatcher(Dispatcher):
    """Runs tasks on a thread pool of the serving process, with the same task functions.

    Delayed tasks wait in one schedule served by one thread (a thread per delayed task ran to
    thousands when a large batch waited for a platform's pace).
    """

    def __init__(self, app: Flask, *, max_workers: int = 8):
        self._app = app
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="adflux-task")
        self._due: list[tuple[float, int, str, tuple[Any, ...]]] = []  # a heap, soonest first
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._closed = False
        self._scheduler: threading.Thread | None = None

    def send(self, task_name: str, *args: Any, countdown: float = 0.0) -> bool:
        with self._changed:
            if self._closed:
                return False
            if countdown > 0:
                due = time.monotonic() + countdown
                heapq.heappush(self._due, (due, next(self._order), task_name, args))
                self._start_scheduler()
                self._changed.notify()
                return True
            self._pool.submit(self._run, task_name, args)
        return True

    def _start_scheduler(self) -> None:
        if self._scheduler is None:
            self._scheduler = threading.Thread(
                target=self._serve_schedule, name="adflux-task-schedule", daemon=True
            )
            self._scheduler.start()

    def _serve_schedule(self) -> None:
        with self._changed:
            while not self._closed:
                if not self._due:
                    self._changed.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, task_name, args = heapq.heappop(self._due)
                self._pool.submit(self._run, task_name, args)

    def _run(self, task_name: str, args: tuple[Any, ...]) -> None:
        task = self._app.extensions["celery"].tasks[task_name]
        with self._app.app_context():
            try:
                task.run(*args)
            except Exception:
                log.exception("background task %s%r failed", task_name, args)

    def shutdown(self) -> None:
        with self._changed:
            self._closed = True
            self._due.clear()  # delayed work stays pending in the database for the relay
            self._changed.notify()
        self._pool.shutdown(wait=True, cancel_futures=True)


def get_dispatcher() -> Dispatcher:
    return current_app.extensions["adflux_dispatcher"]  # type: ignore[no-any-return]


def send_task(task_name: str, *args: Any, countdown: float = 0.0) -> bool:
    return get_dispatcher().send(task_name, *args, countdown=countdown)


def send_each(task_name: str, ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """Send one `task_name` task per id; (ids queued, ids the broker refused). The caller makes
    the refused ones due in the database, so its relay sends them when the broker is back."""
    queued: list[int] = []
    refused: list[int] = []
    for item in ids:
        (queued if send_task(task_name, item) else refused).append(item)
    return queued, refused
