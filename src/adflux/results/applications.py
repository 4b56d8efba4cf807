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
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from adflux import clock
from adflux.campaigns.models import AdCampaign, PlatformPublication, campaign_segments
from adflux.campaigns.service import CAMPAIGN_TZ
from adflux.campaigns.tracking import UTM_KEYS, campaign_id_of, segment_ids_of
from adflux.candidates.models import Candidate
from adflux.db import DbSession, write_or_recheck
from adflux.errors import ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message
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
# When an application can have been made: a job site's clock is not this far off, and a day
# outside these years has no Colombian calendar day on every backend (year 1 in UTC is year 0
# in Bogotá).
APPLIED_AT_RANGE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
APPLIED_AT_RULE = N_("must fall in the years 2000 to 2099")


def applied_at_problem(applied_at: datetime) -> str | None:
    """Why `applied_at` cannot be an application's time, or None when it can."""
    low, high = APPLIED_AT_RANGE
    return None if low <= applied_at < high else APPLIED_AT_RULE


@dataclass(frozen=True)
class Receipt:
    """What the job site is told about one application it sent."""

    application_id: str
    status: str  # ACCEPTED (stored now) or DUPLICATE (stored before; nothing changed)
    attributed: bool  # tied to an ad (a publication)


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
    if problem := applied_at_problem(applied_at):
        raise ValidationFailed(
            "the time of the application %(problem)s",
            fields={"applied_at": [problem]},
            problem=Message(problem),
        )
    item = {
        "application_id": application_id,
        "job_ref": job_ref,
        "candidate_ref": candidate_ref,
        "applied_at": applied_at,
        "tracking": tracking,
    }
    row = _Directory(db_session, [item]).row(item)
    publication_id = row["publication_id"]

    def insert() -> Receipt:
        # The table's INSERT, not the entity's: the ORM's bulk path cost a quarter of the
        # request, and nothing here needs an entity back.
        db_session.execute(sa.insert(Application.__table__), [row])
        db_session.commit()
        log.debug("application %s stored (publication %s)", application_id, publication_id)
        return Receipt(application_id, ACCEPTED, publication_id is not None)

    # Written first, checked only when the unique source id refuses it: most deliveries are the
    # first, and a resend costs one rolled-back insert instead of every delivery a lookup.
    return write_or_recheck(
        db_session, insert, recheck=lambda: _receipt_of_stored(db_session, application_id)
    )


def record_applications(
    *, db_session: DbSession, applications: Sequence[dict[str, Any]]
) -> list[Receipt]:
    """Store a batch of applications (each as `record_application` takes it) in one commit and
    answer each in order; an id already stored, or sent twice in the batch, is DUPLICATE.
    Each `applied_at` must be plausible (`applied_at_problem`): the caller refuses the others."""
    if not applications:
        return []
    ids = {item["application_id"] for item in applications}
    stored = {
        source_id: publication_id is not None
        for source_id, publication_id in db_session.execute(
            sa.select(Application.source_id, Application.publication_id).where(
                Application.source_id.in_(ids)
            )
        )
    }
    directory = _Directory(db_session, applications)
    rows: dict[str, dict[str, Any]] = {}
    for item in applications:
        if item["application_id"] not in stored and item["application_id"] not in rows:
            rows[item["application_id"]] = directory.row(item)
    inserted = _insert_new(db_session, rows)
    db_session.commit()
    # Rows another delivery stored between the read above and this insert are duplicates too.
    lost = set(rows) - inserted
    if lost:
        stored |= {
            source_id: publication_id is not None
            for source_id, publication_id in db_session.execute(
                sa.select(Application.source_id, Application.publication_id).where(
                    Application.source_id.in_(lost)
                )
            )
        }
    receipts: list[Receipt] = []
    for item in applications:
        application_id = item["application_id"]
        if application_id in inserted:
            inserted.discard(application_id)  # a second copy in the same batch is a duplicate
            row = rows[application_id]
            receipts.append(Receipt(application_id, ACCEPTED, row["publication_id"] is not None))
        else:
            attributed = (
                stored[application_id]
                if application_id in stored
                else rows[application_id]["publication_id"] is not None
            )
            receipts.append(Receipt(application_id, DUPLICATE, attributed))
    log.debug("%d applications stored of %d received", len(rows) - len(lost), len(applications))
    return receipts


def _insert_new(db_session: DbSession, rows: dict[str, dict[str, Any]]) -> set[str]:
    """Insert the rows whose id nobody stored meanwhile; the ids inserted.

    ON CONFLICT DO NOTHING instead of failing the whole batch on a concurrent delivery's row, and
    in id order: two batches that share ids then take their locks in the same order, where in
    arrival order each could wait for the other's uncommitted row (a deadlock, seen on
    PostgreSQL with overlapping batches sent at once).
    """
    if not rows:
        return set()
    dialect = db_session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Application)
        .values([rows[key] for key in sorted(rows)])
        .on_conflict_do_nothing(index_elements=[Application.source_id])
        .returning(Application.source_id)
    )
    return set(db_session.scalars(statement))


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


