"""Campaigns, their target segments and per-platform publications (results: adflux.results)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adflux.campaigns.compliance import ACKNOWLEDGEABLE_WARNINGS, Advisory, segment_advisories
from adflux.db import JSONType, TimestampMixin, UTCDateTime
from adflux.extensions import db

if TYPE_CHECKING:
    from adflux.segmentation.models import Segment


class PublicationStatus(enum.StrEnum):
    PENDING = "pending"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    PAUSED = "paused"


campaign_segments = sa.Table(
    "campaign_segments",
    db.metadata,
    sa.Column(
        "campaign_id", sa.ForeignKey("ad_campaigns.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("segment_id", sa.ForeignKey("segments.id", ondelete="RESTRICT"), primary_key=True),
)


class AdCampaign(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "ad_campaigns"
    __table_args__ = (
        sa.CheckConstraint("daily_budget_cop > 0", name="budget_positive"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        sa.CheckConstraint(
            "job_audience_size IS NULL OR job_audience_size > 0", name="job_audience_size"
        ),
        sa.Index("ix_ad_campaigns_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job_openings.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    # Derived from the publications by the campaigns service; stored so lists can filter on it.
    status: Mapped[str] = mapped_column(sa.String(30), default="queued")
    objective: Mapped[str] = mapped_column(sa.String(30), default="traffic")
    daily_budget_cop: Mapped[int] = mapped_column(sa.BigInteger)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    # SHA-256 of the first request's canonical parameters: the same key with another request is
    # refused instead of answered with this campaign.
    idempotency_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    # Also (or only) the job's N most likely consenting candidates, as a custom audience of its
    # own on each platform (targeting.people); None: segments only.
    job_audience_size: Mapped[int | None] = mapped_column(sa.Integer)
    # Warnings computed once, when the campaign was created, as {rule, field, message_es,
    # message_en}: how its segments fit the job (low fit, none fitting), a job audience that age
    # sets apart (acknowledged) or that nobody fits yet. Kept rather than recomputed: a fit and a
    # job audience change with every new candidate and retraining, and a list of campaigns would
    # rank every job's segments again.
    creation_warnings: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)

    publications: Mapped[list[PlatformPublication]] = relationship(
        back_populates="campaign", order_by="PlatformPublication.platform"
    )
    # Written through the campaign_segments table by the service; read here.
    segments: Mapped[list[Segment]] = relationship(
        secondary=campaign_segments, viewonly=True, order_by="Segment.id"
    )

    @property
    def segment_ids(self) -> list[int]:
        return [segment.id for segment in self.segments]

    @property
    def compliance_warnings(self) -> list[Advisory]:
        """Employment-ad warnings: age-proxy segments (from their profiles) and what was
        acknowledged at creation (a job audience's age skew)."""
        return [
            *segment_advisories({s.name: s.profile or {} for s in self.segments}),
            *(w for w in self._created_with if w.rule in ACKNOWLEDGEABLE_WARNINGS),
        ]

    @property
    def audience_warnings(self) -> list[Advisory]:
        """How its audience fits its job, as it was told when created (a segment of low fit, none
        fitting, a job audience nobody fits yet)."""
        return [w for w in self._created_with if w.rule not in ACKNOWLEDGEABLE_WARNINGS]

    @property
    def _created_with(self) -> list[Advisory]:
        return [Advisory(**warning) for warning in self.creation_warnings or ()]

    @property
    def warnings(self) -> list[Advisory]:
        """Every warning: the employment-ad ones first, then those about the fit."""
        return [*self.compliance_warnings, *self.audience_warnings]


class PlatformPublication(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "platform_publications"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "platform"),
        # The relay looks for pending/publishing work by age.
        sa.Index("ix_platform_publications_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("ad_campaigns.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default=PublicationStatus.PENDING.value)
    external_ids: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_error_field: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a retry is due; the relay re-dispatches pending work whose time has come.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[AdCampaign] = relationship(back_populates="publications")


class PlatformCredential(db.Model):  # type: ignore[name-defined,misc]
    """Health of a platform's configured credential (the secret itself stays in the environment)."""

    __tablename__ = "platform_credentials"

    platform: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    healthy: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    message: Mapped[str | None] = mapped_column(sa.Text)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
