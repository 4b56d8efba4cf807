"""Use cases for job openings. Each write is one transaction with its audit entry."""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.campaigns import service as campaigns
from adflux.campaigns.models import AdCampaign, PlatformPublication, PublicationStatus
from adflux.db import DbSession, write_or_recheck
from adflux.errors import Conflict, NotFound, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Code, Message
from adflux.jobs.models import JobOpening, JobStatus
from adflux.pagination import Page, paginate

UPDATABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "company",
        "city",
        "department",
        "area",
        "seniority",
        "employment_type",
        "remote_mode",
        "salary_min_cop",
        "salary_max_cop",
        "skills",
    }
)


def list_jobs(
    *,
    db_session: DbSession,
    limit: int,
    offset: int = 0,
    status: str | None = None,
    city: str | None = None,
    area: str | None = None,
    search: str | None = None,
) -> Page[sa.Row[Any]]:
    """A page of job openings as read-only rows (every column by attribute), by id."""
    filters = {"status": status, "city": city, "area": area, "search": search}
    given = {name: value for name, value in filters.items() if value}
    if "search" in given:
        # Escaped: "%" and "_" typed by a user are characters to find, not wildcards.
        given["search"] = _LIKE_SPECIALS.sub(r"/\g<0>", given["search"])
    query = _jobs_query(frozenset(given))
    return paginate(db_session, query, limit=limit, offset=offset, params=given, as_rows=True)


_LIKE_SPECIALS = re.compile(r"[/%_]")


@functools.cache
def _jobs_query(filters: frozenset[str]) -> sa.Select[Any]:
    """The list's query for the filters given, their values as parameters: one statement per
    combination, built once (see `paginate`)."""
    query = sa.select(JobOpening.__table__).order_by(JobOpening.id)
    for name in ("status", "city", "area"):
        if name in filters:
            query = query.where(getattr(JobOpening, name) == sa.bindparam(name))
    if "search" in filters:
        query = query.where(JobOpening.title.icontains(sa.bindparam("search"), escape="/"))
    return query


def get_job(*, db_session: DbSession, job_id: int) -> JobOpening | None:
    return db_session.get(JobOpening, job_id)


def get_job_or_404(*, db_session: DbSession, job_id: int) -> JobOpening:
    job = get_job(db_session=db_session, job_id=job_id)
    if job is None:
        raise NotFound("job %(job_id)s does not exist", job_id=job_id)
    return job


def create_job(*, db_session: DbSession, data: dict[str, Any]) -> JobOpening:
    fields = dict(data)
    fields.setdefault("external_ref", f"job-{uuid.uuid4().hex[:16]}")
    _check_salary(fields.get("salary_min_cop"), fields.get("salary_max_cop"))
    _ensure_ref_free(db_session, fields["external_ref"])

    def insert() -> JobOpening:
        job = JobOpening(**fields)
        db_session.add(job)
        db_session.flush()
        audit.record(
            db_session=db_session,
            action="job.create",
            entity_type="job",
            entity_id=job.id,
            details={"title": job.title},
        )
        db_session.commit()
        return job

    # A concurrent create of the same external_ref answers 409 too, not a database error.
    return write_or_recheck(
        db_session, insert, recheck=lambda: _ensure_ref_free(db_session, fields["external_ref"])
    )


def update_job(*, db_session: DbSession, job_id: int, changes: dict[str, Any]) -> JobOpening:
    job = get_job_or_404(db_session=db_session, job_id=job_id)
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            "these fields cannot be changed", fields={name: [N_("read-only")] for name in unknown}
        )
    _check_salary(
        changes.get("salary_min_cop", job.salary_min_cop),
        changes.get("salary_max_cop", job.salary_max_cop),
    )
    for name, value in changes.items():
        setattr(job, name, value)
    audit.record(
        db_session=db_session,
        action="job.update",
        entity_type="job",
        entity_id=job.id,
        details={"fields": sorted(changes)},
    )
    db_session.commit()
    return job


# Which status a job may move to from each status. Open jobs are advertised; a paused job is
# on hold (it will be advertised again) and a closed one is filled or withdrawn: neither takes
# new campaigns, and moving to either pauses the job's live campaigns on every platform. A closed
# job is only reopened (to pause it, reopen it first). Reopening resumes nothing by itself: the
# recruiter resumes the campaigns that should run again (POST /campaigns/{id}/resume).
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.OPEN: frozenset({JobStatus.PAUSED, JobStatus.CLOSED}),
    JobStatus.PAUSED: frozenset({JobStatus.OPEN, JobStatus.CLOSED}),
    JobStatus.CLOSED: frozenset({JobStatus.OPEN}),
}
# The verb of each target status: the API action, the CLI command and the audit entry.
STATUS_VERBS = {JobStatus.OPEN: "reopen", JobStatus.PAUSED: "pause", JobStatus.CLOSED: "close"}


