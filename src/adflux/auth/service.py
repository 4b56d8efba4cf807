"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.auth.models import ApiToken, Role
from adflux.db import DbSession, utcnow, write_or_recheck
from adflux.errors import Conflict, NotFound, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message

TOKEN_PREFIX = "adf_"
# Letters, digits, dot, dash and underscore, starting with a letter or digit: every name is one
# path segment as typed (no "/", no "." or ".."), the same rule in the API schema and the CLI.
TOKEN_NAME_MAX = 100
TOKEN_NAME_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{TOKEN_NAME_MAX - 1}}}$"
TOKEN_NAME_RE = re.compile(TOKEN_NAME_PATTERN)
# A catalog message (the API's schema shows it too), so TOKEN_NAME_MAX is written out in it.
TOKEN_NAME_RULE = N_(
    "1 to 100 letters (A-Z, a-z), digits, '.', '-' or '_', starting with a letter or digit"
)


@dataclass(frozen=True)
class Identity:
    """Who a valid token speaks for (never the token itself)."""

    id: int
    name: str
    role: str
    personal_data: bool = False
    holder: str | None = None  # who holds the token, as people read it


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *,
    db_session: DbSession,
    name: str,
    role: str,
    personal_data: bool = False,
    holder: str | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token's hash and return the row with the plain token (shown once).

    ``personal_data`` grants reading candidates' names, e-mails and phones unmasked (each read
    audited); without it they are masked in every answer."""
    try:
        role_value = Role(role).value
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            "unknown role '%(role)s'",
            fields={"role": [N_("must be one of: %(valid)s")]},
            role=role,
            valid=valid,
        ) from None
    check_token_name(name)
    _ensure_name_free(db_session, name)

    def insert() -> tuple[ApiToken, str]:
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            name=name,
            role=role_value,
            personal_data=personal_data,
            holder=_checked_holder(holder),
            token_hash=hash_token(plain),
            prefix=plain[:10],
        )
        db_session.add(token)
        db_session.flush()
        audit.record(
            db_session=db_session,
            action="token.create",
            entity_type="api_token",
            entity_id=token.id,
            details={"name": name, "role": role_value, "personal_data": personal_data},
        )
        db_session.commit()
        return token, plain

    # Two creates of one name at once: the loser gets the same 409 as a sequential create.
    return write_or_recheck(db_session, insert, recheck=lambda: _ensure_name_free(db_session, name))


def check_token_name(name: str) -> None:
    """A name is one URL path segment as typed (``/tokens/<name>/revoke``): a safe alphabet."""
    if not TOKEN_NAME_RE.fullmatch(name):
        raise ValidationFailed(
            "token name '%(name)s' is not allowed: use %(rule)s",
            fields={"name": [TOKEN_NAME_RULE]},
            name=name,
            rule=Message(TOKEN_NAME_RULE),
        )


def _ensure_name_free(db_session: DbSession, name: str) -> None:
    if db_session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise Conflict(
            "a token named '%(name)s' already exists", fields={"name": [N_("taken")]}, name=name
        )


_tokens = ApiToken.__table__
# Who a token speaks for, in the order `_identity` takes it.
_IDENTITY_COLUMNS = ("id", "name", "role", "personal_data", "holder", "last_used_at")
# Built once: the statement was rebuilt (and its cache key computed) on every request.
_ACTIVE_TOKEN = sa.select(*(_tokens.c[name] for name in _IDENTITY_COLUMNS)).where(
    _tokens.c.token_hash == sa.bindparam("token_hash"), _tokens.c.revoked_at.is_(None)
)
_MARK_USED = (
    sa.update(_tokens)
    .where(_tokens.c.id == sa.bindparam("token_id"))
    .values(last_used_at=sa.bindparam("used"))
)


def authenticate(*, db_session: DbSession, token: str) -> Identity | None:
    """Who ``token`` speaks for, or None when it is unknown or revoked; records last use.

    Checked against the database on every call, so a revocation takes effect at once in every
    process (a cache would save one indexed query per request at the cost of that guarantee;
    `identity_columns` saves it by riding on the request's own query instead).
    The columns are read as a row, not an ApiToken: building and tracking an entity cost more
    than the query itself.
    """
    row = db_session.execute(_ACTIVE_TOKEN, {"token_hash": hash_token(token)}).first()
    return None if row is None else _identity(db_session, *row)


# The same as columns another query can carry: each a scalar subquery of the active token whose
# hash is the parameter "_token_hash" (NULL when it is unknown or revoked), which PostgreSQL runs
# once per statement, whatever the rows. Built once: built per request, they cost a fifth of a
# list read.
_IDENTITY_RIDERS = tuple(
    sa.select(_tokens.c[name])
    .where(_tokens.c.token_hash == sa.bindparam("_token_hash"), _tokens.c.revoked_at.is_(None))
    .scalar_subquery()
    .label(f"_token_{name}")
    for name in _IDENTITY_COLUMNS
)


def identity_columns(token: str) -> tuple[tuple[sa.ColumnElement[Any], ...], dict[str, str]]:
    """The columns that say who ``token`` speaks for, to add to another query, and the
    parameters to run it with. Read back with `identity_from`."""
    return _IDENTITY_RIDERS, {"_token_hash": hash_token(token)}


@functools.cache
def identity_guard(required: Role) -> sa.ColumnElement[bool]:
    """The condition, on the parameters of `identity_columns`, that the token is active and its
    role allows `required`: a write that carries it stores nothing for any other token."""
    role = _IDENTITY_RIDERS[_IDENTITY_COLUMNS.index("role")].element
    # Each role a parameter of its own: a list would be an "expanding" one, rendered into the
    # statement anew at every execution.
    return role.in_([sa.literal(allowed.value) for allowed in Role if allowed.allows(required)])


def identity_from(db_session: DbSession, values: Sequence[Any]) -> Identity | None:
    """Who the token of `identity_columns` speaks for, from those columns' values in a row (None
    when it is unknown or revoked); records last use as `authenticate` does."""
    return None if values[0] is None else _identity(db_session, *values)


def _identity(
    db_session: DbSession,
    token_id: int,
    name: str,
    role: str,
    personal_data: bool,
    holder: str | None,
    last_used_at: datetime | None,
) -> Identity:
    used = utcnow()
    # Throttle the write: one update per minute per token is plenty for "last used".
    if last_used_at is None or (used - last_used_at).total_seconds() > 60:
        db_session.execute(_MARK_USED, {"token_id": token_id, "used": used})
        db_session.commit()
    return Identity(
        id=token_id, name=name, role=role, personal_data=bool(personal_data), holder=holder
    )


def list_tokens(*, db_session: DbSession) -> list[ApiToken]:
    return list(db_session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def revoke_token(*, db_session: DbSession, name: str) -> ApiToken:
    """Revoke a token; revoking a revoked one is a no-op. The last active admin token is kept.

    Without an admin token nobody can create or revoke tokens any more through the API, the CLI's
    local token included, so the last one is refused (409) until another admin token exists.
    """
    token = db_session.scalar(sa.select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(
            "no token named '%(name)s'", fields={"name": [N_("unknown token")]}, name=name
        )
    if token.revoked_at is not None:
        return token
    admin = Role.ADMIN.value
    active_admins = sa.and_(ApiToken.role == admin, ApiToken.revoked_at.is_(None))
    revoke = sa.update(ApiToken).where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
    if token.role == admin:
        # Two admins revoking each other's token at once must not leave none. PostgreSQL: lock
        # the active admin rows, so the second revocation waits and then sees the first. SQLite
        # ignores FOR UPDATE but runs each write statement alone, so the condition in the UPDATE
        # itself is decided on the latest committed state. Locked in id order: no deadlock.
        db_session.execute(
            sa.select(ApiToken.id).where(active_admins).order_by(ApiToken.id).with_for_update()
        ).all()
        others = (
            sa.select(sa.func.count())
            .select_from(ApiToken)
            .where(active_admins, ApiToken.id != token.id)
            .scalar_subquery()
        )
        revoke = revoke.where(others > 0)
    revoked = db_session.execute(revoke.values(revoked_at=utcnow()))
    if revoked.rowcount == 0:  # type: ignore[attr-defined]
        db_session.rollback()
        db_session.refresh(token)
        if token.revoked_at is not None:  # a concurrent revocation of the same token won
            return token
        raise Conflict(
            "token '%(name)s' is the last active admin token and cannot be revoked: without it "
            "nobody could manage tokens; create another admin token first "
            "(adflux token create --role admin), then revoke this one",
            fields={"name": [N_("last active admin token")]},
            name=name,
        )
    audit.record(
        db_session=db_session,
        action="token.revoke",
        entity_type="api_token",
        entity_id=token.id,
        details={"name": name},
    )
    db_session.commit()
    db_session.refresh(token)
    return token


HOLDER_MAX = 100


def _checked_holder(holder: str | None) -> str | None:
    """A holder's name as people will read it: trimmed, printable, at most 100 characters."""
    if holder is None or not holder.strip():
        return None
    cleaned = " ".join(holder.split())
    if len(cleaned) > HOLDER_MAX or not cleaned.isprintable():
        raise ValidationFailed(
            "invalid holder",
            fields={"holder": [N_("at most %(max)s printable characters")]},
            max=HOLDER_MAX,
        )
    return cleaned


TOKEN_ACTOR_PREFIX = "token:"  # how audit entries and created_by name a token (api/auth.py)


def actor_name(*, db_session: DbSession, actor: str | None) -> str | None:
    """How people read who did something: a token's holder when it names one ("token:<name>"
    is how rows record a token), else the token's name; any other actor as recorded."""
    if not actor or not actor.startswith(TOKEN_ACTOR_PREFIX):
        return actor
    name = actor.removeprefix(TOKEN_ACTOR_PREFIX)
    holder = db_session.scalar(sa.select(ApiToken.holder).where(ApiToken.name == name))
    return holder or name
