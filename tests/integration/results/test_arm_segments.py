"""A campaign's figures by segment once its arms are segments of their own: each segment arm's
row is that segment's, the job-audience arm counts under no segment, and rows add up to the
totals (PostgreSQL and SQLite)."""

from __future__ import annotations

from datetime import date

import pytest
from tests.factories import make_job
from tests.integration.results.conftest import add_applications, add_metric, make_segments

from adflux.campaigns.models import (
    JOB_AUDIENCE_ARM,
    SEGMENT_ARM,
    AdCampaign,
    PlatformPublication,
    campaign_segments,
)
from adflux.extensions import db
from adflux.results import service

pytestmark = pytest.mark.postgres

DAY = date(2026, 11, 2)


def test_each_segment_arm_is_its_segments_own_row_and_the_rows_add_up(any_app):
    s3, s5 = make_segments(2)
    job = make_job()
    campaign = AdCampaign(
        job_id=job.id, name="arms", status="published", daily_budget_cop=90_000, start_date=DAY
    )
    db.session.add(campaign)
    db.session.flush()
    for segment in (s3, s5):
        db.session.execute(
            campaign_segments.insert().values(campaign_id=campaign.id, segment_id=segment.id)
        )
    arms = {}
    for platform in ("meta", "google"):
        for key, segment_id in (
            (SEGMENT_ARM % s3.id, s3.id),
            (SEGMENT_ARM % s5.id, s5.id),
            (JOB_AUDIENCE_ARM, None),
        ):
            arm = PlatformPublication(
                campaign_id=campaign.id,
                platform=platform,
                arm_key=key,
                segment_id=segment_id,
                status="published",
                daily_budget_cop=15_000,
                external_ids={"campaign": f"{platform}-{key}"},
            )
            db.session.add(arm)
            db.session.flush()
            arms[(platform, segment_id)] = arm
    add_metric(arms[("meta", s3.id)], DAY, 1_000, 10, 5_000)
    add_metric(arms[("google", s3.id)], DAY, 2_000, 20, 7_000)
    add_metric(arms[("meta", s5.id)], DAY, 3_000, 30, 11_000)
    add_metric(arms[("google", None)], DAY, 4_000, 40, 13_000)
    add_applications(arms[("meta", s3.id)], DAY, 2, segment_id=s3.id)
    add_applications(arms[("google", None)], DAY, 1, segment_id=s5.id)

    found = service.results(db_session=db.session, by=("segment",), campaign_id=campaign.id)
    rows = {tuple(row.segments): row for row in found.rows}
    assert set(rows) == {(s3.id,), (s5.id,), ()}
    assert (rows[(s3.id,)].spend_cop, rows[(s3.id,)].applications) == (12_000, 2)
    assert (rows[(s5.id,)].spend_cop, rows[(s5.id,)].applications) == (11_000, 0)
    assert (rows[()].spend_cop, rows[()].applications) == (13_000, 1)
    assert not any(row.shared for row in found.rows)
    assert sum(r.spend_cop for r in found.rows) == found.totals.spend_cop == 36_000
    assert sum(r.applications for r in found.rows) == found.totals.applications == 3

    only_s5 = service.results(db_session=db.session, by=("platform",), segment_id=s5.id)
    assert [(r.platform, r.spend_cop) for r in only_s5.rows] == [("meta", 11_000)]
