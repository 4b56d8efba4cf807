"""A campaign created without segments is shown, on every platform, to the custom audiences of
the segments recommended for its job (each by an arm of its own), and to no other: the campaign
service's recommendation, the publishing task (which uploads each segment's consenting members
first), the app's real adapters and the sandbox, read back through each platform's own API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.factories import make_job, make_segmented_run
from tests.integration.platforms.test_adapter_contract import CASES
from tests.integration.platforms.test_segment_audience_reaches_the_ad import AUDIENCES_HELD

from adflux.audiences.models import AudienceSync
from adflux.campaigns import publishing, service
from adflux.campaigns.models import PlatformPublication
from adflux.extensions import db

pytestmark = pytest.mark.postgres

ACCOUNTING = "Contabilidad"


def _people(n: int, **traits):
    return [{"area": ACCOUNTING, "years_experience": 1.0, **traits}] * n


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_campaign_without_segments_reaches_the_recommended_segments_audiences(
    case, real_platforms, dispatcher, sandbox
):
    job = make_job(
        title="Auxiliar contable",
        city="Bogotá",
        area=ACCOUNTING,
        seniority="junior",
        remote_mode="presencial",
        salary_min_cop=None,
        salary_max_cop=None,
    )
    bogota, soacha, sellers = make_segmented_run(
        {
            "Contadores · Bogotá": _people(3, city="Bogotá"),
            "Contadores · Soacha": _people(2, city="Soacha") + _people(1, city="Cali"),
            "Vendedores · Bogotá": _people(3, city="Bogotá", area="Ventas y comercial"),
        }
    )
    db.session.commit()

    campaign, created = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=[case.name]
    )

    assert created and campaign.segment_ids == sorted([bogota.id, soacha.id])
    assert campaign.warnings == []
    for _name, args, _countdown in dispatcher.take():
        outcome = publishing.attempt_publication(db_session=db.session, publication_id=args[0])
        assert outcome.state == "published", outcome.detail

    audiences = dict(
        db.session.execute(
            sa.select(AudienceSync.segment_id, AudienceSync.external_audience_id).where(
                AudienceSync.platform == case.name
            )
        ).all()
    )
    assert set(audiences) == {bogota.id, soacha.id}  # the sellers' audience was never built
    for audience_id in audiences.values():
        assert audience_id and case.uploaded(sandbox, audience_id)["email"]
    # One arm per recommended segment, each shown to its own segment's audience alone.
    arms = db.session.scalars(
        sa.select(PlatformPublication).where(PlatformPublication.campaign_id == campaign.id)
    ).all()
    assert sorted(arm.segment_id for arm in arms) == sorted(audiences)
    for arm in arms:
        held = case.held(sandbox, case.read_back(sandbox, arm.external_ids))
        assert list(AUDIENCES_HELD[case.name](held.targeting)) == [audiences[arm.segment_id]]
    assert sellers.id not in campaign.segment_ids
