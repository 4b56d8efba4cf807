"""The domain error vocabulary. ``api/errors.py`` maps it to HTTP in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class AdfluxError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, fields: Mapping[str, Sequence[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = {name: list(msgs) for name, msgs in (fields or {}).items()}


class ValidationFailed(AdfluxError):
    code = "validation_error"
    status = 422


class NotFound(AdfluxError):
    code = "not_found"
    status = 404


class Conflict(AdfluxError):
    code = "conflict"
    status = 409


class Unauthorized(AdfluxError):
    code = "unauthorized"
    status = 401


class Forbidden(AdfluxError):
    code = "forbidden"
    status = 403


class ServiceUnavailable(AdfluxError):
    code = "service_unavailable"
    status = 503
