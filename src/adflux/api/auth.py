"""Bearer-token authentication for /api/v1 and per-view role requirements."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app, g, request

from adflux.auth import service as auth_service
from adflux.auth.models import Role
from adflux.context import actor_var
from adflux.errors import Forbidden, Unauthorized
from adflux.extensions import db
from adflux.i18n.messages import Code

F = TypeVar("F", bound=Callable[..., object])

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def requires(role: Role) -> Callable[[F], F]:
    """Mark a view method with the least role allowed to call it."""

    def mark(func: F) -> F:
        func._required_role = role  # type: ignore[attr-defined]
        return func

    return mark


def read_only(func: F) -> F:
    """Mark a read that writes nothing: it runs without a transaction around it. Under READ
    COMMITTED each statement has its own snapshot in a transaction too, so one gave such a read
    nothing, and cost two round trips per request (BEGIN, ROLLBACK) beside its queries."""
    func._read_only = True  # type: ignore[attr-defined]
    return func


def one_statement(func: F) -> F:
    """Mark a write made of one statement (and, for a resend, one read): atomic by itself, it
    runs without a transaction around it, saving the BEGIN and COMMIT round trips."""
    func._one_statement = True  # type: ignore[attr-defined]
    return func


def _view_method() -> object:
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, request.method.lower(), None) if view_class else view


def _without_transaction() -> None:
    """The session's next connection in autocommit, unless it holds one already.

    A session bound to an engine takes a connection of its own, in autocommit when asked before
    its first statement (or after a commit released it). One bound to a connection (a test's
    transaction) keeps that connection as it is."""
    session = db.session()
    if not session.in_transaction() and isinstance(session.get_bind(), sa.Engine):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _required_role() -> Role:
    method = _view_method()
    declared = getattr(method, "_required_role", None)
    if declared is not None:
        return declared  # type: ignore[no-any-return]
    # Writes without an explicit role need the strongest one: forgetting a marker fails closed.
    return Role.VIEWER if request.method in _READ_METHODS else Role.ADMIN


def authenticate_request() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    method = _view_method()
    autocommit = getattr(method, "_one_statement", False) or (
        request.method in _READ_METHODS and getattr(method, "_read_only", False)
    )
    if autocommit:
        _without_transaction()
    row = auth_service.authenticate(db_session=db.session, token=token.strip())
    if autocommit:
        _without_transaction()  # again, if recording the token's last use committed
    if row is None:
        raise Unauthorized("invalid or revoked token")
    required = _required_role()
    if not Role(row.role).allows(required):
        raise Forbidden(
            "this needs the %(required)s role; your token has %(role)s",
            required=Code("role", required.value),
            role=Code("role", row.role),
        )
    g.api_token = row
    g.actor_token = actor_var.set(f"{auth_service.TOKEN_ACTOR_PREFIX}{row.name}")
