"""Segment audiences uploaded to a platform: the Ley 1581 trail of what left the process."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, UTCDateTime, utcnow
from adflux.extensions import db


class AudienceSync(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audience_syncs"
    __table_args__ = (sa.Index("ix_audience_syncs_segment_platform", "segment_id", "platform"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("segments.id", ondelete="RESTRICT"))
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("segmentation_runs.id", ondelete="RESTRICT"))
    platform: Mapped[str] = mapped_column(sa.String(20))
    external_audience_id: Mapped[str | None] = mapped_column(sa.String(100))
    uploaded_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    hash_schema: Mapped[str] = mapped_column(sa.String(100))
    receipt: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    requested_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
