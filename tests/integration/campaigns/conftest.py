from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask
from tests.factories import make_active_segment, make_job
from tests.fakes import FakeDirectory, RecordingDispatcher

from adflux.campaigns import publishing, pushing
from adflux.campaigns.changes import CHANGE_TASK
from adflux.cli.main import cli
from adflux.extensions import db


@pytest.fixture
def platforms(app):
    directory = FakeDirectory()
    previous = app.extensions["adflux_platforms"]
    app.extensions["adflux_platforms"] = directory
    yield directory
    app.extensions["adflux_platforms"] = previous


@pytest.fixture
def job(app):
    return make_job(title="Auxiliar contable con experiencia en NIIF", city="Cali")


@pytest.fixture
def active_segment(app):
    """An active run with one segment of three candidates, two of whom consent to marketing."""
    return make_active_segment(city="Cali", size=3, consents=(True, True, False))


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def backend(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on PostgreSQL (rolled back) and on a fresh embedded SQLite file, with fake
    platforms and a dispatcher that records the tasks."""
    app = request.getfixturevalue("app" if request.param == "postgres" else "sqlite_app")
    previous = app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"]
    app.extensions["adflux_platforms"] = FakeDirectory()
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield app
    app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def adflux_cli(app: Flask, token_for: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `adflux ...` as an operator against this app's API (in-process); the click result.
    Keywords are environment variables for that run (LANG="en_US.UTF-8", COLUMNS="60")."""
    token = token_for("operator")["Authorization"].removeprefix("Bearer ")
    real_client = httpx.Client

    def in_process(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.WSGITransport(app=app), **kwargs)

    monkeypatch.setattr("adflux.cli.client.httpx.Client", in_process)
    env = {"ADFLUX_API_URL": "http://adflux.test", "ADFLUX_API_TOKEN": token}
    runner = CliRunner()
    return lambda *args, **extra: runner.invoke(
        cli, list(args), prog_name="adflux", env={**env, **extra}
    )


def run_sent_tasks(dispatcher: RecordingDispatcher) -> list[tuple[str, str]]:
    """Run every task sent so far, and those they send, in this thread as a worker would;
    (task name, outcome) of each."""
    done = []
    while sent := dispatcher.take():
        for name, args, _countdown in sent:
            run = (
                pushing.apply_publication_change
                if name == CHANGE_TASK
                else publishing.attempt_publication
            )
            done.append((name, run(db_session=db.session, publication_id=args[0]).state))
    return done
