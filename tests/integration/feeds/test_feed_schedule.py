"""The scheduled feed import: its Celery beat entry, the embedded thread, and the task itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import has_app_context
from tests.e2e.campaigns.stack import wait_for
from tests.integration.feeds.conftest import (  # noqa: F401  (feed_server: a fixture)
    feed_job,
    feed_server,
    xml_feed,
)

from adflux.app import create_app
from adflux.background.relay_loop import start_job_feed_loop
from adflux.config import Settings
from adflux.extensions import db
from adflux.feeds.models import FeedImport
from adflux.feeds.tasks import SYNC_TASK
from adflux.i18n.messages import from_stored
from adflux.jobs.models import JobOpening


def test_celery_beat_imports_the_configured_feed_hourly_and_nothing_without_one(tmp_path):
    plain = Settings(data_dir=tmp_path, celery_broker_url="redis://127.0.0.1:1/0")
    assert (
        "sync-job-feed"
        not in create_app(plain, TESTING=True).extensions["celery"].conf.beat_schedule
    )
    settings = Settings(
        data_dir=tmp_path,
        celery_broker_url="redis://127.0.0.1:1/0",
        job_feed_url="https://feeds.example.com/magneto.xml",
    )
    celery_app = create_app(settings, TESTING=True).extensions["celery"]
    entry = celery_app.conf.beat_schedule["sync-job-feed"]
    assert (entry["task"], entry["schedule"]) == ("adflux.sync_job_feed", 3600.0)
    assert "adflux.sync_job_feed" in celery_app.tasks


def test_the_embedded_feed_loop_runs_only_with_a_feed_configured(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", log_level="WARNING"), TESTING=True)
    assert start_job_feed_loop(app) is None
    app.config["ADFLUX_SETTINGS"].job_feed_url = "https://feeds.example.com/magneto.xml"
    runs: list[bool] = []

    class FakeSync:
        def run(self) -> None:
            runs.append(has_app_context())

    app.extensions["celery"].tasks["adflux.sync_job_feed"] = FakeSync()
    stop = start_job_feed_loop(app, interval_s=0.05)
    assert stop is not None
    try:
        wait_for(lambda: len(runs) >= 2, timeout=5, interval=0.02, what="two imports")
    finally:
        stop.set()
    assert all(runs)


@pytest.mark.postgres
def test_the_task_imports_the_configured_feed_as_a_full_feed(
    app,
    feed_server,  # noqa: F811
    allow_private_feed_hosts,
    monkeypatch,
):
    base, folder = feed_server
    settings = app.config["ADFLUX_SETTINGS"]
    monkeypatch.setattr(settings, "job_feed_url", f"{base}/feed.xml")
    monkeypatch.setattr(settings, "job_feed_name", "magneto")
    (folder / "feed.xml").write_bytes(xml_feed(feed_job("S-1"), feed_job("S-2")).getvalue())
    monkeypatch.setattr(db.session, "remove", lambda: None)  # the test's one connection stays
    # This app's own task (the shared_task proxy follows whichever app was built last).
    sync_job_feed = app.extensions["celery"].tasks[SYNC_TASK]

    first = sync_job_feed.run()
    (folder / "feed.xml").write_bytes(xml_feed(feed_job("S-1")).getvalue())
    second = sync_job_feed.run()

    reports = {r.id: r for r in db.session.scalars(sa.select(FeedImport))}
    assert first is not None and second is not None
    assert (reports[first].added, reports[first].created_by) == (2, "job-feed-sync")
    assert (reports[second].closed, reports[second].feed) == (1, "magneto")
    statuses = dict(db.session.execute(sa.select(JobOpening.external_ref, JobOpening.status)).all())
    assert statuses == {"S-1": "open", "S-2": "closed"}

    (folder / "feed.xml").unlink()
    assert sync_job_feed.run() is None  # a 404: stored as a failed run, the jobs untouched
    failed = db.session.scalars(sa.select(FeedImport).order_by(FeedImport.id.desc())).first()
    assert failed is not None
    assert failed.status == "failed" and failed.error is not None
    assert (
        from_stored(failed.error).render("en") == f"the feed at {base}/feed.xml answered HTTP 404"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobOpening)) == 2
