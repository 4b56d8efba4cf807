"""A campaign on a segment is shown to that segment's audience on every platform, through the
product's whole path: the campaign service, the publishing task (which uploads the segment's
consenting members first), the app's real adapters and the sandbox, read back through each
platform's own API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from tests.factories import make_active_segment, make_job
from tests.integration.platforms.test_adapter_contract import CASES

from adflux.audiences.models import AudienceSync
from adflux.campaigns import publishing, service
from adflux.campaigns.models import PlatformPublication
from adflux.extensions import db
from adflux.segmentation.models import Segment

pytestmark = pytest.mark.postgres

# Where each platform's read-back (cases/*.py `held`) shows the audiences an ad is restricted to.
AUDIENCES_HELD: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "meta": lambda targeting: targeting["custom_audiences"],  # the ad set's custom_audiences
    "google": lambda targeting: targeting["audiences"],  # the ad group's user list criteria
    "x": lambda targeting: sorted(
        value for kind, value, _operator in targeting["criteria"] if kind == "CUSTOM_AUDIENCE"
    ),
    "tiktok": lambda targeting: targeting["audience_ids"],  # the ad group's audience_ids
    "snapchat": lambda targeting: targeting["segments"],  # the ad squad's included segments
}


@pytest.fixture
def segment(app) -> Segment:
    """An active run's segment of accountants in Bogotá, two of whom consent to marketing."""
    segment = make_active_segment(city="Bogotá", size=3, consents=(True, True, False))
    db.session.commit()
    return segment


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_campaign_on_a_segment_is_shown_to_the_segments_audience(
    case, real_platforms, dispatcher, sandbox, segment
):
    job = make_job(title="Auxiliar contable", city="Bogotá", area="Contabilidad")
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=[case.name], segment_ids=[segment.id]
    )

    for _name, args, _countdown in dispatcher.take():
        outcome = publishing.attempt_publication(db_session=db.session, publication_id=args[0])
        assert outcome.state == "published", outcome.detail

    (audience_id,) = db.session.scalars(
        sa.select(AudienceSync.external_audience_id).where(
            AudienceSync.segment_id == segment.id, AudienceSync.platform == case.name
        )
    ).all()
    assert audience_id and case.uploaded(sandbox, audience_id)["email"]  # its members are there
    publication = db.session.scalars(
        sa.select(PlatformPublication).where(PlatformPublication.campaign_id == campaign.id)
    ).one()
    held = case.held(sandbox, case.read_back(sandbox, publication.external_ids))
    assert AUDIENCES_HELD[case.name](held.targeting) == [audience_id]
