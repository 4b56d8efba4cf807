"""A campaign template ("every open job in area X / city Y / company Z") and the campaigns it
created, one per job."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, TimestampMixin, UTCDateTime, utcnow
from adflux.extensions import db


class CampaignTemplate(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """What a campaign for each new matching job of a feed looks like. Empty criteria match
    every job; `daily_cap` bounds how many campaigns it may create per day (Bogotá), so a
    broken feed cannot spend the account."""

    __tablename__ = "campaign_templates"
    __table_args__ = (
        sa.CheckConstraint("daily_cap >= 1", name="daily_cap"),
        sa.CheckConstraint("daily_budget_cop IS NULL OR daily_budget_cop > 0", name="daily_budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # What jobs it covers: each None matches any value. area is a label, city a canonical name.
    area: Mapped[str | None] = mapped_column(sa.String(100))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    company: Mapped[str | None] = mapped_column(sa.String(200))
    feed: Mapped[str | None] = mapped_column(sa.String(50))
    platforms: Mapped[list[str]] = mapped_column(JSONType)
    daily_budget_cop: Mapped[int | None] = mapped_column(sa.BigInteger)  # None: the default
    # Rules added to each campaign, as campaign rules take them: {"kind": "max_applications",
    # "max_applications": 30, "period": "week"} or {"kind": "max_cpa", "max_cpa_cop": ...,
    # "min_spend_cop": ...}.
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    daily_cap: Mapped[int] = mapped_column(sa.Integer, default=20)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(sa.String(100))


class TemplateCampaign(db.Model):  # type: ignore[name-defined,misc]
    """The campaign a template created for a job: at most one per template and job."""

    __tablename__ = "template_campaigns"
    __table_args__ = (
        sa.UniqueConstraint("template_id", "job_id"),
        sa.Index("ix_template_campaigns_template_day", "template_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_templates.id", ondelete="CASCADE")
    )
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job_openings.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ad_campaigns.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(sa.Date)  # in Bogotá: what the daily cap counts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