@dataclass(frozen=True)
class StatusChange:
    """A job after a status change, and what happened to its live campaigns."""

    job: JobOpening
    campaigns_paused: list[int] = field(default_factory=list)
    # campaign id -> platform -> what the platform answered, for pauses that did not go through.
    campaigns_not_paused: dict[int, dict[str, list[Message]]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # The API answers with the job's own fields next to these two: read them from the job.
        if name == "job":  # not set yet (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.job, name)


def set_job_status(*, db_session: DbSession, job_id: int, status: JobStatus) -> StatusChange:
    """Move a job to ``status`` (see TRANSITIONS); pausing or closing pauses its live campaigns.

    The status is committed first, so no campaign can be created for the job from then on; then
    each live campaign is paused on every platform through the campaigns service. Repeating the
    same status is harmless and pauses any campaign a platform refused to pause the first time.
    """
    job = get_job_or_404(db_session=db_session, job_id=job_id)
    current = JobStatus(job.status)
    if status != current:
        if status not in TRANSITIONS[current]:
            allowed = sorted(s.value for s in TRANSITIONS[current])
            raise Conflict(
                "job %(job_id)s is %(current)s and cannot become %(status)s directly: "
                "a job that is %(current)s can become %(allowed)s (reopen it first)",
                fields={"status": [N_("cannot go from %(current)s to %(status)s")]},
                job_id=job_id,
                current=Code("job_status", current.value),
                status=Code("job_status", status.value),
                allowed=Choices("job_status", allowed, conjunction="or"),
            )
        # Only from the status the check saw: a concurrent change (closed meanwhile) is seen
        # again and judged afresh, instead of being overwritten by a transition it forbids.
        moved = db_session.execute(
            sa.update(JobOpening)
            .where(JobOpening.id == job.id, JobOpening.status == current.value)
            .values(status=status.value)
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            db_session.rollback()
            return set_job_status(db_session=db_session, job_id=job_id, status=status)
        audit.record(
            db_session=db_session,
            action=f"job.{STATUS_VERBS[status]}",
            entity_type="job",
            entity_id=job.id,
            details={"from": current.value, "to": status.value},
        )
        db_session.commit()
    if status == JobStatus.OPEN:
        return StatusChange(job)
    return _pause_live_campaigns(db_session, job)


def _pause_live_campaigns(db_session: DbSession, job: JobOpening) -> StatusChange:
    live = db_session.scalars(
        sa.select(AdCampaign.id)
        .join(PlatformPublication, PlatformPublication.campaign_id == AdCampaign.id)
        .where(
            AdCampaign.job_id == job.id,
            PlatformPublication.status == PublicationStatus.PUBLISHED.value,
        )
        .distinct()
        .order_by(AdCampaign.id)
    ).all()
    change = StatusChange(job)
    for campaign_id in live:
        try:
            campaigns.set_campaign_active(
                db_session=db_session, campaign_id=campaign_id, active=False
            )
        except Conflict as exc:  # some platforms refused; the others are paused
            change.campaigns_not_paused[campaign_id] = {
                platform: [m if isinstance(m, Message) else Message(m) for m in messages]
                for platform, messages in exc.field_messages().items()
            }
        else:
            change.campaigns_paused.append(campaign_id)
    db_session.refresh(job)
    return change


def _check_salary(low: int | None, high: int | None) -> None:
    if low is not None and high is not None and high < low:
        raise ValidationFailed(
            "salary range is reversed",
            fields={"salary_max_cop": [N_("must be greater than or equal to %(minimum)s")]},
            minimum=Code("field", "salary_min_cop"),
        )


def _ensure_ref_free(db_session: DbSession, external_ref: str) -> None:
    taken = db_session.scalar(
        sa.select(JobOpening.id).where(JobOpening.external_ref == external_ref)
    )
    if taken is not None:
        raise Conflict(
            "a job with external reference '%(external_ref)s' already exists (id %(job_id)s)",
            fields={"external_ref": [N_("already exists")]},
            external_ref=external_ref,
            job_id=taken,
        )
