"""Extract every message a person may read from the code into a catalog template.

``make translations`` writes the template and merges it into each language's catalog;
``tests/i18n`` extracts the same way and fails on a message the Spanish catalog lacks.
Run as ``python -m adflux.i18n.extraction OUTPUT.pot``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Besides gettext's own names: contexts (NC_), messages kept for later (Message) and the domain
# errors, whose first argument is their message (adflux.errors).
KEYWORDS: dict[str, object] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
    "Message": None,
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


def extract_catalog() -> Catalog:
    catalog = Catalog(project="AdFlux", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR),
        METHODS,
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
