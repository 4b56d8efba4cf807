"""Segmentation runs (model versions), their segments and candidate membership."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adflux.db import JSONType, UTCDateTime, utcnow
from adflux.extensions import db


class RunStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SegmentationRun(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "segmentation_runs"
    __table_args__ = (
        # At most one active run: a partial unique index (PostgreSQL and SQLite both support it).
        sa.Index(
            "uq_segmentation_runs_one_active",
            "is_active",
            unique=True,
            postgresql_where=sa.text("is_active"),
            sqlite_where=sa.text("is_active"),
        ),
        # At most one training in flight: same trick on the in-flight statuses.
        sa.Index(
            "uq_segmentation_runs_one_in_flight",
            "in_flight",
            unique=True,
            postgresql_where=sa.text("in_flight"),
            sqlite_where=sa.text("in_flight"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=RunStatus.PENDING.value)
    in_flight: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    algorithm: Mapped[str] = mapped_column(sa.String(50), default="kmeans")
    k: Mapped[int | None] = mapped_column(sa.SmallInteger)
    k_min: Mapped[int] = mapped_column(sa.SmallInteger, default=2)
    k_max: Mapped[int] = mapped_column(sa.SmallInteger, default=10)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    features: Mapped[list[str]] = mapped_column(JSONType, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    candidate_count: Mapped[int | None] = mapped_column(sa.Integer)
    artifact_path: Mapped[str | None] = mapped_column(sa.String(500))
    projection: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    timings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    segments: Mapped[list[Segment]] = relationship(
        back_populates="run", order_by="Segment.cluster_index"
    )


class Segment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "segments"
    __table_args__ = (sa.UniqueConstraint("run_id", "cluster_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("segmentation_runs.id", ondelete="CASCADE"))
    cluster_index: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(sa.Integer, default=0)
    profile: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    run: Mapped[SegmentationRun] = relationship(back_populates="segments")


class SegmentMembership(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "segment_memberships"
    __table_args__ = (sa.Index("ix_segment_memberships_segment", "segment_id", "candidate_id"),)

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("segmentation_runs.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("segments.id", ondelete="CASCADE"))
