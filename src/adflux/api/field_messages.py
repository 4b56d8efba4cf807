"""The schemas' messages about fields in the reader's language.

marshmallow and webargs hand over their messages already formatted, in English ("Must be greater
than or equal to 1 and less than or equal to 10000000000."). Each template they use is written
here as a catalog msgid; the parameters are recovered from the formatted text by a pattern built
from that msgid, then the translation is filled with them in the reader's formats. A message no
template matches is looked up as a msgid as it is (the API's own field messages are msgids).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache

from adflux.i18n.catalogs import N_
from adflux.i18n.messages import render

# marshmallow's templates, as they read once formatted ({min} -> %(min)s); Range's comparisons
# are spelled out, since marshmallow builds them into the text before formatting.
TEMPLATES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Invalid input."),
    N_("Unknown field."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid UUID."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid naive datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid period of time."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("String does not match expected pattern."),
    N_("Invalid JSON body."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than %(max)s."),
    N_("Must be greater than %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be less than %(max)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Must be equal to %(other)s."),
    N_("Must be one of: %(choices)s."),
    N_("One or more of the choices you made was not in: %(choices)s."),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for template in TEMPLATES:
        parts = _PLACEHOLDER.split(template)
        # Even parts are literal text, odd ones the names of the parameters.
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        patterns.append((re.compile(regex), template))
    return patterns


def _value(text: str) -> object:
    """A recovered parameter: a number takes the reader's format (10.000.000.000), the rest
    stays as written."""
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return text
    return text


def translate(message: str, language: str) -> str:
    """A schema's field message in `language`."""
    for pattern, template in _patterns():
        found = pattern.fullmatch(message)
        if found:
            params = {name: _value(text) for name, text in found.groupdict().items()}
            return render(template, params, language)
    return render(message, {}, language)
