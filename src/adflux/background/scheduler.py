"""Periodic work sent once per deployment, from a thread of whichever worker leads.

Celery's embedded beat (`worker --beat`) runs in a child process of every worker that asks for it:
with several workers every periodic task was sent several times, and a worker killed with SIGKILL
left its beat child running, orphaned, queueing the relay forever. Here each worker runs a
scheduler thread in its own process (it dies with the process, whatever kills it), and only the
one holding the deployment's leadership sends anything; the others stand by and one of them takes
over within a few seconds when the leader dies.

Leadership is a lock the operating system or the database releases by itself when its holder
dies, so no lease length has to be guessed: PostgreSQL's session advisory lock (every process of
a deployment shares its database), or on SQLite an exclusive lock on a file beside the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

import sqlalchemy as sa

log = logging.getLogger(__name__)

# The advisory lock's key: any constant the deployment's other locks don't use ("adflux-b").
LEADER_LOCK_KEY = 0x6164666C75782D62
TICK_S = 1.0


class Leadership(Protocol):
    def hold(self) -> bool:
        """Whether this process leads now (taking the lead when it is free)."""

    def release(self) -> None:
        """Give the lead up (the stand-bys take it over)."""


class PostgresLeadership:
    """A session advisory lock on a connection of its own: released when that connection ends,
    which the server notices when the process dies."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def hold(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
                taken = self._connection.scalar(
                    sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}
                )
                self._connection.commit()
                if not taken:
                    self._drop()
                    return False
                return True
            # Still ours as long as the connection lives.
            self._connection.scalar(sa.text("SELECT 1"))
            self._connection.commit()
            return True
        except sa.exc.SQLAlchemyError as exc:
            log.warning("scheduler: lost the database connection that holds the lead (%s)", exc)
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY}
                )
                self._connection.commit()
            self._drop()

    def _drop(self) -> None:
        """Close the database connection itself, not back into the pool: a session lock lives
        as long as the connection, and a pooled one would carry it into other work."""
        if self._connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.invalidate()
                self._connection.close()
        self._connection = None


class FileLeadership:
    """An exclusive lock on a file (SQLite deployments: every process shares one host)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    def hold(self) -> bool:
        if self._file is not None:
            return True
        handle = self._path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def leadership_for(engine: sa.Engine, data_dir: Path) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    return FileLeadership(data_dir / "scheduler.lock")


class Scheduler:
    """Sends each task of ``intervals`` (task name -> seconds) every interval while leading."""

    def __init__(
        self,
        intervals: Mapping[str, float],
        leadership: Leadership,
        send: Callable[[str], object],
        *,
        clock: Callable[[], float] = time.monotonic,
        send_at_lead: tuple[str, ...] = (),
    ) -> None:
        self._intervals = dict(intervals)
        self._leadership = leadership
        self._send = send
        self._clock = clock
        # Sent as soon as the lead is taken: the relay, whose sweep is the net under a crash.
        self._send_at_lead = send_at_lead
        self._due: dict[str, float] = {}
        self.leading = False

    def tick(self) -> None:
        """One look at the clock: take or keep the lead, send what is due."""
        leads = self._leadership.hold()
        now = self._clock()
        if leads and not self.leading:
            log.info("scheduler: this worker leads; it sends the periodic tasks")
            self._due = {
                name: now if name in self._send_at_lead else now + interval
                for name, interval in self._intervals.items()
            }
        elif self.leading and not leads:
            log.warning("scheduler: lost the lead; another worker sends the periodic tasks")
        self.leading = leads
        if not leads:
            return
        for name, due in self._due.items():
            if due <= now:
                self._send(name)
                self._due[name] = now + self._intervals[name]

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("scheduler tick failed")
                stop.wait(TICK_S)
        finally:
            self._leadership.release()

    def start(self) -> threading.Event:
        stop = threading.Event()
        threading.Thread(
            target=self.run, args=(stop,), name="adflux-scheduler", daemon=True
        ).start()
        return stop


def intervals_of(beat_schedule: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Task name -> seconds, from Celery's beat_schedule (the one list of periodic work)."""
    return {entry["task"]: float(entry["schedule"]) for entry in beat_schedule.values()}
