"""Dashboard sign-in: an API token checked once, then a signed session cookie.

The cookie holds the token's row id, its role and an absolute expiry, never the token itself.
Every request re-reads the token row, so revoking a token ends its dashboard sessions at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from flask import Flask, Request, current_app, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken, Role
from adflux.db import DbSession

F = TypeVar("F", bound=Callable[..., object])

SESSION_KEYS = ("uid", "role", "exp")
DEFAULT_LIFETIME = timedelta(hours=8)
# Where the API answers (the seed document's root endpoints take tokens too, but are few).
API_PATHS = "/api/"


@dataclass(frozen=True)
class WebUser:
    token_id: int
    name: str
    role: Role
    # Granted personal data: may ask to see candidates' names, e-mails and phones (audited).
    personal_data: bool = False
    holder: str | None = None  # who holds the token, as people read it

    @property
    def display_name(self) -> str:
        return self.holder or self.name

    def can(self, required: Role) -> bool:
        return self.role.allows(required)


class SessionExpired(Exception):
    """The session's absolute lifetime is over."""


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request itself came over HTTPS.

    Behind a TLS-terminating proxy the app must trust X-Forwarded-Proto (werkzeug's ProxyFix)
    for request.is_secure to be true; SESSION_COOKIE_SECURE=True forces it regardless.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # The API answers bearer tokens, never cookies: its requests get Flask's null session
        # (never saved) instead of a cookie read through a signer built for each request.
        if request.path.startswith(API_PATHS):
            return None
        return super().open_session(app, request)


def configure_session(app: Flask) -> None:
    settings = app.config.get("ADFLUX_SETTINGS")
    hours = getattr(settings, "web_session_hours", None)
    lifetime = app.config.get("WEB_SESSION_LIFETIME") or (
        timedelta(hours=hours) if hours else DEFAULT_LIFETIME
    )
    app.config.update(
        WEB_SESSION_LIFETIME=lifetime,
        PERMANENT_SESSION_LIFETIME=lifetime,
        SESSION_COOKIE_NAME="adflux_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.session_interface = _SessionInterface()


def lifetime() -> timedelta:
    return current_app.config["WEB_SESSION_LIFETIME"]  # type: ignore[no-any-return]


def sign_in(*, db_session: DbSession, token: str) -> WebUser | None:
    """Check `token` and start a session for it; None when it is unknown or revoked."""
    row = auth_service.authenticate(db_session=db_session, token=token.strip())
    if row is None or not Role(row.role).allows(Role.VIEWER):
        return None  # a token that may not read (the job site's) has no dashboard either
    # A fresh session: nothing from before sign-in (e.g. a planted value) survives.
    session.clear()
    session.permanent = True
    session["uid"] = row.id
    session["role"] = row.role
    session["exp"] = int(time.time() + lifetime().total_seconds())
    return WebUser(
        token_id=row.id,
        name=row.name,
        role=Role(row.role),
        personal_data=row.personal_data,
        holder=row.holder,
    )


def sign_out() -> None:
    session.clear()


def current_user(*, db_session: DbSession) -> WebUser | None:
    """The signed-in user, None when signed out or the token was revoked.

    Raises SessionExpired when the absolute lifetime is over (the cookie's own expiry only
    tells the browser; a copied cookie must stop working too).
    """
    token_id = session.get("uid")
    if token_id is None:
        return None
    if float(session.get("exp", 0)) < time.time():
        session.clear()
        raise SessionExpired
    row = db_session.get(ApiToken, int(token_id))
    if row is None or row.revoked_at is not None or not Role(row.role).allows(Role.VIEWER):
        session.clear()
        return None
    # The row is the authority on the role: a changed role applies to open sessions at once.
    return WebUser(
        token_id=row.id,
        name=row.name,
        role=Role(row.role),
        personal_data=row.personal_data,
        holder=row.holder,
    )


def requires(role: Role) -> Callable[[F], F]:
    """Mark a view with the least role allowed to POST to it (reads need only a session)."""

    def mark(func: F) -> F:
        func._web_required_role = role  # type: ignore[attr-defined]
        return func

    return mark


def required_role(view: Callable[..., object] | None) -> Role:
    # A write without an explicit marker needs the strongest role: a forgotten marker fails closed.
    return getattr(view, "_web_required_role", Role.ADMIN)


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
