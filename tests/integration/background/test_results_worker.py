"""The results sync as it runs in production: a task sent through a real Redis broker to an
`adflux worker` process, writing to a real PostgreSQL; and its schedule in both modes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import has_app_context
from tests.e2e.campaigns.stack import (
    PostgresDatabase,
    Proc,
    RedisServer,
    Unavailable,
    wait_for,
)
from tests.factories import make_job
from tests.integration.background.results_worker import reported
from tests.integration.results.conftest import make_campaign, publication
from tests.services import service_missing

from adflux.app import create_app
from adflux.background.relay_loop import start_results_sync_loop
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.extensions import db
from adflux.results.sync import report_today

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REPO = Path(__file__).resolve().parents[3]
WORKER = ("worker", "--concurrency", "2", "--no-beat")


def test_celery_beat_syncs_results_every_fifteen_minutes_by_default(tmp_path):
    settings = Settings(data_dir=tmp_path, celery_broker_url="redis://127.0.0.1:1/0")
    celery_app = create_app(settings, TESTING=True).extensions["celery"]
    entry = celery_app.conf.beat_schedule["sync-results"]
    assert (entry["task"], entry["schedule"]) == ("adflux.sync_results", 900.0)
    assert "adflux.sync_results" in celery_app.tasks
    faster = Settings(
        data_dir=tmp_path, celery_broker_url="redis://x:1/0", results_sync_interval_s=60
    )
    schedule = create_app(faster, TESTING=True).extensions["celery"].conf.beat_schedule
    assert schedule["sync-results"]["schedule"] == 60


def test_the_embedded_results_loop_syncs_until_stopped(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", log_level="WARNING"), TESTING=True)
    runs: list[bool] = []

    class FakeSync:
        def run(self) -> None:
            runs.append(has_app_context())

    app.extensions["celery"].tasks["adflux.sync_results"] = FakeSync()
    stop = start_results_sync_loop(app, interval_s=0.05)
    try:
        wait_for(lambda: len(runs) >= 2, timeout=5, interval=0.02, what="two syncs")
    finally:
        stop.set()
    assert all(runs)


@pytest.fixture
def deployment(tmp_path):
    database = PostgresDatabase(f"adflux_results_worker_{os.getpid()}")
    redis = RedisServer(log_dir=tmp_path)
    try:
        database.create()
        redis.start()
    except Unavailable as missing:
        redis.stop()
        service_missing(missing.service, missing.detail)
    settings = Settings(
        database_url=database.url,
        celery_broker_url=redis.url,
        data_dir=tmp_path / "data",
        log_level="WARNING",
    )
    app = create_app(settings, TESTING=True)
    worker: Proc | None = None

    def start_worker() -> Proc:
        nonlocal worker
        log_path = tmp_path / "worker.log"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ADFLUX_")},
            "DATABASE_URL": database.url,
            "CELERY_BROKER_URL": redis.url,
            "ADFLUX_DATA_DIR": str(tmp_path / "data"),
            # This checkout's package and tests, whichever checkout the virtualenv was made in.
            "PYTHONPATH": os.pathsep.join((str(REPO / "src"), str(REPO))),
            "PYTHONUNBUFFERED": "1",
        }
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.background.results_worker", *WORKER],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Proc("worker", process, log_path)
        wait_for(lambda: "ready." in worker.log() or not worker.alive(), timeout=60, what="worker")
        assert worker.alive(), worker.log()[-3000:]
        return worker

    try:
        with app.app_context():
            upgrade_schema()
            yield app, database, start_worker
            db.session.remove()
            db.engine.dispose()
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()
        database.drop()


def test_a_worker_process_runs_the_sync_task_sent_through_redis(deployment):
    app, database, start_worker = deployment
    today = report_today()
    start = today - timedelta(days=2)
    campaign = make_campaign(job=make_job(), platforms=("meta", "google", "x"), start=start)
    keys = {p: f"adflux-pub-{publication(campaign, p).id}" for p in ("meta", "google", "x")}
    db.session.commit()
    worker = start_worker()

    def metric_rows():
        return database.rows(
            "SELECT p.platform, m.day, m.impressions, m.clicks, m.spend_cop"
            " FROM campaign_metrics m JOIN platform_publications p ON p.id = m.publication_id"
            " ORDER BY p.platform, m.day"
        )

    expected = sorted(
        (platform, day, row.impressions, row.clicks, row.spend_cop)
        for platform, key in keys.items()
        for day in (start, start + timedelta(days=1), today)
        if (row := reported(key, day))
    )
    app.extensions["celery"].send_task("adflux.sync_results")
    wait_for(lambda: len(metric_rows()) == 9, timeout=60, what=f"9 rows\n{worker.log()[-2000:]}")
    assert metric_rows() == expected
    synced = database.rows("SELECT platform, last_error FROM report_syncs ORDER BY platform")
    assert synced == [("google", None), ("meta", None), ("x", None)]

    # Sent again, the sync rewrites the same figures: no new row, no changed one.
    app.extensions["celery"].send_task("adflux.sync_results")
    wait_for(
        lambda: (
            database.rows("SELECT count(*) FROM audit_log WHERE action = 'results.sync'")[0][0] == 6
        ),
        timeout=60,
        what="the second sync's audit entries",
    )
    assert metric_rows() == expected
