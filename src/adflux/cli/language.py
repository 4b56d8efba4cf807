"""The CLI's language: the terminal's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), Spanish by default.

Everything the CLI writes goes through here: its messages (English msgids, ``%(name)s``
placeholders), the labels of codes, numbers, money and times (Bogotá), and click's own words
("Usage:", "Error:", "Missing option"...).

Click builds the command tree when the command modules are imported, long before the language is
known, and its help texts must be plain strings (click cleans and splits them), so lazy strings
would not survive it. The tree therefore holds the English msgids, marked with ``N_`` for
extraction, and the root command (``AdfluxGroup.main`` in ``cli/main.py``) calls ``speak`` as it
starts, before click parses anything: the help texts are put in the reader's language (from the
msgids kept aside, so a second invocation in the same process, as in the tests, may switch), and
click's own messages are looked up in the same catalog.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import date, datetime

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from adflux.i18n import formats
from adflux.i18n.catalogs import DEFAULT_LANGUAGE, N_, NC_, N_plural, translations
from adflux.i18n.labels import label as label_in
from adflux.i18n.messages import Message, render, render_plural

_language = DEFAULT_LANGUAGE  # one command per process: the language it was started in


def current() -> str:
    return _language


def gettext(message: str, **params: object) -> str:
    """`message` in the CLI's language, its ``%(name)s`` placeholders filled in its formats."""
    return render(message, params, _language)


_ = gettext


def ngettext(singular: str, plural: str, count: int, **params: object) -> str:
    """The singular or plural by the language's rule; ``%(count)s`` shows the count."""
    return render_plural(singular, plural, count, params, _language)


def localised(message: Message) -> str:
    """A message a service kept (its msgid and parameters) in the CLI's language."""
    return message.render(_language)


def label(kind: str, code: str | None) -> str:
    """The readable label of a vocabulary's code ("semi_senior" reads "semi-senior")."""
    return label_in(kind, code, _language)


def number(value: int | float | None, *, decimals: int | None = None) -> str:
    return formats.number(value, _language, decimals=decimals)


def money(value: int | float | None) -> str:
    return formats.money(value, _language)


def percent(value: int | float | None, *, decimals: int = 1) -> str:
    return formats.percent(value, _language, decimals=decimals)


def moment(value: datetime | date | str | None) -> str:
    """A date or time from the API (ISO 8601 text), in Bogotá."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    return formats.moment(value, _language)


def yes_no(value: bool | None) -> str:
    if value is None:
        return formats.MISSING
    return _("yes") if value else _("no")


# Click's own messages that AdFlux's users meet, so that the extraction finds them: click asks
# the standard library's gettext for them, which `speak` points at this catalog.
CLICK_MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Confirm the action without prompting."),
    N_("Do you want to continue?"),
    N_("Aborted!"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_plural("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    N_plural("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    N_("Option {name!r} requires an argument."),
    N_("Option {name!r} does not take a value."),
    N_("{value!r} is not {choice}."),
    N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} does not match the format {format}."),
    N_("{value!r} does not match the formats {formats}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("Could not open file {filename!r}: {message}"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("required"),
    N_("file"),
    N_("directory"),
    N_("path"),
)
# The placeholders click shows for a value's type ("--city TEXT"), by type name.
METAVARS = {
    "text": NC_("metavar", "TEXT"),
    "integer": NC_("metavar", "INTEGER"),
    "integer range": NC_("metavar", "INTEGER"),
    "float": NC_("metavar", "NUMBER"),
    "float range": NC_("metavar", "NUMBER"),
    "file": NC_("metavar", "FILE"),
    "path": NC_("metavar", "PATH"),
    "directory": NC_("metavar", "DIRECTORY"),
}
_CLICK_MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)
_HELP_ATTRIBUTES = ("help", "short_help", "epilog", "prompt")
# Each command's and parameter's texts as the code wrote them (the msgids), kept before the
# first translation replaces them.
_msgids: weakref.WeakKeyDictionary[object, dict[str, str | None]] = weakref.WeakKeyDictionary()


def _click_gettext(message: str) -> str:
    return str(translations(_language).gettext(message))


def _click_ngettext(singular: str, plural: str, count: int) -> str:
    return str(translations(_language).ngettext(singular, plural, count))


def speak(language: str, root: click.Command) -> None:
    """Make `language` the CLI's: its messages, click's, and every help text under `root`."""
    global _language
    _language = language
    for module in _CLICK_MODULES:
        # Click imports gettext's functions into each module (`from gettext import gettext as _`).
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]
    for command in _walk(root):
        _translate(command)
        # The --help option is made once per command, in the language of that moment: remake it.
        command._help_option = None  # type: ignore[attr-defined]
        for param in command.params:
            _translate(param)
            if isinstance(param, click.Option) and not isinstance(param.type, click.Choice):
                _translate_metavar(param)
            if isinstance(param.type, click.Path):
                # Named when the command was built ("File 'x.csv' does not exist").
                kind = param.type
                noun = (
                    "path"
                    if kind.file_okay == kind.dir_okay
                    else "file"
                    if kind.file_okay
                    else "directory"
                )
                kind.name = _click_gettext(noun)


def _walk(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for child in command.commands.values():
            yield from _walk(child)


def _translate(thing: object) -> None:
    original = _msgids.setdefault(
        thing, {name: getattr(thing, name, None) for name in _HELP_ATTRIBUTES}
    )
    catalog = translations(_language)
    for name, msgid in original.items():
        if isinstance(msgid, str) and msgid:
            setattr(thing, name, catalog.gettext(msgid))


def _translate_metavar(option: click.Option) -> None:
    if "metavar" not in _msgids.setdefault(option, {}):
        _msgids[option]["metavar"] = option.metavar
    if _msgids[option]["metavar"] is None and option.type.name in METAVARS:
        message = METAVARS[option.type.name]
        option.metavar = str(translations(_language).pgettext("metavar", message))
