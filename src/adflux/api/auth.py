"""Bearer-token authentication for /api/v1 and per-view role requirements."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, g, request

from adflux.auth import service as auth_service
from adflux.auth.models import Role
from adflux.context import actor_var
from adflux.errors import Forbidden, Unauthorized
from adflux.extensions import db
from adflux.i18n.messages import Code
from adflux.riding import Rider, rider

F = TypeVar("F", bound=Callable[..., object])

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def requires(role: Role) -> Callable[[F], F]:
    """Mark a view method with the least role allowed to call it."""

    def mark(func: F) -> F:
        func._required_role = role  # type: ignore[attr-defined]
        return func

    return mark


def read_only(func: F) -> F:
    """Mark a list read that writes nothing, answered in one round trip where it can be.

    It runs without a transaction around it: under READ COMMITTED each statement has its own
    snapshot in a transaction too, so one gave such a read nothing, and cost two round trips
    per request (BEGIN, ROLLBACK) beside its queries. Its token is checked by the page query
    itself (`riding.rider`): the token's row is read in the same statement, from the same
    snapshot, so a revocation holds at once as with a query of its own. The view's answer, or
    its error, is given only once the token is known good: where no page with rows was read,
    the token is checked then with a query of its own.
    """
    checked = _answered_for_a_valid_token(func)
    checked._read_only = True  # type: ignore[attr-defined]
    return checked


def one_statement(func: F) -> F:
    """Mark a write made of one statement (and, for a resend, one read) that checks the token
    itself: atomic by itself, it runs without a transaction around it, on a connection that
    commits each statement (`db.self_committing_connection`), saving the BEGIN and COMMIT round
    trips, and the token rides on it as on a list's page (`read_only`).

    The view's statement must carry the rider's columns and its guard (`riding.riding_guard`),
    so that it writes nothing for a token that is unknown, revoked or without the view's role.
    Where it wrote nothing (a resend, a refused token), the token is checked with a query of its
    own before anything is answered.
    """
    checked = _answered_for_a_valid_token(func)
    checked._one_statement = True  # type: ignore[attr-defined]
    return checked


def _answered_for_a_valid_token(func: F) -> F:
    @functools.wraps(func)
    def answered_for_a_valid_token(*args: Any, **kwargs: Any) -> Any:
        try:
            answer = func(*args, **kwargs)
        except Exception:
            caller()  # a bad token is told so, not what the view found (a 404, a 422)
            raise
        caller()
        return answer

    return answered_for_a_valid_token  # type: ignore[return-value]


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
    forget_caller(None)  # a test's app context outlives its requests: start from nothing
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    method = _view_method()
    read_only = request.method in _READ_METHODS and getattr(method, "_read_only", False)
    # The session's reads run without a transaction; a one-statement write does not use it.
    g.autocommit = read_only
    g.bearer_token = token.strip()
    if read_only:
        _without_transaction()
    if read_only or getattr(method, "_one_statement", False):
        # Checked by the view's statement (or by `caller()` once the view is done).
        guard = auth_service.identity_guard(_required_role())
        g.rider_token = rider.set(
            Rider(*auth_service.identity_columns(g.bearer_token), guard=guard)
        )
        return
    caller()


def caller() -> auth_service.Identity:
    """Who the request's token speaks for, checked against the database in this request: from
    the page query it rode on, or with a query of its own. Unauthorized when the token is
    unknown or revoked, Forbidden when its role is not enough for the view."""
    if "api_token" in g:
        return g.api_token  # type: ignore[no-any-return]
    held = db.session().in_transaction()  # a view's autocommit connection, before its end
    riding = rider.get()
    if riding is not None and riding.values is not None:
        identity = auth_service.identity_from(db.session, riding.values)
    else:
        identity = auth_service.authenticate(db_session=db.session, token=g.bearer_token)
    if g.autocommit and held:
        _without_transaction()  # again, if recording the token's last use committed
    if identity is None:
        raise Unauthorized("invalid or revoked token")
    required = _required_role()
    if not Role(identity.role).allows(required):
        raise Forbidden(
            "this needs the %(required)s role; your token has %(role)s",
            required=Code("role", required.value),
            role=Code("role", identity.role),
        )
    g.api_token = identity
    g.actor_token = actor_var.set(f"{auth_service.TOKEN_ACTOR_PREFIX}{identity.name}")
    return identity


def forget_caller(_exc: BaseException | None) -> None:
    """At the end of a request: the next one in this thread starts with no caller and no
    rider."""
    for name in ("api_token", "bearer_token", "autocommit"):
        g.pop(name, None)
    token = g.pop("rider_token", None)
    if token is not None:
        rider.reset(token)
