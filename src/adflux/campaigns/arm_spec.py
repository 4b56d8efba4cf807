"""What one arm of a campaign should be on its platform: THE desired spec.

One function builds it for publishing (a new tree) and for pushing a change (an existing tree), so
what an edit pushes is exactly what a fresh publish would create: the arm's audience (its segment
alone, the job's own audience alone, or for a whole-campaign arm every segment of the campaign and
its job audience), the recruiter's ad copy over AdFlux's texts, the arm's budget, the campaign's
days, all checked by the employment-ad rules before anything reaches a platform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app

from adflux.audiences.service import ensure_job_audience, ensure_segment_audience
from adflux.campaigns.compliance import ensure_compliant
from adflux.campaigns.creatives import JobAd, build_creative, with_ad_copy
from adflux.campaigns.models import (
    CAMPAIGN_ARM,
    JOB_AUDIENCE_ARM,
    AdCampaign,
    PlatformPublication,
    campaign_segments,
)
from adflux.campaigns.service import CAMPAIGN_TZ
from adflux.campaigns.tracking import tracked_link
from adflux.db import DbSession
from adflux.jobs.models import JobOpening
from adflux.platforms.base import AdSpec, PlatformAdapter, Schedule, Targeting
from adflux.segmentation.models import Segment
from adflux.targeting import people
from adflux.targeting.aim import campaign_targeting
from adflux.targeting.places import job_places


def publication_key(publication_id: int) -> str:
    """The key written into every platform object name of the arm's tree (find_existing)."""
    return f"adflux-pub-{publication_id}"


def campaign_schedule(start_date: date, end_date: date | None) -> Schedule:
    """A campaign's days as whole days in Colombia: from the first day's midnight to the last
    day's last second."""
    return Schedule(
        start_at=datetime.combine(start_date, time(0, 0), tzinfo=CAMPAIGN_TZ),
        end_at=(
            datetime.combine(end_date, time(23, 59, 59), tzinfo=CAMPAIGN_TZ) if end_date else None
        ),
    )


def build_arm_spec(
    db_session: DbSession,
    campaign: AdCampaign,
    publication: PlatformPublication,
    adapter: PlatformAdapter,
) -> AdSpec:
    """The arm's desired tree on `adapter`'s platform, its audiences uploaded (consenting people
    only) and its targeting checked (raises ComplianceError)."""
    settings = current_app.config["ADFLUX_SETTINGS"]
    job = db_session.get(JobOpening, campaign.job_id)
    assert job is not None
    apply_url = settings.apply_url_template.format(external_ref=job.external_ref, id=job.id)
    segments = _arm_segments(db_session, campaign, publication)
    consenting_ids: list[str] = []
    profiles: dict[str, dict] = {}
    for segment in segments:
        sync = ensure_segment_audience(db_session=db_session, segment=segment, adapter=adapter)
        if sync.external_audience_id:
            consenting_ids.append(sync.external_audience_id)
        profiles[segment.name] = segment.profile or {}
    aims_at_job_audience = publication.arm_key in (CAMPAIGN_ARM, JOB_AUDIENCE_ARM)
    if (
        aims_at_job_audience
        and campaign.job_audience_size
        and people.job_audience_holds(
            db_session=db_session,
            job_id=job.id,
            size=campaign.job_audience_size,
            minimum=max(1, adapter.min_custom_audience),
        )
    ):
        # The job's own N most likely consenting candidates, beside the segments' audiences.
        # None while fewer fit than the platform's minimum: such an audience delivers to nobody
        # (an empty one would even keep the ad from everyone), so nobody's data is uploaded for
        # it (Ley 1581: data only for its purpose) and the ad aims by the job's places, keywords
        # and segments; a later publication uploads and attaches it once enough people fit.
        sync = ensure_job_audience(
            db_session=db_session, job_id=job.id, size=campaign.job_audience_size, adapter=adapter
        )
        if sync.external_audience_id:
            consenting_ids.append(sync.external_audience_id)
    targeting = campaign_targeting(
        job=job,
        segments=segments,
        custom_audience_ids=consenting_ids,
        places=job_places(db_session=db_session, job=job),
    )
    ensure_compliant(
        adapter.name,
        targeting,
        consenting_audience_ids=consenting_ids,
        segment_profiles=profiles,
    )
    return build_ad_spec(
        job=JobAd.from_opening(job, apply_url=apply_url),
        platform=adapter.name,
        publication_key=publication_key(publication.id),
        campaign_id=campaign.id,
        segment_ids=[segment.id for segment in segments],
        campaign_name=campaign.name,
        daily_budget_cop=publication.daily_budget_cop,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        objective=campaign.objective,
        targeting=targeting,
        ad_copy=campaign.ad_copy,
    )


def _arm_segments(
    db_session: DbSession, campaign: AdCampaign, publication: PlatformPublication
) -> list[Segment]:
    """The segments an arm aims at: its own, none (job-audience arm), or the campaign's."""
    if publication.segment_id is not None:
        segment = db_session.get(Segment, publication.segment_id)
        return [segment] if segment is not None else []
    if publication.arm_key != CAMPAIGN_ARM:
        return []
    return list(
        db_session.scalars(
            sa.select(Segment)
            .join(campaign_segments, campaign_segments.c.segment_id == Segment.id)
            .where(campaign_segments.c.campaign_id == campaign.id)
            .order_by(Segment.id)
        ).all()
    )


def build_ad_spec(
    *,
    job: JobAd,
    platform: str,
    publication_key: str,
    campaign_id: int,
    segment_ids: Sequence[int],
    campaign_name: str,
    daily_budget_cop: int,
    start_date: date,
    end_date: date | None,
    objective: str,
    targeting: Targeting,
    ad_copy: Mapping[str, str] | None = None,
) -> AdSpec:
    """The ad AdFlux publishes for one arm on one platform, from plain values (no database):
    the job's creative for the platform (the recruiter's `ad_copy` over AdFlux's texts, fitted
    the same way), linking to the job's apply URL with the arm's tracking code (campaign
    `campaign_id` on `platform`, audience `segment_ids`), the arm's `targeting`
    (`targeting.aim.campaign_targeting`), its budget, and the campaign's days as whole days in
    Colombia."""
    link = tracked_link(
        job.apply_url, platform=platform, campaign_id=campaign_id, segment_ids=segment_ids
    )
    schedule = campaign_schedule(start_date, end_date)
    return AdSpec(
        publication_key=publication_key,
        name=campaign_name,
        creative=with_ad_copy(build_creative(job, platform, link_url=link), platform, ad_copy),
        targeting=targeting,
        daily_budget_cop=daily_budget_cop,
        start_at=schedule.start_at,
        end_at=schedule.end_at,
        objective=objective,
        # Published live: a recruiter who creates a campaign wants it running (pause is explicit).
        active=True,
    )
