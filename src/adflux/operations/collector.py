"""The deployment's state as Prometheus gauges, read from the database and the broker each time
/metrics is scraped (so any API process answers alike)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from adflux.config import Settings
from adflux.db import DbSession
from adflux.operations.status import deployment_status


class DeploymentCollector(Collector):
    def __init__(self, *, db_session: DbSession, settings: Settings, celery_app: Any) -> None:
        self._db_session = db_session
        self._settings = settings
        self._celery_app = celery_app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # Workers are not pinged here: a ping waits for its answers, and a scrape must be quick.
        status = deployment_status(
            db_session=self._db_session,
            settings=self._settings,
            celery_app=self._celery_app,
            ask_workers=False,
        )
        publications = GaugeMetricFamily(
            "adflux_publications",
            "Publications by state and platform.",
            labels=["state", "platform"],
        )
        for (state, platform), count in sorted(status.publications.items()):
            publications.add_metric([state, platform], count)
        yield publications
        yield GaugeMetricFamily(
            "adflux_publications_stuck",
            "Publications claimed by a worker that stopped renewing its claim (taken over next).",
            value=status.stuck,
        )
        yield GaugeMetricFamily(
            "adflux_oldest_pending_publication_age_seconds",
            "Age of the oldest publication still pending (0 when none is).",
            value=status.oldest_pending.age_s if status.oldest_pending else 0.0,
        )
        if status.queue_depth is not None:
            yield GaugeMetricFamily(
                "adflux_queue_depth",
                "Tasks waiting in the broker's queue.",
                value=status.queue_depth,
            )
        yield GaugeMetricFamily(
            "adflux_broker_up",
            "1 when the broker answered (always 1 in embedded mode, which has none).",
            value=0 if status.broker_error else 1,
        )
        lag = GaugeMetricFamily(
            "adflux_results_sync_lag_seconds",
            "Seconds since each platform's figures were last pulled successfully.",
            labels=["platform"],
        )
        for platform, seconds in status.results_lag_s.items():
            if seconds is not None:
                lag.add_metric([platform], seconds)
        yield lag
