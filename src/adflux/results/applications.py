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

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from adflux import clock
from adflux.campaigns.models import (
    CAMPAIGN_ARM,
    AdCampaign,
    PlatformPublication,
    campaign_segments,
)
from adflux.campaigns.service import CAMPAIGN_TZ
from adflux.campaigns.tracking import UTM_KEYS, arm_key_of, campaign_id_of, segment_ids_of
from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.errors import Conflict, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message
from adflux.jobs.models import JobOpening
from adflux.results.models import Application
from adflux.riding import keep_rider_values, riding_columns, riding_guard
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
    connection: sa.Connection,
    application_id: str,
    job_ref: str,
    candidate_ref: str | None,
    applied_at: datetime,
    tracking: dict[str, str],
) -> Receipt:
    """Store one application (idempotent on `application_id`) with one statement on
    `connection` (a resend: and one read), each committing itself (`db.self_committing_connection`);
    a resend, even one racing the first delivery, answers DUPLICATE and changes nothing."""
    if problem := applied_at_problem(applied_at):
        raise ValidationFailed(
            "the time of the application %(problem)s",
            fields={"applied_at": [problem]},
            problem=Message(problem),
        )
    tracking = _kept_tracking(tracking)
    campaign_id, platform, segments = _code(tracking)
    shape = min(len(segments), 2)  # no segment, one, or several: a statement each
    # The caller's token check, when it rides on the insert (`riding`): the insert stores
    # nothing unless the guard holds, and returns the columns' values with the row.
    riding, rider_params = riding_columns()
    statement = _attributing_insert(connection.dialect.name, shape, riding, riding_guard())
    stored = connection.execute(
        statement,
        {
            **rider_params,
            "source_id": application_id,
            "job_ref": job_ref,
            "candidate_ref": candidate_ref,
            "campaign_id": campaign_id,
            "platform": platform,
            "arm_key": arm_key_of(tracking.get("utm_content")),
            "segment_id": segments[0] if shape == 1 else None,
            "segment_ids": segments,
            "applied_at": applied_at,
            "day": applied_at.astimezone(CAMPAIGN_TZ).date(),
            "received_at": clock.now(),
            "tracking": tracking,
        },
    ).first()
    if stored is not None:
        keep_rider_values(stored, riding)
        log.debug("application %s stored (publication %s)", application_id, stored[0])
        receipt: Receipt | None = Receipt(application_id, ACCEPTED, stored[0] is not None)
    else:
        # A resend. Each statement sees what was committed before it began, so the row the
        # insert ran into (after waiting for its transaction to end) is there to read.
        receipt = _receipt_of_stored(connection, application_id)
    if receipt is None:  # stored by another delivery and deleted since: a state to retry
        raise Conflict(
            "a concurrent request stored the same value at the same time; send this one again"
        )
    return receipt


_APPLICATIONS = Application.__table__
_JOB = JobOpening.__table__.alias("job")
_CANDIDATE = Candidate.__table__.alias("candidate")
_CAMPAIGN = AdCampaign.__table__.alias("campaign")
_ARM = PlatformPublication.__table__.alias("arm")


@functools.cache
def _attributing_insert(
    dialect: str,
    shape: int,
    riding: tuple[sa.ColumnElement[Any], ...],
    guard: sa.ColumnElement[bool] | None,
) -> Any:
    """The one statement that reads what attribution needs and stores the application, built
    once per database, code shape (`shape`: 0, 1 or several segments named) and rider. The
    lookups one after the other cost a round trip each, more than the insert itself; a resend,
    even one racing the first delivery, inserts nothing (ON CONFLICT on the unique source id)
    and returns no row. Nor does a row whose `guard` fails (the caller's token); the `riding`
    columns are returned after the stored row's publication.

    The job, the applicant and the campaign the code names (only if it advertises this job) are
    joined to one row of nothing, so a missing one leaves its columns NULL; its ad (the arm the
    code points at on its platform, else the campaign's whole arm) and segment are read beside
    them."""
    columns = _APPLICATIONS.c

    def given(name: str, column: str | None = None) -> Any:
        value = sa.bindparam(name, type_=columns[column or name].type)
        # PostgreSQL reads a parameter in a SELECT list as text unless told its type; SQLite
        # takes any value as it is (and a CAST to JSON would make it a number).
        return sa.cast(value, columns[column or name].type) if dialect == "postgresql" else value

    ad = (
        sa.select(_ARM.c.id)
        .where(
            _ARM.c.campaign_id == _CAMPAIGN.c.id,
            _ARM.c.platform == sa.bindparam("platform"),
            _ARM.c.arm_key.in_([sa.bindparam("arm_key"), CAMPAIGN_ARM]),
        )
        .order_by(_ARM.c.arm_key == CAMPAIGN_ARM)  # the arm the code names first
        .limit(1)
        .scalar_subquery()
    )
    joins = (
        sa.select(sa.literal(1).label("one"))
        .subquery("incoming")
        .outerjoin(_JOB, _JOB.c.external_ref == sa.bindparam("job_ref"))
        .outerjoin(_CANDIDATE, _CANDIDATE.c.external_ref == sa.bindparam("candidate_ref"))
        .outerjoin(
            _CAMPAIGN,
            sa.and_(_CAMPAIGN.c.id == sa.bindparam("campaign_id"), _CAMPAIGN.c.job_id == _JOB.c.id),
        )
    )
    # The ad is read by its own index look-up, once, as a column of the joined row: joined on
    # its id instead, PostgreSQL hashed every publication to match it (a scan of the table for
    # each application). MATERIALIZED keeps PostgreSQL from inlining the row, which would run
    # the ad's look-up once for each column that reads it.
    found = (
        sa.select(
            _JOB.c.id.label("job_id"),
            _CANDIDATE.c.id.label("candidate_id"),
            _CAMPAIGN.c.id.label("campaign_id"),
            ad.label("publication_id"),
            _segment_of(shape).label("segment_id"),
        )
        .select_from(joins)
        .cte("found")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    row = {
        "source_id": given("source_id"),
        "job_ref": given("job_ref"),
        "job_id": found.c.job_id,
        "candidate_ref": given("candidate_ref"),
        "candidate_id": found.c.candidate_id,
        "campaign_id": found.c.campaign_id,
        "publication_id": found.c.publication_id,
        "platform": sa.case((found.c.publication_id.is_not(None), given("platform"))),
        "segment_id": found.c.segment_id,
        "applied_at": given("applied_at"),
        "day": given("day"),
        "received_at": given("received_at"),
        "tracking": given("tracking"),
    }
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_APPLICATIONS)
        .from_select(
            list(row),
            # A WHERE even when true: SQLite would read ON CONFLICT after a bare FROM as a join.
            sa.select(*row.values())
            .select_from(found)
            .where(sa.true() if guard is None else guard),
        )
        .on_conflict_do_nothing(index_elements=[columns.source_id])
        .returning(columns.publication_id, *riding)
    )


