"""Campaigns with published trees, their daily figures and applications, on either backend."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from flask import Flask
from tests.factories import make_job
from tests.fakes import FakeDirectory

from adflux.app import create_app
from adflux.campaigns.models import AdCampaign, PlatformPublication, campaign_segments
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.results.models import Application, CampaignMetric
from adflux.segmentation.models import Segment, SegmentationRun

_sources = itertools.count(1)


@pytest.fixture(scope="session")
def _migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded database migrated once; each test gets a copy (a migration takes seconds)."""
    data_dir = tmp_path_factory.mktemp("sqlite-template")
    app = create_app(Settings(data_dir=data_dir, log_level="WARNING"), TESTING=True)
    with app.app_context():
        upgrade_schema()
        db.session.remove()
        db.engine.dispose()
    return data_dir / "adflux.db"


@pytest.fixture
def copied_sqlite_app(tmp_path: Path, _migrated_sqlite_file: Path) -> Iterator[Flask]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(_migrated_sqlite_file, data_dir / "adflux.db")
    app = create_app(Settings(data_dir=data_dir, log_level="WARNING"), TESTING=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["postgres", "sqlite"])
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The app on PostgreSQL (rolled back) and on a fresh embedded SQLite file."""
    name = "app" if request.param == "postgres" else "copied_sqlite_app"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def platforms(any_app: Flask) -> Iterator[FakeDirectory]:
    directory = FakeDirectory()
    previous = any_app.extensions["adflux_platforms"]
    any_app.extensions["adflux_platforms"] = directory
    yield directory
    any_app.extensions["adflux_platforms"] = previous


def make_segments(count: int) -> list[Segment]:
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=count)
    db.session.add(run)
    db.session.flush()
    segments = [
        Segment(run_id=run.id, cluster_index=i, name=f"seg {i}", size=10, profile={})
        for i in range(count)
    ]
    db.session.add_all(segments)
    db.session.flush()
    return segments


def make_campaign(
    *,
    job: JobOpening | None = None,
    platforms: Sequence[str] = ("meta",),
    segments: Sequence[Segment] = (),
    start: date,
    end: date | None = None,
    status: str = "published",
    published_at: datetime | None = None,
) -> AdCampaign:
    """A campaign published on `platforms` (each with a tree of ids), targeting `segments`."""
    job = job or make_job()
    campaign = AdCampaign(
        job_id=job.id,
        name="c",
        status=status,
        daily_budget_cop=50_000,
        start_date=start,
        end_date=end,
    )
    db.session.add(campaign)
    db.session.flush()
    # Linked in descending order: the segment-set key must not depend on insertion order.
    for segment in sorted(segments, key=lambda s: -s.id):
        db.session.execute(
            campaign_segments.insert().values(campaign_id=campaign.id, segment_id=segment.id)
        )
    for platform in platforms:
        publication = PlatformPublication(
            campaign_id=campaign.id,
            platform=platform,
            status=status,
            daily_budget_cop=campaign.daily_budget_cop,
            published_at=published_at or datetime(2020, 1, 1, tzinfo=UTC),
        )
        db.session.add(publication)
        db.session.flush()
        publication.external_ids = {"campaign": f"{platform}-c-{publication.id}", "ad": "1"}
    db.session.flush()
    return campaign


def publication(campaign: AdCampaign, platform: str) -> PlatformPublication:
    return next(p for p in campaign.publications if p.platform == platform)


def add_metric(pub: PlatformPublication, day: date, impressions: int, clicks: int, spend: int):
    db.session.add(
        CampaignMetric(
            publication_id=pub.id,
            day=day,
            impressions=impressions,
            clicks=clicks,
            spend_cop=spend,
        )
    )
    db.session.flush()


def add_applications(
    pub: PlatformPublication | None,
    day: date,
    count: int = 1,
    *,
    segment_id: int | None = None,
    job_id: int | None = None,
) -> None:
    for _ in range(count):
        db.session.add(
            Application(
                source_id=f"app-{next(_sources)}",
                job_ref="ref",
                job_id=job_id if pub is None else pub.campaign.job_id,
                campaign_id=None if pub is None else pub.campaign_id,
                publication_id=None if pub is None else pub.id,
                platform=None if pub is None else pub.platform,
                segment_id=segment_id,
                applied_at=datetime.combine(day, time(15), tzinfo=UTC),
                day=day,
                tracking={},
            )
        )
    db.session.flush()