class _Directory:
    """What attributing a set of applications needs to know, read in a few queries for the whole
    set (a batch costs what one application does): jobs and candidates by reference, the
    campaigns the codes name with their publications and segments, and the applicants' segments
    where an ad targeted several."""

    def __init__(self, db_session: DbSession, items: Sequence[dict[str, Any]]) -> None:
        self.candidates = _ids_by_ref(
            db_session, Candidate, {i["candidate_ref"] for i in items} - {None}
        )
        codes = [_code(i["tracking"]) for i in items]
        campaign_ids = {campaign_id for campaign_id, _source, _segments in codes} - {None}
        self.jobs: dict[str, int] = {}
        self.campaign_jobs: dict[int, int] = {}
        self.publications: dict[tuple[int, str], int] = {}
        self.campaign_segments: dict[int, set[int]] = {}
        self.memberships: dict[int, set[int]] = {}
        # The jobs, with those of the named campaigns that advertise them (only those attribute)
        # and their publications: one query, the round trip that costs most per application.
        query: Any = sa.select(JobOpening.external_ref, JobOpening.id).where(
            JobOpening.external_ref.in_({i["job_ref"] for i in items})
        )
        if campaign_ids:
            query = (
                query.add_columns(
                    AdCampaign.id, PlatformPublication.platform, PlatformPublication.id
                )
                .outerjoin(
                    AdCampaign,
                    sa.and_(AdCampaign.job_id == JobOpening.id, AdCampaign.id.in_(campaign_ids)),
                )
                .outerjoin(PlatformPublication, PlatformPublication.campaign_id == AdCampaign.id)
            )
        for found in db_session.execute(query):
            job_id = self.jobs[found[0]] = found[1]
            if len(found) > 2 and found[2] is not None:
                campaign_id, platform, publication_id = found[2:]
                self.campaign_jobs[campaign_id] = job_id
                if publication_id is not None:
                    self.publications[(campaign_id, platform)] = publication_id
        if not self.campaign_jobs:
            return
        campaign_ids = set(self.campaign_jobs)
        named = {segment for _c, _s, segments in codes for segment in segments}
        if not named:
            return
        for campaign_id, segment_id in db_session.execute(
            sa.select(campaign_segments.c.campaign_id, campaign_segments.c.segment_id).where(
                campaign_segments.c.campaign_id.in_(campaign_ids),
                campaign_segments.c.segment_id.in_(named),
            )
        ):
            self.campaign_segments.setdefault(campaign_id, set()).add(segment_id)
        applicants = {
            self.candidates[item["candidate_ref"]]
            for item, (_c, _s, segments) in zip(items, codes, strict=True)
            if len(segments) > 1 and item["candidate_ref"] in self.candidates
        }
        if applicants:
            for candidate_id, segment_id in db_session.execute(
                sa.select(SegmentMembership.candidate_id, SegmentMembership.segment_id).where(
                    SegmentMembership.candidate_id.in_(applicants),
                    SegmentMembership.segment_id.in_(named),
                )
            ):
                self.memberships.setdefault(candidate_id, set()).add(segment_id)

    def row(self, item: dict[str, Any]) -> dict[str, Any]:
        """The application's row (column values), attributed."""
        tracking = {
            key: str(item["tracking"][key])[:TRACKING_VALUE_MAX]
            for key in UTM_KEYS
            if item["tracking"].get(key) is not None
        }
        job_id = self.jobs.get(item["job_ref"])
        candidate_ref = item["candidate_ref"]
        candidate_id = self.candidates.get(candidate_ref) if candidate_ref is not None else None
        campaign_id, source, segments = _code(tracking)
        publication_id, segment_id = None, None
        if campaign_id is None or job_id is None or self.campaign_jobs.get(campaign_id) != job_id:
            campaign_id = None  # no such campaign, or another job's: the code is not this job's
        else:
            publication_id = self.publications.get((campaign_id, source or ""))
            segment_id = self._segment(campaign_id, candidate_id, segments)
        applied_at: datetime = item["applied_at"]
        return {
            "source_id": item["application_id"],
            "job_ref": item["job_ref"],
            "job_id": job_id,
            "candidate_ref": candidate_ref,
            "candidate_id": candidate_id,
            "campaign_id": campaign_id,
            "publication_id": publication_id,
            "platform": source if publication_id is not None else None,
            "segment_id": segment_id,
            "applied_at": applied_at,
            "day": applied_at.astimezone(CAMPAIGN_TZ).date(),
            "received_at": clock.now(),
            "tracking": tracking,
        }

    def _segment(self, campaign_id: int, candidate_id: int | None, named: list[int]) -> int | None:
        """The segment the code names, among the campaign's own; the applicant's when several."""
        ours = self.campaign_segments.get(campaign_id, set()).intersection(named)
        if len(named) == 1:
            return named[0] if ours else None
        theirs = ours & self.memberships.get(candidate_id, set()) if candidate_id else set()
        # One of the ad's segments is the applicant's; none (or, across runs, two) says nothing.
        return theirs.pop() if len(theirs) == 1 else None


def _code(tracking: dict[str, Any]) -> tuple[int | None, str | None, list[int]]:
    """(campaign id, platform, segment ids) as an application's tracking code states them."""
    return (
        campaign_id_of(tracking.get("utm_campaign")),
        tracking.get("utm_source"),
        segment_ids_of(tracking.get("utm_content")),
    )


def _ids_by_ref(db_session: DbSession, model: Any, refs: set[str]) -> dict[str, int]:
    if not refs:
        return {}
    query = sa.select(model.external_ref, model.id).where(model.external_ref.in_(refs))
    return {ref: row_id for ref, row_id in db_session.execute(query)}
