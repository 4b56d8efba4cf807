"""The figures platforms report per publication and day, and the applications the job site sends."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, UTCDateTime, utcnow
from adflux.extensions import db


class CampaignMetric(db.Model):  # type: ignore[name-defined,misc]
    """One publication's delivery on one account-local day (America/Bogota), as its platform
    last reported it. A sync overwrites the row: platforms restate recent days (late
    conversions, invalid-click refunds), and the latest statement is the one that is billed."""

    __tablename__ = "campaign_metrics"
    __table_args__ = (sa.UniqueConstraint("publication_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        sa.ForeignKey("platform_publications.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(sa.Date)
    impressions: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spend_cop: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(db.Model):  # type: ignore[name-defined,misc]
    """One application received from the job site, attributed to the ad that brought it when its
    tracking code names one. Unattributed applications are kept (never refused): they count for
    the job, and a tracking code AdFlux did not recognise is worth an operator's look."""

    __tablename__ = "applications"
    __table_args__ = (
        sa.Index("ix_applications_publication_day", "publication_id", "day"),
        sa.Index("ix_applications_campaign_day", "campaign_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The job site's own id for the application: the job site delivers at least once, so this is
    # what makes a resent application count once.
    source_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    job_ref: Mapped[str] = mapped_column(sa.String(64))
    job_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("job_openings.id", ondelete="SET NULL"), index=True
    )
    candidate_ref: Mapped[str | None] = mapped_column(sa.String(64))
    candidate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="SET NULL"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ad_campaigns.id", ondelete="SET NULL")
    )
    publication_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("platform_publications.id", ondelete="SET NULL")
    )
    platform: Mapped[str | None] = mapped_column(sa.String(20))
    segment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("segments.id", ondelete="SET NULL")
    )
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date] = mapped_column(sa.Date)  # applied_at's day in America/Bogota
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The tracking parameters as received (utm_source, utm_medium, utm_campaign, utm_content).
    tracking: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ReportSync(db.Model):  # type: ignore[name-defined,misc]
    """Where each platform's results sync stands: a platform that is down keeps its previous
    figures and is retried; operators see when each last succeeded and why it last failed."""

    __tablename__ = "report_syncs"

    platform: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