def _segment_of(shape: int) -> Any:
    """The segment the code names, among the campaign's own; when the ad targeted several, the
    applicant's own among them (one of the ad's segments is theirs; none, or across runs two,
    says nothing)."""
    ours = campaign_segments.c
    if shape == 0:
        return sa.cast(sa.null(), sa.Integer)  # typed: a NULL read out of a subquery is text
    if shape == 1:
        return (
            sa.select(ours.segment_id)
            .where(
                ours.campaign_id == _CAMPAIGN.c.id, ours.segment_id == sa.bindparam("segment_id")
            )
            .scalar_subquery()
        )
    member = SegmentMembership.__table__.c
    return (
        sa.select(sa.func.max(ours.segment_id))
        .join_from(
            campaign_segments, SegmentMembership.__table__, member.segment_id == ours.segment_id
        )
        .where(
            ours.campaign_id == _CAMPAIGN.c.id,
            ours.segment_id.in_(sa.bindparam("segment_ids", expanding=True)),
            member.candidate_id == _CANDIDATE.c.id,
        )
        .having(sa.func.count(sa.distinct(ours.segment_id)) == 1)
        .scalar_subquery()
    )


def _kept_tracking(tracking: dict[str, Any]) -> dict[str, str]:
    """The tracking code's parameters as stored: AdFlux's keys, each value cut to its length."""
    return {
        key: str(tracking[key])[:TRACKING_VALUE_MAX]
        for key in UTM_KEYS
        if tracking.get(key) is not None
    }


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


@functools.cache
def _stored_receipt(riding: tuple[sa.ColumnElement[Any], ...]) -> sa.Select[Any]:
    """What a resend is answered from, with the `riding` columns; Core columns, built once: the
    ORM's attributes made each execution compile an ORM query state."""
    columns = _APPLICATIONS.c
    return sa.select(columns.publication_id, *riding).where(
        columns.source_id == sa.bindparam("source_id")
    )


def _receipt_of_stored(connection: sa.Connection, application_id: str) -> Receipt | None:
    """The answer to a resend (None when the id is not stored); the rider's columns, if still
    unread, ride on the read."""
    riding, rider_params = riding_columns()
    stored = connection.execute(
        _stored_receipt(riding),
        {"source_id": application_id, **rider_params},
    ).first()
    if stored is None:
        return None
    keep_rider_values(stored, riding)
    return Receipt(application_id, DUPLICATE, stored[0] is not None)


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
        self.publications: dict[tuple[int, str, str], int] = {}
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
                    AdCampaign.id,
                    PlatformPublication.platform,
                    PlatformPublication.arm_key,
                    PlatformPublication.id,
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
                campaign_id, platform, arm_key, publication_id = found[2:]
                self.campaign_jobs[campaign_id] = job_id
                if publication_id is not None:
                    self.publications[(campaign_id, platform, arm_key)] = publication_id
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
        tracking = _kept_tracking(item["tracking"])
        job_id = self.jobs.get(item["job_ref"])
        candidate_ref = item["candidate_ref"]
        candidate_id = self.candidates.get(candidate_ref) if candidate_ref is not None else None
        campaign_id, source, segments = _code(tracking)
        publication_id, segment_id = None, None
        if campaign_id is None or job_id is None or self.campaign_jobs.get(campaign_id) != job_id:
            campaign_id = None  # no such campaign, or another job's: the code is not this job's
        else:
            arm_key = arm_key_of(tracking.get("utm_content"))
            publication_id = self.publications.get(
                (campaign_id, source or "", arm_key)
            ) or self.publications.get((campaign_id, source or "", CAMPAIGN_ARM))
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
