"""Sending a task: to the broker, or to the in-process runner in embedded mode."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
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
    """Runs tasks on a thread pool of the serving process, with the same task functions."""

    def __init__(self, app: Flask, *, max_workers: int = 8):
        self._app = app
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="adflux-task")
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._closed = False

    def send(self, task_name: str, *args: Any, countdown: float = 0.0) -> bool:
        if self._closed:
            return False
        if countdown > 0:
            timer = threading.Timer(countdown, self._submit, args=(task_name, args))
            timer.daemon = True
            with self._lock:
                self._timers.add(timer)
            timer.start()
        else:
            self._submit(task_name, args)
        return True

    def _submit(self, task_name: str, args: tuple[Any, ...]) -> None:
        with self._lock:
            self._timers = {t for t in self._timers if t.is_alive()}
            if self._closed:
                return
        self._pool.submit(self._run, task_name, args)

    def _run(self, task_name: str, args: tuple[Any, ...]) -> None:
        task = self._app.extensions["celery"].tasks[task_name]
        with self._app.app_context():
            try:
                task.run(*args)
            except Exception:
                log.exception("background task %s%r failed", task_name, args)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            for timer in self._timers:
                timer.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)


def get_dispatcher() -> Dispatcher:
    return current_app.extensions["adflux_dispatcher"]  # type: ignore[no-any-return]


def send_task(task_name: str, *args: Any, countdown: float = 0.0) -> bool:
    return get_dispatcher().send(task_name, *args, countdown=countdown)
