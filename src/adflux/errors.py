"""The domain error vocabulary. ``api/errors.py`` maps it to HTTP in one place.

A message is an English catalog msgid with ``%(name)s`` placeholders, given its parameters as
keywords (never an f-string: the catalog could not hold it); field messages are msgids too, filled
by the same parameters, or Messages with parameters of their own. The entry layer renders both in
the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adflux.i18n.catalogs import SOURCE_LANGUAGE
from adflux.i18n.messages import Message, localise, render


class AdfluxError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    status = 500

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, Sequence[str | Message]] | None = None,
        **params: object,
    ):
        self.template = message
        self.params = params
        self.field_templates = {name: list(msgs) for name, msgs in (fields or {}).items()}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The message in English, for logs."""
        return render(self.template, self.params, SOURCE_LANGUAGE)

    @property
    def fields(self) -> dict[str, list[str]]:
        return self.localised_fields(SOURCE_LANGUAGE)

    def field_messages(self) -> dict[str, list[str | Message]]:
        """The field messages with their parameters, to merge into another error's fields."""
        return {
            name: [
                template if isinstance(template, Message) else Message(template, **self.params)
                for template in templates
            ]
            for name, templates in self.field_templates.items()
        }

    def localised(self, language: str) -> str:
        return render(self.template, self.params, language)

    def localised_fields(self, language: str) -> dict[str, list[str]]:
        return {
            name: [
                localise(template, language)
                if isinstance(template, Message)
                else render(template, self.params, language)
                for template in templates
            ]
            for name, templates in self.field_templates.items()
        }


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
