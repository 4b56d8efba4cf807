"""The optimiser's tests run on PostgreSQL and SQLite, with fake platforms (data: arms.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import make_segmented_run
from tests.fakes import FakeDirectory, RecordingDispatcher

# The results' tests' backends and fake platforms: PostgreSQL (rolled back) and a fresh SQLite.
from tests.integration.results.conftest import (  # noqa: F401
    _migrated_sqlite_file,
    any_app,
    copied_sqlite_app,
    platforms,
)

from adflux.audit.models import AuditLog
from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.results.models import Application
from adflux.segmentation.models import Segment

from .arms import CAMPAIGN_NAME


@pytest.fixture
def dispatcher(any_app: Flask) -> Iterator[RecordingDispatcher]:  # noqa: F811
    """The suite's recording dispatcher, on whichever backend the test runs."""
    recording = RecordingDispatcher()
    previous = any_app.extensions["adflux_dispatcher"]
    any_app.extensions["adflux_dispatcher"] = recording
    yield recording
    any_app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def segments(any_app: Flask) -> list[Segment]:  # noqa: F811
    return make_segmented_run({"Desarrolladores": [], "Contadores": []})


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def committing_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app whose sessions really commit (each thread its own connection), with fake platforms
    and a recording dispatcher; on PostgreSQL what the test made is deleted after it."""
    if request.param == "sqlite":
        yield from _with_fakes(request.getfixturevalue("sqlite_app"))
        return
    app = request.getfixturevalue("migrated_app")
    with app.app_context():
        yield from _with_fakes(app)
        db.session.rollback()
        made = db.session.execute(
            sa.select(AdCampaign.id, AdCampaign.job_id).where(AdCampaign.name == CAMPAIGN_NAME)
        ).all()
        for campaign_id, job_id in made:
            arms = sa.select(PlatformPublication.id).where(
                PlatformPublication.campaign_id == campaign_id
            )
            db.session.execute(
                sa.delete(AuditLog).where(
                    (AuditLog.entity_id == str(campaign_id))
                    | AuditLog.entity_id.in_(sa.select(sa.cast(arms.subquery().c.id, sa.String)))
                )
            )
            db.session.execute(sa.delete(Application).where(Application.campaign_id == campaign_id))
            # The database's cascades take the arms, runs, rules and firings with it.
            db.session.execute(sa.delete(AdCampaign).where(AdCampaign.id == campaign_id))
            db.session.execute(sa.delete(JobOpening).where(JobOpening.id == job_id))
        db.session.commit()
        db.session.remove()


def _with_fakes(app: Flask) -> Iterator[Flask]:
    previous = {key: app.extensions[key] for key in ("adflux_platforms", "adflux_dispatcher")}
    app.extensions["adflux_platforms"] = FakeDirectory()
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    try:
        yield app
    finally:
        app.extensions.update(previous)
