"""The compiled gettext catalogs, and which language a reader wants."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"  # Magneto's recruiters are in Colombia
SOURCE_LANGUAGE = "en"  # the language the msgids are written in: it needs no catalog
# CLDR locales for formats: Colombian Spanish writes 1.250.000,5 and $80.000.
LOCALES = {"es": "es_CO", "en": "en_US"}
TIMEZONE = "America/Bogota"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with its plural for extraction, for code that asks ngettext for it (as
    click does): two separate N_ entries are two singular messages, which ngettext never finds."""
    return singular, plural


def NC_(context: str, message: str) -> str:
    """Mark a message with its context (the same English word may need two Spanish ones:
    a job is "en pausa", a publication "pausada")."""
    return message


@cache
def translations(language: str) -> NullTranslations:
    """The catalog of `language`; the source language's is the messages themselves."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    compiled = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.exists():
        # A checkout whose catalogs were never compiled would silently show English everywhere.
        raise RuntimeError(
            f"{compiled} is missing: compile the catalogs with 'make translations-compile'"
        )
    with compiled.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def best_language(preferences: Iterable[str]) -> str:
    """The first supported language among `preferences` ("es-CO", "en_US.UTF-8", "C"...)."""
    for preference in preferences:
        code = preference.split(".")[0].replace("-", "_").split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def language_from_environment(environ: Mapping[str, str] = os.environ) -> str:
    """The language a terminal asks for, by gettext's own order of variables."""
    preferences: list[str] = []
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            # LANGUAGE may list several ("es:en"); the others hold one locale.
            preferences.extend(value.split(":") if name == "LANGUAGE" else [value])
            if name != "LANGUAGE":
                break
    return best_language(preferences)
