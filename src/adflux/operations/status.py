"""A deployment's state as an operator asks for it: which workers answer, how deep the queue
is, how many publications stand in each state, which are stuck, how old the oldest pending one
is, how far behind each platform's results are. Read by `adflux status` and by /metrics."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from adflux.background.broker import queue_depth
from adflux.campaigns.models import PlatformPublication, PublicationStatus
from adflux.config import Settings
from adflux.db import DbSession, utcnow
from adflux.results.models import ReportSync

log = logging.getLogger(__name__)

PING_TIMEOUT_S = 1.5


@dataclass(frozen=True)
class OldestPending:
    publication_id: int
    platform: str
    age_s: float


@dataclass(frozen=True)
class DeploymentStatus:
    # None: embedded mode (no broker), or the broker could not be asked.
    workers: list[str] | None
    queue_depth: int | None
    publications: dict[tuple[str, str], int] = field(default_factory=dict)
    stuck: int = 0
    oldest_pending: OldestPending | None = None
    results_lag_s: dict[str, float | None] = field(default_factory=dict)
    broker_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "queue_depth": self.queue_depth,
            "publications": [
                {"status": status, "platform": platform, "count": count}
                for (status, platform), count in sorted(self.publications.items())
            ],
            "stuck": self.stuck,
            "oldest_pending": None
            if self.oldest_pending is None
            else {
                "publication_id": self.oldest_pending.publication_id,
                "platform": self.oldest_pending.platform,
                "age_s": round(self.oldest_pending.age_s, 1),
            },
            "results_lag_s": {
                k: None if v is None else round(v, 1) for k, v in self.results_lag_s.items()
            },
            "broker_error": self.broker_error,
        }


def publication_counts(db_session: DbSession) -> dict[tuple[str, str], int]:
    rows = db_session.execute(
        sa.select(
            PlatformPublication.status, PlatformPublication.platform, sa.func.count()
        ).group_by(PlatformPublication.status, PlatformPublication.platform)
    )
    return {(status, platform): int(count) for status, platform, count in rows}


def stuck_publications(db_session: DbSession, settings: Settings) -> int:
    """Publications claimed by a worker that stopped renewing its claim (it died)."""
    abandoned = utcnow() - timedelta(seconds=settings.claim_stale_after_s)
    return int(
        db_session.scalar(
            sa.select(sa.func.count()).where(
                PlatformPublication.status == PublicationStatus.PUBLISHING.value,
                PlatformPublication.claimed_at < abandoned,
            )
        )
        or 0
    )


def oldest_pending(db_session: DbSession) -> OldestPending | None:
    row = db_session.execute(
        sa.select(
            PlatformPublication.id, PlatformPublication.platform, PlatformPublication.created_at
        )
        .where(PlatformPublication.status == PublicationStatus.PENDING.value)
        .order_by(PlatformPublication.created_at, PlatformPublication.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return OldestPending(row[0], row[1], (utcnow() - row[2]).total_seconds())


def results_lag(db_session: DbSession) -> dict[str, float | None]:
    """Seconds since each platform's figures were last pulled (None: never)."""
    now = utcnow()
    return {
        state.platform: None
        if state.last_success_at is None
        else (now - state.last_success_at).total_seconds()
        for state in db_session.scalars(sa.select(ReportSync).order_by(ReportSync.platform))
    }


def live_workers(celery_app: Any) -> list[str]:
    replies = celery_app.control.ping(timeout=PING_TIMEOUT_S) or []
    return sorted(node for reply in replies for node in reply)


def deployment_status(
    *, db_session: DbSession, settings: Settings, celery_app: Any, ask_workers: bool = True
) -> DeploymentStatus:
    workers: list[str] | None = None
    depth: int | None = None
    broker_error: str | None = None
    if not settings.is_embedded:
        try:
            depth = queue_depth(celery_app)
            if ask_workers:
                workers = live_workers(celery_app)
        except Exception as exc:  # kombu raises several types for "broker down"
            broker_error = f"{type(exc).__name__}: {exc}"
            log.warning("could not ask the broker: %s", broker_error)
    return DeploymentStatus(
        workers=workers,
        queue_depth=depth,
        publications=publication_counts(db_session),
        stuck=stuck_publications(db_session, settings),
        oldest_pending=oldest_pending(db_session),
        results_lag_s=results_lag(db_session),
        broker_error=broker_error,
    )
