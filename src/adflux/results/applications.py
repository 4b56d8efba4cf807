"""Applications the job site sends: stored once each, attributed to the ad that brought them.

The job site delivers at least once (it retries, sometimes twice, sometimes late), so its own id
for an application (`source_id`) is what makes a resend count once. The tracking code is the one
campaigns/tracking.py puts on every ad's link; an application whose code AdFlux does not
recognise is stored unattributed, never refused: it still counts for the job.

Attribution, from the code and nothing else the job site claims:
- `utm_campaign=adflux-<id>`: that campaign, if it exists and advertises the application's job;
- `utm_source=<platform>`: that campaign's publication on the platform (the ad);
- `utm_content=seg-<id>[-<id>...]`: the one segment named, or, when the ad targeted several, the
  applicant's own segment among them (their memberships, when the applicant is a known
  candidate); only segments of the campaign count.
An application is *attributed* when it is tied to a publication (an ad on a platform).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from adflux import clock
from adflux.campaigns.models import AdCampaign, PlatformPublication, campaign_segments
from adflux.campaigns.service import CAMPAIGN_TZ
from adflux.campaigns.tracking import UTM_KEYS, campaign_id_of, segment_ids_of
from adflux.candidates.models import Candidate
from adflux.db import DbSession, is_unique_violation, write_or_recheck
from adflux.jobs.models import JobOpening
from adflux.results.models import Application
from adflux.segmentation.models import SegmentMembership

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
BATCH_MAX = 1_000
# A tracking value is kept up to this length: a longer one is no code of AdFlux's, and is kept
# only for an operator's look, never refused.
TRACKING_VALUE_MAX = 200


@dataclass(frozen=True)
class Receipt:
    """What the job site is told about one application it sent."""

    application_id: str
    status: str  # ACCEPTED (stored now) or DUPLICATE (stored before; nothing changed)
    attributed: bool  # tied to an ad (a publication)


@dataclass(frozen=True)
class _Attribution:
    campaign_id: int | None = None
    publication_id: int | None = None
    platform: str | None = None
    segment_id: int | None = None


def record_application(
    *,
    db_session: DbSession,
    application_id: str,
    job_ref: str,
    candidate_ref: str | None,
    applied_at: datetime,
    tracking: dict[str, str],
) -> Receipt:
    """Store one application (idempotent on `application_id`) and commit; a resend, even one
    racing the first delivery, answers DUPLICATE and changes nothing."""
    known = _receipt_of_stored(db_session, application_id)
    if known is not None:
        return known
    row = _build_row(
        db_session,
        application_id=application_id,
        job_ref=job_ref,
        candidate_ref=candidate_ref,
        applied_at=applied_at,
        tracking=tracking,
    )

    def insert() -> Receipt:
        db_session.add(row)
        db_session.commit()
        log.debug("application %s stored (publication %s)", application_id, row.publication_id)
        return Receipt(application_id, ACCEPTED, row.publication_id is not None)

    return write_or_recheck(
        db_session, insert, recheck=lambda: _receipt_of_stored(db_session, application_id)
    )


def record_applications(
    *, db_session: DbSession, applications: Sequence[dict[str, Any]]
) -> list[Receipt]:
    """Store a batch of applications (each as `record_application` takes it) in one commit and
    answer each in order; an id already stored, or sent twice in the batch, is DUPLICATE."""
    if not applications:
        return []
    ids = [item["application_id"] for item in applications]
    stored = {
        source_id: publication_id is not None
        for source_id, publication_id in db_session.execute(
            sa.select(Application.source_id, Application.publication_id).where(
                Application.source_id.in_(set(ids))
            )
        )
    }
    receipts: list[Receipt] = []
    rows: list[Application] = []
    for item in applications:
        application_id = item["application_id"]
        if application_id in stored:
            receipts.append(Receipt(application_id, DUPLICATE, stored[application_id]))
            continue
        row = _build_row(db_session, **item)
        rows.append(row)
        stored[application_id] = row.publication_id is not None
        receipts.append(Receipt(application_id, ACCEPTED, row.publication_id is not None))
    try:
        db_session.add_all(rows)
        db_session.commit()
    except sa.exc.IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        # A concurrent delivery stored some of these meanwhile: one at a time, each race-safe.
        db_session.rollback()
        return [record_application(db_session=db_session, **item) for item in applications]
    log.debug("%d applications stored of %d received", len(rows), len(applications))
    return receipts


def forget_candidate(*, db_session: DbSession, candidate: Candidate) -> None:
    """Strip an erased candidate from their applications, in the caller's transaction: the
    applications keep counting for their ads, no longer saying whose they were (Ley 1581)."""
    table = Application.__table__
    db_session.execute(
        table.update()
        .where(
            sa.or_(
                table.c.candidate_id == candidate.id,
                table.c.candidate_ref == candidate.external_ref,
            )
        )
        .values(candidate_id=None, candidate_ref=None)
    )


def _receipt_of_stored(db_session: DbSession, application_id: str) -> Receipt | None:
    publication_id = db_session.execute(
        sa.select(Application.publication_id).where(Application.source_id == application_id)
    ).first()
    if publication_id is None:
        return None
    return Receipt(application_id, DUPLICATE, publication_id[0] is not None)


def _build_row(
    db_session: DbSession,
    *,
    application_id: str,
    job_ref: str,
    candidate_ref: str | None,
    applied_at: datetime,
    tracking: dict[str, str],
) -> Application:
    job_id = db_session.scalar(sa.select(JobOpening.id).where(JobOpening.external_ref == job_ref))
    candidate_id = (
        db_session.scalar(sa.select(Candidate.id).where(Candidate.external_ref == candidate_ref))
        if candidate_ref is not None
        else None
    )
    tracking = {
        key: str(tracking[key])[:TRACKING_VALUE_MAX]
        for key in UTM_KEYS
        if tracking.get(key) is not None
    }
    found = _attribute(db_session, job_id=job_id, candidate_id=candidate_id, tracking=tracking)
    return Application(
        source_id=application_id,
        job_ref=job_ref,
        job_id=job_id,
        candidate_ref=candidate_ref,
        candidate_id=candidate_id,
        campaign_id=found.campaign_id,
        publication_id=found.publication_id,
        platform=found.platform,
        segment_id=found.segment_id,
        applied_at=applied_at,
        day=applied_at.astimezone(CAMPAIGN_TZ).date(),
        received_at=clock.now(),
        tracking=tracking,
    )


def _attribute(
    db_session: DbSession, *, job_id: int | None, candidate_id: int | None, tracking: dict
) -> _Attribution:
    campaign_id = campaign_id_of(tracking.get("utm_campaign"))
    if job_id is None or campaign_id is None:
        return _Attribution()
    if db_session.scalar(sa.select(AdCampaign.job_id).where(AdCampaign.id == campaign_id)) != (
        job_id
    ):
        return _Attribution()  # no such campaign, or another job's: the code is not this job's
    publication_id, platform = None, None
    source = tracking.get("utm_source")
    if source:
        publication_id = db_session.scalar(
            sa.select(PlatformPublication.id).where(
                PlatformPublication.campaign_id == campaign_id,
                PlatformPublication.platform == source,
            )
        )
        platform = source if publication_id is not None else None
    return _Attribution(
        campaign_id=campaign_id,
        publication_id=publication_id,
        platform=platform,
        segment_id=_segment(
            db_session,
            campaign_id=campaign_id,
            candidate_id=candidate_id,
            named=segment_ids_of(tracking.get("utm_content")),
        ),
    )


def _segment(
    db_session: DbSession, *, campaign_id: int, candidate_id: int | None, named: list[int]
) -> int | None:
    """The segment the ad's code names, among the campaign's own; the applicant's when several."""
    if not named:
        return None
    ours = set(
        db_session.scalars(
            sa.select(campaign_segments.c.segment_id).where(
                campaign_segments.c.campaign_id == campaign_id,
                campaign_segments.c.segment_id.in_(named),
            )
        )
    )
    if len(named) == 1:
        return named[0] if named[0] in ours else None
    if candidate_id is None or not ours:
        return None
    theirs = set(
        db_session.scalars(
            sa.select(SegmentMembership.segment_id).where(
                SegmentMembership.candidate_id == candidate_id,
                SegmentMembership.segment_id.in_(ours),
            )
        )
    )
    # One of the ad's segments is the applicant's; none (or, across runs, two) says nothing sure.
    return theirs.pop() if len(theirs) == 1 else None
