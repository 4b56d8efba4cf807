"""Writing audit entries; always inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from adflux.audit.models import AuditLog
from adflux.context import actor_var, request_id_var
from adflux.db import DbSession


def record(
    *,
    db_session: DbSession,
    action: str,
    entity_type: str,
    entity_id: object | None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit entry for the current actor and request; committed with the caller's work."""
    entry = AuditLog(
        actor=actor_var.get(),
        request_id=request_id_var.get(),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        details=details or {},
    )
    db_session.add(entry)
    return entry
