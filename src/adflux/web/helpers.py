"""Small pieces every dashboard view uses: paging, the signed-in user, domain errors as flashes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, g, request
from flask_wtf import FlaskForm

from adflux.auth.models import Role
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.i18n.http import gettext, request_language
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


def flash_refusal(message: str, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Show a refusal with the fields it names; returns them for the form."""
    # The session stores flashes as JSON, so a mapping travels as well as a string.
    flash({"message": message, "fields": fields}, "error")  # type: ignore[arg-type]
    return fields


def flash_domain_error(error: AdfluxError) -> dict[str, list[str]]:
    """Show a service's refusal, in the reader's language, with the fields it names."""
    language = request_language()
    return flash_refusal(error.localised(language), error.localised_fields(language))


def flash_form_errors(form: FlaskForm) -> dict[str, list[str]]:
    """Show what a form's own validation refused."""
    errors = {name: [str(text) for text in messages] for name, messages in form.errors.items()}
    return flash_refusal(gettext("Please check these fields:"), errors)


def run_or_flash(operation: Callable[[], object]) -> bool:
    """Run a form's service call; False when the service refused it (the refusal flashed, the
    session rolled back). A 404 is raised: the page answers it."""
    try:
        operation()
    except AdfluxError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash_domain_error(exc)
        return False
    return True
