"""Campaigns with running arms on the fake platforms, and their daily figures: the optimiser's
test data (its own tests and the dashboard's)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from tests.factories import make_job
from tests.fakes import TREE, FakeDirectory

from adflux.campaigns.models import (
    CAMPAIGN_ARM,
    SEGMENT_ARM,
    AdCampaign,
    PlatformPublication,
    PublicationStatus,
    campaign_segments,
)
from adflux.campaigns.service import campaign_today
from adflux.extensions import db
from adflux.results.models import Application, CampaignMetric
from adflux.segmentation.models import Segment

_sources = itertools.count(1)
CAMPAIGN_NAME = "Optimizada"  # what the committing tests delete after them


def make_armed_campaign(
    directory: FakeDirectory,
    arms: Sequence[tuple[str, Segment | None, int]],
    *,
    start: date,
    end: date | None = None,
    cap: int | None = None,
    total: int | None = None,
    pacing: str = "even",
    auto_allocate: bool = True,
) -> AdCampaign:
    """A published campaign with one running arm per (platform, segment, daily budget), each
    with its tree on the fake platform."""
    campaign = AdCampaign(
        job_id=make_job().id,
        name=CAMPAIGN_NAME,
        status="published",
        daily_budget_cop=cap or sum(budget for _, _, budget in arms),
        total_budget_cop=total,
        pacing=pacing,
        auto_allocate=auto_allocate,
        start_date=start,
        end_date=end,
    )
    db.session.add(campaign)
    db.session.flush()
    for segment_id in sorted({s.id for _, s, _ in arms if s is not None}):
        db.session.execute(
            campaign_segments.insert().values(campaign_id=campaign.id, segment_id=segment_id)
        )
    for platform, segment, budget in arms:
        arm = PlatformPublication(
            campaign_id=campaign.id,
            platform=platform,
            arm_key=CAMPAIGN_ARM if segment is None else SEGMENT_ARM % segment.id,
            segment_id=None if segment is None else segment.id,
            daily_budget_cop=budget,
            held_daily_budget_cop=budget,
            status=PublicationStatus.PUBLISHED.value,
            published_at=datetime.combine(start, time(12), tzinfo=UTC),
        )
        db.session.add(arm)
        db.session.flush()
        held = directory.platforms[platform]
        arm.external_ids = {}
        for kind in TREE:
            object_id = f"{platform}-{kind}-{arm.id}"
            held.objects[object_id] = {
                "kind": kind,
                "key": f"adflux-pub-{arm.id}",
                "active": True,
                "daily_budget_cop": budget,
            }
            arm.external_ids = {**arm.external_ids, kind: object_id}
    db.session.commit()
    db.session.refresh(campaign)
    return campaign


def add_day(arm: PlatformPublication, day: date, spend_cop: int, applications: int = 0) -> None:
    """One day of an arm: what its platform reported it spent, and the applications it brought."""
    db.session.add(CampaignMetric(publication_id=arm.id, day=day, spend_cop=spend_cop))
    for _ in range(applications):
        db.session.add(
            Application(
                source_id=f"opt-{next(_sources)}",
                job_ref="ref",
                job_id=arm.campaign.job_id,
                campaign_id=arm.campaign_id,
                publication_id=arm.id,
                platform=arm.platform,
                segment_id=arm.segment_id,
                applied_at=datetime.combine(day, time(15), tzinfo=UTC),
                day=day,
                tracking={},
            )
        )
    db.session.flush()


def arm_of(campaign: AdCampaign, platform: str, segment: Segment | None) -> PlatformPublication:
    return next(
        arm
        for arm in campaign.publications
        if arm.platform == platform and arm.segment_id == (segment and segment.id)
    )


def make_learning_campaign(directory: FakeDirectory, segments: Sequence[Segment]) -> AdCampaign:
    """Two arms ten days in: Meta · Desarrolladores brings 5 applications a day for its 25.000
    COP, Google · Contadores 1 for the same."""
    developers, accountants = segments
    today = campaign_today()
    campaign = make_armed_campaign(
        directory,
        [("meta", developers, 25_000), ("google", accountants, 25_000)],
        start=today - timedelta(days=10),
    )
    for back in range(1, 11):
        day = today - timedelta(days=back)
        add_day(arm_of(campaign, "meta", developers), day, 25_000, 5)
        add_day(arm_of(campaign, "google", accountants), day, 25_000, 1)
    db.session.commit()
    return campaign
