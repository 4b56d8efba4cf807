"""Overview figures: counts and groupings done by the database, never by looping over rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from adflux.campaigns.models import AdCampaign, PlatformPublication, PublicationStatus
from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.jobs.models import JobOpening, JobStatus
from adflux.segmentation import service as segmentation
from adflux.segmentation.models import SegmentationRun


@dataclass(frozen=True)
class RecentFailure:
    publication_id: int
    campaign_id: int
    campaign_name: str
    platform: str
    message: str
    field: str | None
    attempts: int
    at: datetime


@dataclass(frozen=True)
class Overview:
    open_jobs: int
    candidates: int
    consenting: int
    active_run: SegmentationRun | None
    campaigns_by_status: dict[str, int]
    # platform -> publication status -> count
    publications: dict[str, dict[str, int]] = field(default_factory=dict)
    recent_failures: list[RecentFailure] = field(default_factory=list)

    @property
    def consenting_share(self) -> float:
        return self.consenting / self.candidates if self.candidates else 0.0

    @property
    def campaigns_total(self) -> int:
        return sum(self.campaigns_by_status.values())


def overview(*, db_session: DbSession, failures: int = 8) -> Overview:
    """Every figure of the dashboard's first page, in six queries (five aggregates)."""
    open_jobs = db_session.scalar(
        sa.select(sa.func.count(JobOpening.id)).where(JobOpening.status == JobStatus.OPEN.value)
    )
    consent = sa.case((Candidate.marketing_consent.is_(True), 1), else_=0)
    candidates, consenting = db_session.execute(
        sa.select(sa.func.count(Candidate.id), sa.func.coalesce(sa.func.sum(consent), 0))
    ).one()
    by_status = db_session.execute(
        sa.select(AdCampaign.status, sa.func.count(AdCampaign.id)).group_by(AdCampaign.status)
    ).all()
    by_platform = db_session.execute(
        sa.select(
            PlatformPublication.platform,
            PlatformPublication.status,
            sa.func.count(PlatformPublication.id),
        ).group_by(PlatformPublication.platform, PlatformPublication.status)
    ).all()
    publications: dict[str, dict[str, int]] = {}
    for platform, status, count in by_platform:
        publications.setdefault(platform, {})[status] = int(count)
    return Overview(
        open_jobs=int(open_jobs or 0),
        candidates=int(candidates or 0),
        consenting=int(consenting or 0),
        active_run=segmentation.get_active_run(db_session=db_session),
        campaigns_by_status={status: int(count) for status, count in by_status},
        publications=dict(sorted(publications.items())),
        recent_failures=recent_failures(db_session=db_session, limit=failures),
    )


def recent_failures(*, db_session: DbSession, limit: int = 8) -> list[RecentFailure]:
    """The latest failed publications with the platform's own message."""
    rows = db_session.execute(
        sa.select(
            PlatformPublication.id,
            PlatformPublication.campaign_id,
            AdCampaign.name,
            PlatformPublication.platform,
            PlatformPublication.last_error,
            PlatformPublication.last_error_field,
            PlatformPublication.attempts,
            PlatformPublication.updated_at,
        )
        .join(AdCampaign, AdCampaign.id == PlatformPublication.campaign_id)
        .where(PlatformPublication.status == PublicationStatus.FAILED.value)
        .order_by(PlatformPublication.updated_at.desc(), PlatformPublication.id.desc())
        .limit(limit)
    ).all()
    return [
        RecentFailure(
            publication_id=pid,
            campaign_id=cid,
            campaign_name=name,
            platform=platform,
            message=message or "",
            field=error_field,
            attempts=attempts,
            at=at,
        )
        for pid, cid, name, platform, message, error_field, attempts, at in rows
    ]


def job_titles(*, db_session: DbSession, job_ids: list[int]) -> dict[int, str]:
    if not job_ids:
        return {}
    rows = db_session.execute(
        sa.select(JobOpening.id, JobOpening.title).where(JobOpening.id.in_(set(job_ids)))
    ).all()
    return {jid: title for jid, title in rows}
