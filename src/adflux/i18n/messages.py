"""Messages that services write once, in English, and entry layers render in the reader's language.

A message is a catalog msgid with ``%(name)s`` placeholders and its parameters, kept apart until
it is shown, so numbers, money and codes take the reader's formats and labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from adflux.i18n import formats
from adflux.i18n.catalogs import SOURCE_LANGUAGE, translations
from adflux.i18n.labels import label


@dataclass(frozen=True, slots=True)
class Code:
    """A parameter that is a code of a vocabulary: rendered by its label."""

    kind: str
    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class Money:
    """A parameter that is an amount of Colombian pesos."""

    amount: int | float | Decimal

    def __str__(self) -> str:
        return formats.money(self.amount, SOURCE_LANGUAGE)


def display(value: object, language: str) -> str:
    """How a parameter reads in `language`."""
    if isinstance(value, Code):
        return label(value.kind, value.code, language)
    if isinstance(value, Money):
        return formats.money(value.amount, language)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return formats.number(value, language, decimals=None if isinstance(value, int) else 2)
    if isinstance(value, datetime | date):
        return formats.moment(value, language)
    return str(value)


def render(template: str, params: Mapping[str, object], language: str) -> str:
    """`template` translated into `language`, its placeholders filled by `params`."""
    text = translations(language).gettext(template)
    if not params:
        return text
    return text % {name: display(value, language) for name, value in params.items()}


def render_plural(
    singular: str, plural: str, count: int, params: Mapping[str, object], language: str
) -> str:
    """The singular or the plural by `language`'s rule ("1 ciudad", "2 ciudades"), translated,
    its placeholders filled; ``%(count)s`` shows the count."""
    text = translations(language).ngettext(singular, plural, count)
    return text % {
        name: display(value, language) for name, value in {"count": count, **params}.items()
    }
