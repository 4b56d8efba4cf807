"""The candidate table. Name, email and phone are personal data (Ley 1581 de 2012)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, TimestampMixin, UTCDateTime
from adflux.extensions import db
from adflux.vocabulary import EDUCATION_LEVELS, REMOTE_MODES

__all__ = ["EDUCATION_LEVELS", "REMOTE_PREFERENCES", "Candidate"]

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
