"""Claims that carry a heartbeat: a worker keeps `claimed_at` fresh on every arm it is working on,
so a claim stops being renewed only when its worker is gone.

The takeover of a dead worker's publication (or change) then waits `claim_stale_after_s` (a
minute by default) instead of the longest attempt anyone could imagine: a live attempt, however
slow (a platform answering in 30 s, a publication waiting on its pace), never looks abandoned.
One thread per process renews all of that process's claims in one UPDATE.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import sqlalchemy as sa

from adflux.campaigns.models import PlatformPublication, PublicationStatus
from adflux.db import utcnow

log = logging.getLogger(__name__)

# Renewals per stale period: a claim survives three missed beats (a busy database, a GC pause).
BEATS_PER_STALE_PERIOD = 4


class ClaimHeartbeat:
    """Renews `claimed_at` of the publications this process holds, every ``interval_s``."""

    def __init__(self, engine: Callable[[], sa.Engine], *, interval_s: float) -> None:
        self._engine = engine
        self.interval_s = interval_s
        self._held: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @contextlib.contextmanager
    def holding(self, publication_id: int) -> Iterator[None]:
        """Keep the publication's claim fresh while the block runs."""
        with self._lock:
            self._held[publication_id] += 1
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name="adflux-claim-heartbeat", daemon=True
                )
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held[publication_id] -= 1
                if self._held[publication_id] <= 0:
                    del self._held[publication_id]

    def held(self) -> list[int]:
        with self._lock:
            return sorted(self._held)

    def beat(self) -> int:
        """Renew every claim held now; the number renewed."""
        ids = self.held()
        if not ids:
            return 0
        table = PlatformPublication.__table__
        with self._engine().begin() as connection:
            result = connection.execute(
                table.update()
                .where(
                    table.c.id.in_(ids),
                    table.c.claimed_at.is_not(None),
                    # A publication being published, or an arm whose change is being pushed.
                    sa.or_(
                        table.c.status == PublicationStatus.PUBLISHING.value,
                        table.c.applied_revision < table.c.revision,
                    ),
                )
                .values(claimed_at=utcnow())
            )
        return int(result.rowcount)

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.beat()
            except Exception as exc:  # the database is busy or away: the next beat tries again
                log.warning("could not renew this worker's claims: %s", exc)
