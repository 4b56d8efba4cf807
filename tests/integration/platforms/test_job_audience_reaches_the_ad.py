"""A campaign with a job audience is shown to the job's most likely candidates, through the
product's whole path: the campaign service, the publishing task (which uploads the job's N most
likely consenting candidates first), the app's real adapters and the sandbox, read back through
each platform's own API and the sandbox's store. A job audience smaller than a platform's
documented minimum is neither uploaded there nor aimed at, until enough people fit.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from tests.factories import candidate_payload, make_candidate, make_job
from tests.integration.platforms.test_adapter_contract import CASES
from tests.integration.platforms.test_segment_audience_reaches_the_ad import AUDIENCES_HELD

from adflux.audiences.models import AudienceSync
from adflux.campaigns import publishing, service
from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.candidates.models import Candidate
from adflux.extensions import db

pytestmark = pytest.mark.postgres

TECH = "Tecnología y desarrollo de software"
CASES_BY_NAME = {case.name: case for case in CASES}


def fitting_developers(count: int, *, cities: tuple[str, ...], **values: Any) -> None:
    """`count` consenting developers who fit a job of the trade, spread over `cities` (inserted
    at once: TikTok's minimum is a thousand people)."""
    db.session.add_all(
        Candidate(
            **candidate_payload(
                area=TECH,
                city=cities[n % len(cities)],
                years_experience=6.0,
                email=f"dev{n}@example.com",
                **values,
            )
        )
        for n in range(count)
    )
    db.session.flush()


def publish(dispatcher, job_id: int, platforms: list[str], size: int) -> AdCampaign:
    """Create the campaign with a job audience of `size` and run its publishing tasks."""
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job_id, platforms=platforms, job_audience_size=size
    )
    for _name, args, _countdown in dispatcher.take():
        outcome = publishing.attempt_publication(db_session=db.session, publication_id=args[0])
        assert outcome.state == "published", outcome.detail
    return campaign


def audiences_on_the_ad(sandbox, campaign: AdCampaign, platform: str) -> list[str]:
    """The custom audiences the platform holds the campaign's ad restricted to, read back."""
    case = CASES_BY_NAME[platform]
    publication = db.session.scalars(
        sa.select(PlatformPublication).where(
            PlatformPublication.campaign_id == campaign.id,
            PlatformPublication.platform == platform,
        )
    ).one()
    held = case.held(sandbox, case.read_back(sandbox, publication.external_ids))
    return AUDIENCES_HELD[platform](held.targeting)


def audience_calls(sandbox, platform: str) -> list[str]:
    """The audience endpoints AdFlux called on the platform (the sandbox's request log)."""
    return [
        f"{e['method']} {e['path']}"
        for e in sandbox.state.requests.entries(platform=platform)
        if "audience" in e["path"].lower() or "userlist" in e["path"].lower()
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_campaign_with_a_job_audience_is_shown_to_its_people(
    case, real_platforms, dispatcher, sandbox
):
    # Exactly the platform's minimum of people fit: the least audience it targets.
    minimum = real_platforms.adapter(case.name).min_custom_audience
    fitting_developers(minimum, cities=("Cali", "Palmira"))
    make_candidate(area=TECH, city="Cali", marketing_consent=False)  # never sent
    make_candidate(area="Ventas y comercial", city="Cali")  # of another trade: never sent
    make_candidate(area=TECH, city="Barranquilla")  # out of reach: never sent
    job = make_job(title="Desarrollador backend", area=TECH, city="Cali", remote_mode="presencial")
    db.session.commit()
    size = max(100, minimum)

    campaign = publish(dispatcher, job.id, [case.name], size)

    (sync,) = db.session.scalars(
        sa.select(AudienceSync).where(
            AudienceSync.job_id == job.id, AudienceSync.platform == case.name
        )
    ).all()
    assert (sync.size, sync.uploaded_count, sync.segment_id) == (size, minimum, None)
    audience_id = sync.external_audience_id
    assert audience_id
    # What the platform received: one email hash per fitting person, no one else.
    assert len(case.uploaded(sandbox, audience_id)["email"]) == minimum
    assert audiences_on_the_ad(sandbox, campaign, case.name) == [audience_id]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_remote_job_audience_is_aimed_country_wide(case, real_platforms, dispatcher, sandbox):
    minimum = real_platforms.adapter(case.name).min_custom_audience
    fitting_developers(minimum, cities=("Leticia", "Pasto", "Cúcuta"), remote_preference="remoto")
    job = make_job(title="Desarrollador backend", area=TECH, city="Bogotá", remote_mode="remoto")
    db.session.commit()

    campaign = publish(dispatcher, job.id, [case.name], max(100, minimum))

    audience_id = db.session.scalars(
        sa.select(AudienceSync.external_audience_id).where(AudienceSync.job_id == job.id)
    ).one()
    assert len(case.uploaded(sandbox, audience_id)["email"]) == minimum
    assert audiences_on_the_ad(sandbox, campaign, case.name) == [audience_id]


@pytest.mark.parametrize(("fitting", "attached_on"), [(42, set()), (150, {"meta"})])
def test_a_job_audience_under_a_platforms_minimum_is_neither_uploaded_nor_aimed_at(
    fitting, attached_on, real_platforms, dispatcher, sandbox
):
    # Meta targets a custom audience from 100 matched people, TikTok from 1,000.
    fitting_developers(fitting, cities=("Cali", "Palmira"))
    job = make_job(title="Asistente administrativo", area=TECH, city="Cali")
    db.session.commit()

    campaign = publish(dispatcher, job.id, ["meta", "tiktok"], 1000)

    synced = db.session.scalars(sa.select(AudienceSync).where(AudienceSync.job_id == job.id)).all()
    assert {sync.platform for sync in synced} == attached_on
    for platform in ("meta", "tiktok"):
        on_the_ad = audiences_on_the_ad(sandbox, campaign, platform)
        if platform in attached_on:
            (sync,) = [s for s in synced if s.platform == platform]
            assert on_the_ad == [sync.external_audience_id]
            assert sync.uploaded_count == fitting
            assert audience_calls(sandbox, platform)  # the request log sees the upload
        else:
            # Aimed by the job's places and keywords alone, and nobody's contact sent.
            assert on_the_ad == []
            assert audience_calls(sandbox, platform) == []


def test_a_job_audience_is_attached_once_enough_people_fit(real_platforms, dispatcher, sandbox):
    fitting_developers(42, cities=("Cali",))
    job = make_job(title="Asistente administrativo", area=TECH, city="Cali")
    db.session.commit()
    first = publish(dispatcher, job.id, ["meta"], 100)
    assert audiences_on_the_ad(sandbox, first, "meta") == []

    db.session.add_all(
        Candidate(**candidate_payload(area=TECH, city="Cali", years_experience=6.0))
        for _ in range(58)
    )
    db.session.commit()
    later = publish(dispatcher, job.id, ["meta"], 100)

    sync = db.session.scalars(sa.select(AudienceSync).where(AudienceSync.job_id == job.id)).one()
    assert sync.uploaded_count == 100
    assert audiences_on_the_ad(sandbox, later, "meta") == [sync.external_audience_id]
