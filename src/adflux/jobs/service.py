"""Use cases for job openings. Each write is one transaction with its audit entry."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.db import DbSession
from adflux.errors import Conflict, NotFound, ValidationFailed
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
) -> Page[JobOpening]:
    query = sa.select(JobOpening).order_by(JobOpening.id)
    if status:
        query = query.where(JobOpening.status == status)
    if city:
        query = query.where(JobOpening.city == city)
    if area:
        query = query.where(JobOpening.area == area)
    if search:
        # autoescape: "%" and "_" typed by a user are characters to find, not wildcards.
        query = query.where(JobOpening.title.icontains(search, autoescape=True))
    return paginate(db_session, query, limit=limit, offset=offset)


def get_job(*, db_session: DbSession, job_id: int) -> JobOpening | None:
    return db_session.get(JobOpening, job_id)


def get_job_or_404(*, db_session: DbSession, job_id: int) -> JobOpening:
    job = get_job(db_session=db_session, job_id=job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


def create_job(*, db_session: DbSession, data: dict[str, Any]) -> JobOpening:
    fields = dict(data)
    fields.setdefault("external_ref", f"job-{uuid.uuid4().hex[:16]}")
    _check_salary(fields.get("salary_min_cop"), fields.get("salary_max_cop"))
    _ensure_ref_free(db_session, fields["external_ref"])
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


def update_job(*, db_session: DbSession, job_id: int, changes: dict[str, Any]) -> JobOpening:
    job = get_job_or_404(db_session=db_session, job_id=job_id)
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            "these fields cannot be changed", fields={name: ["read-only"] for name in unknown}
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


def close_job(*, db_session: DbSession, job_id: int) -> JobOpening:
    job = get_job_or_404(db_session=db_session, job_id=job_id)
    if job.status != JobStatus.CLOSED:
        job.status = JobStatus.CLOSED.value
        audit.record(db_session=db_session, action="job.close", entity_type="job", entity_id=job.id)
        db_session.commit()
    return job


def _check_salary(low: int | None, high: int | None) -> None:
    if low is not None and high is not None and high < low:
        raise ValidationFailed(
            "salary range is reversed",
            fields={"salary_max_cop": ["must be greater than or equal to salary_min_cop"]},
        )


def _ensure_ref_free(db_session: DbSession, external_ref: str) -> None:
    taken = db_session.scalar(
        sa.select(JobOpening.id).where(JobOpening.external_ref == external_ref)
    )
    if taken is not None:
        raise Conflict(
            f"a job with external_ref {external_ref!r} already exists (id {taken})",
            fields={"external_ref": ["already exists"]},
        )
