"""The run command's demo campaign never targets an age-proxy segment on its own."""

from __future__ import annotations

import pytest

from adflux.campaigns import service
from adflux.embedded import _demo_segments
from adflux.extensions import db
from adflux.segmentation.models import Segment

pytestmark = pytest.mark.postgres


def test_the_demo_leaves_age_proxy_segments_out(app, platforms, dispatcher, job, active_segment):
    area = {"top_areas": [{"value": job.area}]}
    active_segment.profile = {**active_segment.profile, **area}
    proxy = Segment(
        run_id=active_segment.run_id,
        cluster_index=1,
        name="Recién egresados",
        size=500,  # the largest: the demo would take it first
        profile={**area, "age_proxy": {"warning": True}},
    )
    db.session.add(proxy)
    db.session.flush()

    chosen = _demo_segments(job)

    assert chosen == [active_segment.id]
    # And what it chose publishes without anyone confirming a warning.
    campaign, created = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta"], segment_ids=chosen
    )
    assert created and campaign.warnings == []
