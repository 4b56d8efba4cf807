"""The simulated job site's outbox: every application the market draws, posted to AdFlux.

At least once, like a real job site's webhook: an application is queued when it is made (settled
from the market as the sandbox clock moves), posted a few minutes later, sometimes hours late
(into the next day), sometimes twice; a post that fails (connection error, timeout, 5xx, 429 or
any other refusal) is retried with backoff on the sandbox clock (429: after its Retry-After), and
nothing is dropped. Sending runs in a background thread (on clock advance and every second of
real time) and on demand (`POST /_sandbox/market/deliver`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from adflux.sandbox.market import Application, Market

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0
LATE_SHARE = 0.12  # posted hours later, often the next day
TWICE_SHARE = 0.06  # posted a second time
FIRST_BACKOFF_S = 30.0
MAX_BACKOFF_S = 3600.0
SETTLE_EVERY_S = 60.0  # of sandbox time, for the background thread


@dataclass
class _Entry:
    payload: dict[str, Any]
    due: float
    attempts: int = 0


class Outbox:
    """Queued posts by (application id, copy); thread-safe, one sender at a time."""

    def __init__(self, market: Market) -> None:
        self._market = market
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._entries: dict[tuple[str, int], _Entry] = {}
        self._queued: set[str] = set()
        self._settled_at: float | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    # ----------------------------------------------------------------- queue

    def settle(self, now: float | None = None) -> int:
        """Queue every application made up to `now` and not queued yet; how many were new."""
        now = self._market.clock.now() if now is None else now
        with self._lock:
            since = self._settled_at
        made = self._market.all_applications(now, since=since)
        added = 0
        with self._lock:
            for application in made:
                if application.application_id in self._queued:
                    continue
                self._queued.add(application.application_id)
                for copy, due in enumerate(self._schedule(application)):
                    self._entries[(application.application_id, copy)] = _Entry(
                        application.payload(), due
                    )
                added += 1
            self._settled_at = now if since is None else max(since, now)
        return added

    def _schedule(self, application: Application) -> list[float]:
        digest = hashlib.sha256(f"{self._market.seed}|post|{application.application_id}".encode())
        rolls = [b / 255 for b in digest.digest()[:4]]
        if rolls[0] < LATE_SHARE:
            first = application.applied_at + 2 * 3600 + rolls[1] * 28 * 3600
        else:
            first = application.applied_at + 60 + rolls[1] * 540
        times = [first]
        if rolls[2] < TWICE_SHARE:
            times.append(first + 600 + rolls[3] * 6 * 3600)
        return times

    def retry_now(self) -> None:
        """Every waiting application is due now (the endpoint changed), and the sender wakes."""
        now = self._market.clock.now()
        with self._lock:
            for entry in self._entries.values():
                entry.due = min(entry.due, now)
        self.wake()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._queued.clear()
            self._settled_at = None

    # ----------------------------------------------------------------- sending

    def deliver(self, now: float | None = None) -> dict[str, int]:
        """Post every queued application due at `now`: {delivered, failed, pending}."""
        now = self._market.clock.now() if now is None else now
        self.settle(now)
        site = self._market.job_site
        delivered = failed = 0
        with self._send_lock:
            with self._lock:
                due = sorted(
                    (entry.due, key) for key, entry in self._entries.items() if entry.due <= now
                )
            if site is not None:
                url, token = site
                headers = {"Authorization": f"Bearer {token}"}
                for _, key in due:
                    with self._lock:
                        entry = self._entries.get(key)
                    if entry is None:
                        continue
                    wait = self._post(url, headers, entry.payload)
                    with self._lock:
                        if wait is None:
                            self._entries.pop(key, None)
                            delivered += 1
                        else:
                            entry.attempts += 1
                            backoff = FIRST_BACKOFF_S * 2 ** (entry.attempts - 1)
                            entry.due = now + max(wait, min(backoff, MAX_BACKOFF_S))
                            failed += 1
            with self._lock:
                pending = len(self._entries)
        return {"delivered": delivered, "failed": failed, "pending": pending}

    def _post(self, url: str, headers: dict[str, str], payload: dict[str, Any]) -> float | None:
        """None when accepted, else the least wait before the next try."""
        try:
            answer = self._session.post(url, json=payload, headers=headers, timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            log.info("market: posting an application failed: %s", type(exc).__name__)
            return 0.0
        if answer.status_code < 300:
            return None
        log.info("market: the job site's endpoint answered %s", answer.status_code)
        if answer.status_code == 429:
            try:
                return float(answer.headers.get("Retry-After", "0"))
            except ValueError:
                return 0.0
        return 0.0

    # ----------------------------------------------------------------- background

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-market", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_S + 1)
            self._thread = None

    def wake(self) -> None:
        """The clock moved: settle and send without waiting for the next tick."""
        self._wake.set()

    def _run(self) -> None:
        last = None
        while not self._stop.is_set():
            woken = self._wake.wait(timeout=1.0)
            self._wake.clear()
            if self._stop.is_set() or self._market.job_site is None:
                continue
            now = self._market.clock.now()
            if woken or last is None or now - last >= SETTLE_EVERY_S:
                try:
                    self.deliver(now)
                except Exception:  # the thread must outlive one bad round
                    log.exception("market: delivery round failed")
                last = now
