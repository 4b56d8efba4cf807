"""A job feed import: where it came from, what it did, and what it refused or could not map."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import JSONType, UTCDateTime, utcnow
from adflux.extensions import db


class ImportStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the feed could not be read: nothing from it was kept


class FeedImport(db.Model):  # type: ignore[name-defined,misc]
    """One run of a feed import and its report (a failed run keeps the reason, nothing else)."""

    __tablename__ = "feed_imports"
    __table_args__ = (
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="status"),
        sa.Index("ix_feed_imports_feed_started", "feed", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed: Mapped[str] = mapped_column(sa.String(50))
    source: Mapped[str] = mapped_column(sa.String(2000))  # the URL, or the uploaded file's name
    full: Mapped[bool] = mapped_column(sa.Boolean)  # a full feed closes the jobs it no longer lists
    status: Mapped[str] = mapped_column(sa.String(10), default=ImportStatus.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    jobs_read: Mapped[int] = mapped_column(sa.Integer, default=0)
    added: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated: Mapped[int] = mapped_column(sa.Integer, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, default=0)
    reopened: Mapped[int] = mapped_column(sa.Integer, default=0)
    closed: Mapped[int] = mapped_column(sa.Integer, default=0)
    refused: Mapped[int] = mapped_column(sa.Integer, default=0)
    # What people read is stored as messages, {"msgid": ..., "params": {...}}
    # (adflux.i18n.messages.to_json), and read in the reader's language; rows written before
    # hold plain English text, shown as it is (from_stored).
    # [{"where": message, "external_ref": ..., "reasons": [message, ...]}], the first 1,000.
    refusals: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # {field: [{"value": the feed's text or a message, "jobs": n}, ...]}: values that took a
    # default, most frequent first.
    unmapped: Mapped[dict[str, list[dict[str, Any]]]] = mapped_column(JSONType, default=dict)
    campaigns_paused: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # campaign id -> platform -> messages, for pauses a platform refused.
    campaigns_not_paused: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    campaigns_created: Mapped[list[int]] = mapped_column(JSONType, default=list)
    warnings: Mapped[list[dict[str, Any] | str]] = mapped_column(JSONType, default=list)
    # A message's JSON, as text (plain text in rows written before).
    error: Mapped[str | None] = mapped_column(sa.Text)
