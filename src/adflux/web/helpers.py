"""Small pieces every dashboard view uses: paging, the signed-in user, domain errors as flashes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, g, request

from adflux.auth.models import Role
from adflux.errors import AdfluxError
from adflux.web.session import WebUser

PAGE_SIZE = 20


@dataclass(frozen=True)
class Pager:
    page: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.size)


def requested_page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def user() -> WebUser:
    return g.web_user  # type: ignore[no-any-return]


def can_operate() -> bool:
    return "web_user" in g and user().can(Role.OPERATOR)


def flash_domain_error(error: AdfluxError) -> dict[str, list[str]]:
    """Show a service's refusal with the fields it names; returns them for the form."""
    # The session stores flashes as JSON, so a mapping travels as well as a string.
    flash({"message": error.message, "fields": error.fields}, "error")  # type: ignore[arg-type]
    return error.fields
