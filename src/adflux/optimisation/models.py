"""What the optimiser did and may do: allocation runs and their moves, rules and their firings.

An arm is a PlatformPublication (campaigns.models): its budget lives there; a move records the
change with its reason, in the recruiter's two languages.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adflux.db import JSONType, MessageType, TimestampMixin, UTCDateTime, utcnow
from adflux.extensions import db
from adflux.i18n.messages import Message


class RunTrigger(enum.StrEnum):
    DAILY = "daily"
    ON_DEMAND = "on_demand"


class AllocationRun(db.Model):  # type: ignore[name-defined,misc]
    """One decision of a campaign's split. `key` makes the daily run happen once a day
    ("daily:{campaign}:{day}"): a worker re-running it finds it done and moves nothing twice."""

    __tablename__ = "allocation_runs"
    __table_args__ = (sa.Index("ix_allocation_runs_campaign_day", "campaign_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("ad_campaigns.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    day: Mapped[date] = mapped_column(sa.Date)  # the campaign-local day it decided for
    trigger: Mapped[str] = mapped_column(sa.String(20), default=RunTrigger.DAILY.value)
    total_daily_cop: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(100))

    moves: Mapped[list[AllocationMove]] = relationship(
        back_populates="run", order_by="AllocationMove.id"
    )


class AllocationMove(db.Model):  # type: ignore[name-defined,misc]
    """One arm's budget in one run: from what, to what, and why."""

    __tablename__ = "allocation_moves"
    __table_args__ = (sa.UniqueConstraint("run_id", "publication_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation_runs.id", ondelete="CASCADE"))
    publication_id: Mapped[int] = mapped_column(
        sa.ForeignKey("platform_publications.id", ondelete="CASCADE"), index=True
    )
    from_cop: Mapped[int] = mapped_column(sa.BigInteger)
    to_cop: Mapped[int] = mapped_column(sa.BigInteger)
    # Why, as a catalog message with its parameters, rendered in the reader's language.
    reason: Mapped[Message] = mapped_column(MessageType)

    run: Mapped[AllocationRun] = relationship(back_populates="moves")


class RuleKind(enum.StrEnum):
    MAX_APPLICATIONS = "max_applications"  # stop after N applications (per campaign or week)
    MAX_CPA = "max_cpa"  # pause an arm whose cost per application exceeds X after spending Y
    JOB_CLOSED = "job_closed"  # pause when the job closes or is filled
    END_DATE = "end_date"  # end on the campaign's end date


class CampaignRule(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "campaign_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ad_campaigns.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30))
    period: Mapped[str] = mapped_column(sa.String(10), default="campaign")  # or "week"
    max_applications: Mapped[int | None] = mapped_column(sa.Integer)
    max_cpa_cop: Mapped[int | None] = mapped_column(sa.BigInteger)
    min_spend_cop: Mapped[int | None] = mapped_column(sa.BigInteger)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(sa.String(100))

    firings: Mapped[list[RuleFiring]] = relationship(
        back_populates="rule", order_by="RuleFiring.id"
    )


class RuleFiring(db.Model):  # type: ignore[name-defined,misc]
    """A rule that fired, once per scope: the unique (rule, scope) is what makes it fire exactly
    once even when two evaluations race ("campaign", "week:2026-W49", "publication:12")."""

    __tablename__ = "rule_firings"
    __table_args__ = (sa.UniqueConstraint("rule_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_rules.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(30))
    publication_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("platform_publications.id", ondelete="CASCADE")
    )
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    rule: Mapped[CampaignRule] = relationship(back_populates="firings")
