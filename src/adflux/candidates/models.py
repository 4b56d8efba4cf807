"""The candidate table. Name, email and phone are personal data (Ley 1581 de 2012)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, TimestampMixin, UTCDateTime, utcnow
from adflux.extensions import db
from adflux.vocabulary import EDUCATION_LEVELS, REMOTE_MODES

__all__ = ["EDUCATION_LEVELS", "REMOTE_PREFERENCES", "Candidate", "CandidateImport"]

REMOTE_PREFERENCES = REMOTE_MODES


class Candidate(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "candidates"
    __table_args__ = (
        sa.CheckConstraint("age BETWEEN 14 AND 100", name="age_range"),
        sa.CheckConstraint("years_experience IS NULL OR years_experience >= 0", name="experience"),
        sa.Index("ix_candidates_city_area", "city", "area"),
        # A unique index, not a constraint: SQLite adds it without rebuilding the table.
        sa.Index("uq_candidates_email", "email", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # Stored normalised (candidates.service.normalize_email): the unique index sees a person once.
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    age: Mapped[int] = mapped_column(sa.SmallInteger)
    city: Mapped[str] = mapped_column(sa.String(100))
    department: Mapped[str] = mapped_column(sa.String(100))
    education_level: Mapped[str] = mapped_column(sa.String(20))
    years_experience: Mapped[float | None] = mapped_column(sa.Float)
    area: Mapped[str] = mapped_column(sa.String(100), index=True)
    desired_salary_cop: Mapped[int | None] = mapped_column(sa.BigInteger)
    remote_preference: Mapped[str] = mapped_column(sa.String(20))
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marketing_consent: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # The generator's hidden latent group: used only to measure clustering quality, never a feature.
    persona: Mapped[str | None] = mapped_column(sa.String(100))


class CandidateImport(db.Model):  # type: ignore[name-defined,misc]
    """One import of a candidate file: its counts so far, and where its error report is.

    The counts cover the batches committed: a batch is written whole or not at all, and the
    record is updated in the batch's own transaction.
    """

    __tablename__ = "candidate_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    file_format: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="running")  # running/done/failed
    rows_read: Mapped[int] = mapped_column(sa.Integer, default=0)
    added: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated: Mapped[int] = mapped_column(sa.Integer, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, default=0)
    refused: Mapped[int] = mapped_column(sa.Integer, default=0)  # rows, each in the report
    failed_batches: Mapped[int] = mapped_column(sa.Integer, default=0)
    ignored_columns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Relative to the data directory: "imports/candidates-<id>-errors.csv".
    report_path: Mapped[str | None] = mapped_column(sa.String(500))
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by: Mapped[str | None] = mapped_column(sa.String(100))
    # The request that started it (X-Request-Id, which a client may choose): how the CLI finds
    # the import its upload started, to show its progress while the server works.
    request_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
