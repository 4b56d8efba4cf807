"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.auth.models import ApiToken, Role
from adflux.db import DbSession, utcnow
from adflux.errors import Conflict, NotFound, ValidationFailed

TOKEN_PREFIX = "adf_"


@dataclass(frozen=True)
class Identity:
    """Who a valid token speaks for (never the token itself)."""

    id: int
    name: str
    role: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, db_session: DbSession, name: str, role: str) -> tuple[ApiToken, str]:
    """Store a new token's hash and return the row with the plain token (shown once)."""
    try:
        role_value = Role(role).value
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            f"unknown role {role!r}", fields={"role": [f"must be one of: {valid}"]}
        ) from None
    if not name.strip():
        raise ValidationFailed("token name is empty", fields={"name": ["required"]})
    if db_session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise Conflict(f"a token named {name!r} already exists", fields={"name": ["taken"]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role_value, token_hash=hash_token(plain), prefix=plain[:10])
    db_session.add(token)
    db_session.flush()
    audit.record(
        db_session=db_session,
        action="token.create",
        entity_type="api_token",
        entity_id=token.id,
        details={"name": name, "role": role_value},
    )
    db_session.commit()
    return token, plain


def authenticate(*, db_session: DbSession, token: str) -> Identity | None:
    """Who ``token`` speaks for, or None when it is unknown or revoked; records last use.

    Checked against the database on every call, so a revocation takes effect at once in every
    process (a cache would save one indexed query per request at the cost of that guarantee).
    """
    row = db_session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    used = utcnow()
    # Throttle the write: one update per minute per token is plenty for "last used".
    if row.last_used_at is None or (used - row.last_used_at).total_seconds() > 60:
        row.last_used_at = used
        db_session.commit()
    return Identity(id=row.id, name=row.name, role=row.role)


def list_tokens(*, db_session: DbSession) -> list[ApiToken]:
    return list(db_session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def revoke_token(*, db_session: DbSession, name: str) -> ApiToken:
    token = db_session.scalar(sa.select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(f"no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            db_session=db_session,
            action="token.revoke",
            entity_type="api_token",
            entity_id=token.id,
            details={"name": name},
        )
        db_session.commit()
    return token
