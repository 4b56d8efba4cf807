"""The optimiser's schedule in both modes (Celery beat in `adflux worker`, daemon threads of the
serving process in embedded mode), and its tasks: the daily split from its hour on, the rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import has_app_context
from tests.e2e.campaigns.stack import wait_for

from adflux.app import create_app
from adflux.background.relay_loop import start_optimiser_loops
from adflux.campaigns.service import CAMPAIGN_TZ, campaign_today
from adflux.config import Settings
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.optimisation import tasks
from adflux.optimisation.models import AllocationRun, RuleFiring

from .arms import add_day, arm_of, make_armed_campaign

TODAY = campaign_today()


def _app(tmp_path: Path, **values: object):
    settings = Settings(data_dir=tmp_path / "data", log_level="WARNING", **values)  # type: ignore[arg-type]
    return create_app(settings, TESTING=True)


def test_celery_beat_runs_the_allocator_and_the_rules_hourly_by_default(tmp_path):
    celery_app = _app(tmp_path, celery_broker_url="redis://127.0.0.1:1/0").extensions["celery"]
    schedule = celery_app.conf.beat_schedule
    assert (schedule["allocate-budgets"]["task"], schedule["allocate-budgets"]["schedule"]) == (
        tasks.ALLOCATE_TASK,
        3600.0,
    )
    assert (schedule["evaluate-rules"]["task"], schedule["evaluate-rules"]["schedule"]) == (
        tasks.RULES_TASK,
        3600.0,
    )
    assert {tasks.ALLOCATE_TASK, tasks.RULES_TASK} <= set(celery_app.tasks)
    faster = _app(
        tmp_path, celery_broker_url="redis://x:1/0", allocation_interval_s=60, rules_interval_s=120
    ).extensions["celery"]
    assert faster.conf.beat_schedule["allocate-budgets"]["schedule"] == 60
    assert faster.conf.beat_schedule["evaluate-rules"]["schedule"] == 120


def test_the_embedded_optimiser_threads_run_until_stopped(tmp_path):
    app = _app(tmp_path)
    runs: dict[str, list[bool]] = {tasks.ALLOCATE_TASK: [], tasks.RULES_TASK: []}

    class Recorded:
        def __init__(self, name: str) -> None:
            self.name = name

        def run(self) -> None:
            runs[self.name].append(has_app_context())

    registry = app.extensions["celery"].tasks
    # This app is Celery's default now: its real tasks go back after (the task proxies of the
    # tests that follow resolve through it).
    real = {name: registry[name] for name in runs}
    for name in runs:
        registry[name] = Recorded(name)
    stops = start_optimiser_loops(app, interval_s=0.05)
    try:
        wait_for(
            lambda: all(len(done) >= 2 for done in runs.values()),
            timeout=5,
            interval=0.02,
            what="two runs of each",
        )
    finally:
        for stop in stops:
            stop.set()
        registry.update(real)
    assert all(all(done) for done in runs.values())


def test_the_daily_task_splits_each_campaign_once_from_its_hour_on(
    any_app, platforms, segments, dispatcher, monkeypatch
):
    developers, accountants = segments
    campaign = make_armed_campaign(
        platforms,
        [("meta", developers, 20_000), ("google", accountants, 20_000)],
        start=TODAY - timedelta(days=3),
    )
    for back in range(1, 4):
        add_day(arm_of(campaign, "meta", developers), TODAY - timedelta(days=back), 20_000, 2)
    db.session.commit()
    hour = any_app.config["ADFLUX_SETTINGS"].allocation_hour

    def at(hour_of_day: int) -> None:
        moment = datetime.combine(TODAY, datetime.min.time(), tzinfo=CAMPAIGN_TZ)
        monkeypatch.setattr(tasks.clock, "now", lambda: moment + timedelta(hours=hour_of_day))

    at(hour - 1)
    assert tasks.allocate_budgets.run() == 0
    at(hour)
    assert tasks.allocate_budgets.run() == 1
    assert tasks.allocate_budgets.run() == 1  # the same run, found done
    assert db.session.scalars(sa.select(AllocationRun.day)).all() == [TODAY]


def test_the_rules_task_fires_a_closed_jobs_stop(any_app, platforms, segments, dispatcher):
    campaign = make_armed_campaign(
        platforms, [("meta", segments[0], 20_000), ("x", segments[1], 20_000)], start=TODAY
    )
    db.session.get(JobOpening, campaign.job_id).status = "closed"
    db.session.commit()
    assert tasks.evaluate_rules.run() == 1
    assert tasks.evaluate_rules.run() == 0
    assert len(db.session.scalars(sa.select(RuleFiring)).all()) == 1
