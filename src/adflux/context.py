"""Who is acting and under which request id, for logs and the audit log.

Context variables work the same in a request thread, a Celery task and a CLI command.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "adflux_request_id", default=None
)
actor_var: contextvars.ContextVar[str] = contextvars.ContextVar("adflux_actor", default="system")


@contextmanager
def acting_as(actor: str, *, request_id: str | None = None) -> Iterator[None]:
    """Run a block on behalf of ``actor`` (a token name, ``cli``, ``worker``...)."""
    actor_token = actor_var.set(actor)
    request_token = request_id_var.set(request_id)
    try:
        yield
    finally:
        actor_var.reset(actor_token)
        request_id_var.reset(request_token)
