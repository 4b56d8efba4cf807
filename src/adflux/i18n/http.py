"""The language of an HTTP request: the dashboard's pages and the API's messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context, request

from adflux.i18n.catalogs import DEFAULT_LANGUAGE, LANGUAGES, translations
from adflux.i18n.labels import label
from adflux.i18n.messages import Message, from_stored, render, render_plural

_LANGUAGE_KEY = "adflux.language"


def request_language() -> str:
    """The reader's language by Accept-Language, decided once per request; Spanish by default
    and outside a request."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    # Kept with the request, not in `g`: an app context (a test's, a CLI's) may outlive many
    # requests in different languages.
    environ = request.environ
    if _LANGUAGE_KEY not in environ:
        environ[_LANGUAGE_KEY] = request.accept_languages.best_match(
            LANGUAGES, default=DEFAULT_LANGUAGE
        )
    return str(environ[_LANGUAGE_KEY])


def gettext(message: str, **params: object) -> str:
    """`message` in the request's language, its ``%(name)s`` placeholders filled in the
    reader's formats."""
    return render(message, params, request_language())


def ngettext(singular: str, plural: str, count: int, **params: object) -> str:
    """The singular or plural by the language's rule ("1 ciudad", "2 ciudades"); the message
    may show the count as ``%(count)s``."""
    return render_plural(singular, plural, count, params, request_language())


def localised(stored: Message | str | Mapping[str, Any] | None) -> str:
    """A message in the request's language ("" for None): a Message, or one a service stored
    (its JSON, JSON text, or the plain text of a row kept before messages were, shown as it was
    written)."""
    if stored is None:
        return ""
    message = stored if isinstance(stored, Message) else from_stored(stored)
    return message.render(request_language())


def pgettext(context: str, message: str) -> str:
    return str(translations(request_language()).pgettext(context, message))


def code_label(kind: str, code: str | None) -> str:
    """The label of a vocabulary's code in the request's language."""
    return label(kind, code, request_language())
