"""Extract every message a person may read from the code into a catalog template.

``make translations`` writes the template and merges it into each language's catalog;
``tests/i18n`` extracts the same way and fails on a message the Spanish catalog lacks.
Run as ``python -m adflux.i18n.extraction OUTPUT.pot``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Besides gettext's own names: contexts (NC_), messages kept for later (Message, PluralMessage)
# and the domain errors, whose first argument is their message (adflux.errors).
KEYWORDS: dict[str, object] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
    "N_plural": (1, 2),
    "Message": None,
    "PluralMessage": (1, 2),
    "NC_": ((1, "c"), 2),
    "ValidationFailed": None,
    "NotFound": None,
    "Conflict": None,
    "Unauthorized": None,
    "Forbidden": None,
    "ServiceUnavailable": None,
    "FeedUnreadable": None,
    "FileRefused": None,
}
METHODS = [
    ("sandbox/**.py", "ignore"),  # the platforms' stand-ins speak their platforms' English
    ("datagen/**.py", "ignore"),  # simulated data, Spanish by design
    ("migrations/**.py", "ignore"),
    ("**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]
OPTIONS = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
# Babel's Python extractor loses a marked message nested in another call's arguments
# (``ValidationFailed("...", fields={"k": [N_("...")]})`` yields only the outer one): a second
# pass over the syntax tree finds every call, however deep.
NESTED_METHODS = [*METHODS[:3], ("**.py", "adflux.i18n.extraction:extract_calls")]


def extract_calls(
    fileobj: IO[bytes], keywords: Mapping[str, object], comment_tags: object, options: object
) -> Iterator[tuple[int, str, tuple[str | None, ...], list[str]]]:
    """Every call of a keyword in a Python file, with its literal arguments (None for others)."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if not isinstance(name, str) or name not in keywords:
            continue
        arguments = tuple(
            arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            for arg in node.args
        )
        if arguments and any(arguments):
            yield node.lineno, name, arguments, []


def extract_catalog() -> Catalog:
    catalog = Catalog(project="AdFlux", fuzzy=False)
    for methods in (METHODS, NESTED_METHODS):
        for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE_DIR),
            methods,
            OPTIONS,
            KEYWORDS,  # type: ignore[arg-type]
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        ):
            catalog.add(
                message,
                None,
                [(filename, lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m adflux.i18n.extraction OUTPUT.pot", file=sys.stderr)
        return 2
    with open(argv[0], "wb") as handle:
        write_po(handle, extract_catalog(), omit_header=False, no_location=True, sort_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
