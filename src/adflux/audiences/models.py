"""Audiences uploaded to a platform (a segment's, or a job's own most likely candidates): the
Ley 1581 trail of what left the process."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, UTCDateTime, utcnow
from adflux.extensions import db


class AudienceSync(db.Model):  # type: ignore[name-defined,misc]
    """One upload to one platform audience: of a segment (segment_id, run_id) or of a job's own
    audience (job_id, and the size asked for), never both."""

    __tablename__ = "audience_syncs"
    __table_args__ = (
        sa.Index("ix_audience_syncs_segment_platform", "segment_id", "platform"),
        sa.Index("ix_audience_syncs_job_platform", "job_id", "platform"),
        sa.CheckConstraint("(segment_id IS NULL) <> (job_id IS NULL)", name="one_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("segments.id", ondelete="RESTRICT")
    )
    run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("segmentation_runs.id", ondelete="RESTRICT")
    )
    job_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("job_openings.id", ondelete="RESTRICT")
    )
    # A job audience's N: the most likely candidates it was asked to hold.
    size: Mapped[int | None] = mapped_column(sa.Integer)
    platform: Mapped[str] = mapped_column(sa.String(20))
    external_audience_id: Mapped[str | None] = mapped_column(sa.String(100))
    uploaded_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    hash_schema: Mapped[str] = mapped_column(sa.String(100))
    receipt: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    requested_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberState:
    SENT = "sent"  # on the platform audience, as far as AdFlux knows
    REMOVING = "removing"  # to be removed from it; the row goes once the platform accepted that


class AudienceMember(db.Model):  # type: ignore[name-defined,misc]
    """One candidate's hashes as sent to one platform audience: what a delta refresh compares with,
    and what a withdrawal or deletion removes (hashed exactly as they were added).

    A `removing` row outlives its candidate (candidate_id set to NULL on deletion) only until the
    platform has accepted the removal; then it is deleted, hashes and all.
    """

    __tablename__ = "audience_members"
    __table_args__ = (
        sa.Index("ix_audience_members_audience", "platform", "external_audience_id", "state"),
        sa.Index("ix_audience_members_candidate", "candidate_id"),
        # One current row per candidate and audience; removals pending for it may sit beside it.
        sa.Index(
            "uq_audience_members_sent",
            "platform",
            "external_audience_id",
            "candidate_id",
            unique=True,
            postgresql_where=sa.text("state = 'sent'"),
            sqlite_where=sa.text("state = 'sent'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(sa.String(20))
    external_audience_id: Mapped[str] = mapped_column(sa.String(100))
    candidate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="SET NULL")
    )
    email_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    phone_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(10), default=MemberState.SENT)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
