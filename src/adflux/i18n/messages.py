"""Messages that services write once, in English, and entry layers render in the reader's language.

A message is a catalog msgid with ``%(name)s`` placeholders and its parameters, kept apart until
it is shown, so numbers, money and codes take the reader's formats and labels. One that depends on
a count is a PluralMessage (ngettext's rule of the language). A message kept in the database is
stored as ``to_json`` writes it and read back with ``from_json`` (``db.MessageType``); texts
stored before there were msgids come back as a Verbatim, shown as they were written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from babel.lists import format_list

from adflux.i18n import formats
from adflux.i18n.catalogs import DEFAULT_LANGUAGE, LOCALES, SOURCE_LANGUAGE, translations
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


@dataclass(frozen=True, slots=True)
class Choices:
    """A parameter that lists codes of a vocabulary: "Meta, Google Ads o X" (``conjunction``
    "or") or "Meta, Google Ads y X" ("and"), each by its label, joined by the language's rule.
    A `kind` of None lists the values as they are (field names, columns...)."""

    kind: str | None
    codes: Sequence[str]
    conjunction: Literal["and", "or"] = "and"

    def __str__(self) -> str:
        return self.render(SOURCE_LANGUAGE)

    def render(self, language: str) -> str:
        items = [label(self.kind, c, language) if self.kind else c for c in self.codes]
        return format_list(
            items, style="standard" if self.conjunction == "and" else "or", locale=LOCALES[language]
        )


@dataclass(frozen=True, slots=True)
class MidSentence:
    """A parameter that continues a sentence: a label or a sentence of its own, started in lower
    case ("candidates in sales", "...: no member of the segment...")."""

    value: object

    def __str__(self) -> str:
        return display(self, SOURCE_LANGUAGE)


def in_sentence(text: str) -> str:
    """`text` continued mid-sentence ("Ventas" -> "ventas"); an acronym or a number keeps its
    form ("TI")."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def display(value: object, language: str) -> str:
    """How a parameter reads in `language`."""
    if isinstance(value, Code):
        return label(value.kind, value.code, language)
    if isinstance(value, MidSentence):
        return in_sentence(display(value.value, language))
    if isinstance(value, Money):
        return formats.money(value.amount, language)
    if isinstance(value, Choices):
        return value.render(language)
    if isinstance(value, Message):
        return value.render(language)
    if isinstance(value, list | tuple):  # several reasons: "a; b"
        return "; ".join(display(item, language) for item in value)
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
    return text % {name: _shown(name, value, language) for name, value in params.items()}


def render_plural(
    singular: str, plural: str, count: int, params: Mapping[str, object], language: str
) -> str:
    """The singular or the plural by `language`'s rule ("1 ciudad", "2 ciudades"), translated,
    its placeholders filled; ``%(count)s`` shows the count."""
    text = translations(language).ngettext(singular, plural, count)
    return text % {
        name: _shown(name, value, language) for name, value in {"count": count, **params}.items()
    }


# Parameters that name a row by its number wherever messages use them ("campaign %(campaign)s").
ID_PARAMS = frozenset(
    {"id", "job", "campaign", "run", "rule", "segment", "candidate", "template", "import"}
)


def _shown(name: str, value: object, language: str) -> str:
    # An identifier is shown as it is written in URLs and commands: campaign 12345, not 12.345.
    if (name in ID_PARAMS or name.endswith("_id")) and isinstance(value, int):
        return str(value)
    return display(value, language)


class Message:
    """A message kept for later: its msgid and parameters, rendered in whichever language the
    reader wants (``Message("%(platform)s needs at least %(amount)s per day", ...)``). A
    parameter may itself be a Message: a reason inside a sentence."""

    __slots__ = ("params", "template")

    def __init__(self, template: str, /, **params: object):
        self.template = template
        self.params = params

    def render(self, language: str) -> str:
        return render(self.template, self.params, language)

    def __str__(self) -> str:
        return self.render(SOURCE_LANGUAGE)

    def __repr__(self) -> str:
        return f"Message({self.template!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.template, self.params) == (other.template, other.params)

    def __hash__(self) -> int:
        return hash(self.template)


