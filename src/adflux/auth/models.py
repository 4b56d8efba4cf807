"""API tokens: only a SHA-256 of the token is stored, never the token."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from adflux.db import UTCDateTime, utcnow
from adflux.extensions import db


class Role(enum.StrEnum):
    """viewer < operator < admin, each allowed what the one before is; and `applications`, the
    job site's narrow role beside that ladder: it may only send applications (which an admin may
    also do, e.g. a bulk import), and nothing else, not even read."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"
    APPLICATIONS = "applications"

    @property
    def rank(self) -> int:
        return _LADDER.index(self) if self in _LADDER else -1

    def allows(self, required: Role) -> bool:
        if required is Role.APPLICATIONS:
            return self in (Role.APPLICATIONS, Role.ADMIN)
        return self in _LADDER and self.rank >= required.rank


_LADDER = (Role.VIEWER, Role.OPERATOR, Role.ADMIN)


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    # Granted personal data (Ley 1581 de 2012): may ask to read candidates' names, e-mails and
    # phones unmasked, each read audited. Beside the role ladder: an admin is not granted it
    # by being an admin.
    personal_data: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    # Who holds the token, as people read it ("Ana Gómez", "Sitio de empleo"); the name is the
    # token's identifier in commands and audit entries.
    holder: Mapped[str | None] = mapped_column(sa.String(100))
    # Tokens are 256-bit random values, so a fast unsalted hash is enough to make a leak useless.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
