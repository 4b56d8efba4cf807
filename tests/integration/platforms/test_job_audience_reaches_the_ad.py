"""A campaign with a job audience is shown to the job's most likely candidates, through the
product's whole path: the campaign service, the publishing task (which uploads the job's N most
likely consenting candidates first), the app's real adapters and the sandbox, read back through
each platform's own API and the sandbox's store.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.factories import make_candidate, make_job
from tests.integration.platforms.test_adapter_contract import CASES
from tests.integration.platforms.test_segment_audience_reaches_the_ad import AUDIENCES_HELD

from adflux.audiences.models import AudienceSync
from adflux.campaigns import publishing, service
from adflux.campaigns.models import PlatformPublication
from adflux.extensions import db

pytestmark = pytest.mark.postgres

TECH = "Tecnología y desarrollo de software"


def publish(case, dispatcher, job_id: int) -> int:
    """Create the campaign with a job audience of 100 and run its publishing task."""
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job_id, platforms=[case.name], job_audience_size=100
    )
    for _name, args, _countdown in dispatcher.take():
        outcome = publishing.attempt_publication(db_session=db.session, publication_id=args[0])
        assert outcome.state == "published", outcome.detail
    return campaign.id


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_campaign_with_a_job_audience_is_shown_to_its_people(
    case, real_platforms, dispatcher, sandbox
):
    fitting = [
        make_candidate(area=TECH, city=city, years_experience=6.0, email=f"dev{n}@example.com")
        for n, city in enumerate(["Cali", "Cali", "Palmira", "Palmira"])
    ]
    make_candidate(area=TECH, city="Cali", marketing_consent=False)  # never sent
    make_candidate(area="Ventas y comercial", city="Cali")  # of another trade: never sent
    make_candidate(area=TECH, city="Barranquilla")  # out of reach: never sent
    job = make_job(title="Desarrollador backend", area=TECH, city="Cali", remote_mode="presencial")
    db.session.commit()

    campaign_id = publish(case, dispatcher, job.id)

    (sync,) = db.session.scalars(
        sa.select(AudienceSync).where(
            AudienceSync.job_id == job.id, AudienceSync.platform == case.name
        )
    ).all()
    assert (sync.size, sync.uploaded_count, sync.segment_id) == (100, len(fitting), None)
    audience_id = sync.external_audience_id
    assert audience_id
    # What the platform received: one email hash per fitting person, no one else.
    assert len(case.uploaded(sandbox, audience_id)["email"]) == len(fitting)
    publication = db.session.scalars(
        sa.select(PlatformPublication).where(PlatformPublication.campaign_id == campaign_id)
    ).one()
    held = case.held(sandbox, case.read_back(sandbox, publication.external_ids))
    assert AUDIENCES_HELD[case.name](held.targeting) == [audience_id]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_remote_job_audience_is_aimed_country_wide(case, real_platforms, dispatcher, sandbox):
    for n, city in enumerate(["Leticia", "Pasto", "Cúcuta"]):
        make_candidate(area=TECH, city=city, remote_preference="remoto", email=f"r{n}@example.com")
    job = make_job(title="Desarrollador backend", area=TECH, city="Bogotá", remote_mode="remoto")
    db.session.commit()

    campaign_id = publish(case, dispatcher, job.id)

    audience_id = db.session.scalars(
        sa.select(AudienceSync.external_audience_id).where(AudienceSync.job_id == job.id)
    ).one()
    assert len(case.uploaded(sandbox, audience_id)["email"]) == 3
    publication = db.session.scalars(
        sa.select(PlatformPublication).where(PlatformPublication.campaign_id == campaign_id)
    ).one()
    held = case.held(sandbox, case.read_back(sandbox, publication.external_ids))
    assert AUDIENCES_HELD[case.name](held.targeting) == [audience_id]