class PluralMessage(Message):
    """A message whose wording follows a count ("1 candidate lives", "2 candidates live"):
    ``%(count)s`` shows it."""

    __slots__ = ("count", "plural")

    def __init__(self, singular: str, plural: str, count: int, /, **params: object):
        super().__init__(singular, **params)
        self.plural = plural
        self.count = count

    def render(self, language: str) -> str:
        return render_plural(self.template, self.plural, self.count, self.params, language)

    def __repr__(self) -> str:
        return (
            f"PluralMessage({self.template!r}, {self.plural!r}, {self.count!r}, **{self.params!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PluralMessage):
            return NotImplemented
        return (self.template, self.plural, self.count, self.params) == (
            other.template,
            other.plural,
            other.count,
            other.params,
        )

    def __hash__(self) -> int:
        return hash(self.template)


class Verbatim(Message):
    """A text stored before messages were kept as msgids: one written text per language, shown
    as it was written (in the default language, Spanish, where the language has none)."""

    __slots__ = ("texts",)

    def __init__(self, texts: Mapping[str, str]):
        super().__init__(texts.get(SOURCE_LANGUAGE) or next(iter(texts.values()), ""))
        self.texts = dict(texts)

    def render(self, language: str) -> str:
        return self.texts.get(language) or self.texts.get(DEFAULT_LANGUAGE) or self.template

    def __repr__(self) -> str:
        return f"Verbatim({self.texts!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verbatim):
            return NotImplemented
        return self.texts == other.texts

    def __hash__(self) -> int:
        return hash(self.template)


def to_json(message: Message) -> dict[str, Any]:
    """`message` as JSON to store: its msgid and parameters, kept apart to render later."""
    if isinstance(message, Verbatim):
        return {"verbatim": dict(message.texts)}
    data: dict[str, Any] = {
        "msgid": message.template,
        "params": {name: _param_to_json(value) for name, value in message.params.items()},
    }
    if isinstance(message, PluralMessage):
        data.update(plural=message.plural, count=message.count)
    return data


def from_json(data: Mapping[str, Any]) -> Message:
    """The Message `to_json` stored."""
    if "verbatim" in data:
        return Verbatim(data["verbatim"])
    params = {name: _param_from_json(value) for name, value in data.get("params", {}).items()}
    if "plural" in data:
        return PluralMessage(data["msgid"], data["plural"], data["count"], **params)
    return Message(data["msgid"], **params)


def from_stored(value: str | Mapping[str, Any]) -> Message:
    """A stored text that may be a message (its JSON, or JSON text in a text column) or a
    plain text a row kept before messages were (shown as it was written)."""
    if isinstance(value, Mapping):
        return from_json(value)
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if isinstance(data, dict) and ("msgid" in data or "verbatim" in data):
            return from_json(data)
    return Verbatim({SOURCE_LANGUAGE: value})


# A parameter that JSON has no type for is stored as an object of one key naming its type;
# strings, numbers, booleans and null as they are, a list as an array.
def _param_to_json(value: object) -> Any:
    if isinstance(value, Message):
        return {"message": to_json(value)}
    if isinstance(value, Code):
        return {"code": [value.kind, value.code]}
    if isinstance(value, MidSentence):
        return {"mid_sentence": _param_to_json(value.value)}
    if isinstance(value, Money):
        return {"money": _param_to_json(value.amount)}
    if isinstance(value, Choices):
        return {"choices": [value.kind, list(value.codes), value.conjunction]}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_param_to_json(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a message parameter of type {type(value).__name__} cannot be stored")


def _param_from_json(value: Any) -> object:
    if isinstance(value, list):
        return [_param_from_json(item) for item in value]
    if not isinstance(value, dict):
        return value
    [(kind, inner)] = value.items()
    if kind == "message":
        return from_json(inner)
    if kind == "code":
        return Code(inner[0], inner[1])
    if kind == "mid_sentence":
        return MidSentence(_param_from_json(inner))
    if kind == "money":
        return Money(_param_from_json(inner))  # type: ignore[arg-type]
    if kind == "choices":
        return Choices(inner[0], tuple(inner[1]), inner[2])
    if kind == "decimal":
        return Decimal(inner)
    if kind == "datetime":
        return datetime.fromisoformat(inner)
    if kind == "date":
        return date.fromisoformat(inner)
    raise ValueError(f"unknown stored message parameter {kind!r}")


def one_of(codes: Sequence[str], kind: str | None = None) -> Message:
    """The usual refusal of a value outside a fixed set: "must be one of: a, b or c"."""
    return Message("must be one of: %(valid)s", valid=Choices(kind, list(codes), "or"))


def localise(message: str | Message, language: str) -> str:
    """A plain msgid or a Message, in `language`."""
    if isinstance(message, Message):
        return message.render(language)
    return render(message, {}, language)
