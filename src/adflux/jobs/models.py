"""The job opening table."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, TimestampMixin
from adflux.extensions import db
from adflux.vocabulary import EMPLOYMENT_TYPES, REMOTE_MODES, SENIORITIES

__all__ = ["EMPLOYMENT_TYPES", "REMOTE_MODES", "SENIORITIES", "JobOpening", "JobStatus"]


class JobStatus(enum.StrEnum):
    """Open jobs are advertised; paused and closed ones are not (their live campaigns paused)."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class JobOpening(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "job_openings"
    __table_args__ = (
        sa.CheckConstraint("salary_min_cop IS NULL OR salary_min_cop >= 0", name="salary_min"),
        sa.CheckConstraint(
            "salary_max_cop IS NULL OR salary_min_cop IS NULL OR salary_max_cop >= salary_min_cop",
            name="salary_range",
        ),
        sa.CheckConstraint("status IN ('open', 'paused', 'closed')", name="status"),
        sa.Index("ix_job_openings_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    company: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100), index=True)
    department: Mapped[str] = mapped_column(sa.String(100))
    area: Mapped[str] = mapped_column(sa.String(100), index=True)
    seniority: Mapped[str] = mapped_column(sa.String(20))
    employment_type: Mapped[str] = mapped_column(sa.String(30))
    remote_mode: Mapped[str] = mapped_column(sa.String(20))
    salary_min_cop: Mapped[int | None] = mapped_column(sa.BigInteger)
    salary_max_cop: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="COP")
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(sa.String(10), default=JobStatus.OPEN.value)
    # The job feed it was imported from (feeds/service.py), None for jobs created one at a time.
    feed: Mapped[str | None] = mapped_column(sa.String(50), index=True)
