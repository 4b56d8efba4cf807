"""Campaigns, their target segments and per-platform publications (results: adflux.results)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

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
    # The arm's tree was ended on its platform (its segment taken off the campaign, the campaign
    # archived); its figures and history stay.
    ENDED = "ended"


class Pacing(enum.StrEnum):
    """How a campaign with a total budget spends it: spread evenly over its days, or each day as
    much as its daily cap and the market allow until the total is spent."""

    EVEN = "even"
    FAST = "fast"


# The arm of a publication that aims at the campaign's whole audience (places and keywords, or
# a pre-arms campaign's segments together); the others are SEGMENT_ARM % id and JOB_AUDIENCE_ARM.
CAMPAIGN_ARM = "campaign"
# The parts of an arm's desired state a change can touch, in the order a platform applies them.
BUDGET, SCHEDULE, TARGETING, CREATIVE = "budget", "schedule", "targeting", "creative"
CHANGE_PARTS = (BUDGET, SCHEDULE, TARGETING, CREATIVE)
JOB_AUDIENCE_ARM = "job-audience"
SEGMENT_ARM = "segment-%d"


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
        sa.CheckConstraint("total_budget_cop IS NULL OR total_budget_cop > 0", name="total_budget"),
        sa.CheckConstraint("pacing IN ('even', 'fast')", name="pacing"),
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
    # The most the campaign spends in a day, over all its arms together.
    daily_budget_cop: Mapped[int] = mapped_column(sa.BigInteger)
    # The most it spends over its whole life (None: no total, the daily cap alone), and how.
    total_budget_cop: Mapped[int | None] = mapped_column(sa.BigInteger)
    pacing: Mapped[str] = mapped_column(sa.String(10), default=Pacing.EVEN.value)
    # Whether the allocator moves the daily budget between the arms (else they keep their split).
    auto_allocate: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # The recruiter's own ad copy ({headline, description, primary_text}, each optional), in
    # place of what AdFlux writes from the job; None: AdFlux's copy.
    ad_copy: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    # Archived: ended on every platform, kept with its history, no longer changed or optimised.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    # Warnings computed once, when the campaign was created, as {rule, field, message} (the
    # message as its msgid and parameters: Advisory.to_json): how its segments fit the job (low
    # fit, none fitting), a job audience that age sets apart (acknowledged) or that nobody fits
    # yet. Kept rather than recomputed: a fit and a
    # job audience change with every new candidate and retraining, and a list of campaigns would
    # rank every job's segments again.
    creation_warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

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
        return compliance_warnings(
            {s.name: s.profile or {} for s in self.segments}, self.creation_warnings
        )

    @property
    def audience_warnings(self) -> list[Advisory]:
        """How its audience fits its job, as it was told when created (a segment of low fit, none
        fitting, a job audience nobody fits yet)."""
        return audience_warnings(self.creation_warnings)

    @property
    def warnings(self) -> list[Advisory]:
        """Every warning: the employment-ad ones first, then those about the fit."""
        return [*self.compliance_warnings, *self.audience_warnings]


def compliance_warnings(
    segment_profiles: Mapping[str, Mapping[str, Any]],
    creation_warnings: Sequence[Mapping[str, Any]],
) -> list[Advisory]:
    """A campaign's employment-ad warnings, from its segments' profiles (by name) and the
    warnings it was created with (`AdCampaign.compliance_warnings`, also for a campaign read as
    a row)."""
    return [
        *segment_advisories(segment_profiles),
        *(w for w in _created_with(creation_warnings) if w.rule in ACKNOWLEDGEABLE_WARNINGS),
    ]


def audience_warnings(creation_warnings: Sequence[Mapping[str, Any]]) -> list[Advisory]:
    """A campaign's warnings about how its audience fits its job, as it was told when created
    (`AdCampaign.audience_warnings`)."""
    return [w for w in _created_with(creation_warnings) if w.rule not in ACKNOWLEDGEABLE_WARNINGS]


def _created_with(creation_warnings: Sequence[Mapping[str, Any]]) -> list[Advisory]:
    return [Advisory.from_json(warning) for warning in creation_warnings or ()]


class PlatformPublication(TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """One arm of a campaign: its own tree on one platform, aimed at one segment (or at the job's
    audience, or at the campaign's places and keywords), with its own daily budget.

    One tree per arm rather than one ad set per segment under a shared platform campaign: Google
    Ads and X hold budgets on the campaign, so this is the one shape in which every platform holds
    each arm's budget, and each arm's report is its own tree's.

    Changes are declarative: an edit sets the desired state here and bumps `revision`; the
    change task pushes the whole desired state with `PlatformAdapter.update` and then sets
    `applied_revision`. Pushing twice is harmless, so a worker killed half-way is simply re-run.
    """

    __tablename__ = "platform_publications"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "platform", "arm_key"),
        sa.CheckConstraint("daily_budget_cop > 0", name="budget_positive"),
        sa.CheckConstraint("applied_revision <= revision", name="revisions"),
        # The relay looks for pending/publishing work by age.
        sa.Index("ix_platform_publications_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("ad_campaigns.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(sa.String(20))
    arm_key: Mapped[str] = mapped_column(sa.String(40), default=CAMPAIGN_ARM)
    # The arm's segment; None for the job-audience and whole-campaign arms.
    segment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("segments.id", ondelete="RESTRICT"), index=True
    )
    # The arm's daily budget as AdFlux decided it (what the platform holds once applied), and
    # the one the platform was last seen to accept (None before publishing): a change the
    # platform refuses puts the decision back to it, so AdFlux never counts on money the
    # platform does not spend.
    daily_budget_cop: Mapped[int] = mapped_column(sa.BigInteger)
    held_daily_budget_cop: Mapped[int | None] = mapped_column(sa.BigInteger)
    revision: Mapped[int] = mapped_column(sa.Integer, default=0)
    # The parts of the desired state (CHANGE_PARTS) that revisions the platform does not hold yet
    # changed: a push sends those (and always the budget), never a creative or targeting nobody
    # touched (a new creative resets a platform's learning). None: the budget alone.
    pending_parts: Mapped[list[str] | None] = mapped_column(JSONType)
    applied_revision: Mapped[int] = mapped_column(sa.Integer, default=0)
    # The last change the platform refused or that failed, for people; cleared when one applies.
    change_error: Mapped[str | None] = mapped_column(sa.Text)
    change_error_field: Mapped[str | None] = mapped_column(sa.String(200))
    change_attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    # When the next push of a pending change is due (the relay re-sends what is due).
    change_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    segment: Mapped[Segment | None] = relationship(viewonly=True)

    @property
    def change_pending(self) -> bool:
        """A change AdFlux decided that the platform does not hold yet."""
        return self.applied_revision < self.revision

    @property
    def change_state(self) -> str:
        """How the arm's last change stands: "pending" (not held by the platform yet),
        "refused" (the platform said no; `change_error` says why) or "applied"."""
        return change_state(self.applied_revision, self.revision, self.change_error)

    def mark_changed(self, *parts: str) -> None:
        """Record a new desired state touching `parts`: a new revision for the change task."""
        self.revision = (self.revision or 0) + 1
        self.pending_parts = sorted({*(self.pending_parts or ()), *parts}, key=CHANGE_PARTS.index)


class PlatformCredential(db.Model):  # type: ignore[name-defined,misc]
    """Health of a platform's configured credential (the secret itself stays in the environment)."""

    __tablename__ = "platform_credentials"

    platform: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    healthy: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    message: Mapped[str | None] = mapped_column(sa.Text)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def change_state(applied_revision: int, revision: int, change_error: str | None) -> str:
    """`PlatformPublication.change_state` from its columns (also for an arm read as a row)."""
    if applied_revision < revision:
        return "pending"
    return "refused" if change_error else "applied"
