"""The Spanish catalog holds every message the code shows, and each translation fits its message."""

from __future__ import annotations

import pytest
from babel.messages.checkers import python_format
from babel.messages.pofile import read_po

from adflux.i18n.catalogs import TRANSLATIONS_DIR, translations
from adflux.i18n.extraction import extract_catalog

CATALOG = TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def extracted():
    return extract_catalog()


@pytest.fixture(scope="module")
def spanish():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="es")


def test_every_message_in_the_code_has_a_spanish_translation(extracted, spanish):
    untranslated = []
    for message in extracted:
        if not message.id:
            continue
        known = spanish.get(message.id, context=message.context)
        # A plural has one translation per form of the language (Spanish: 1, millions, other).
        forms = known.string if known is not None and isinstance(known.string, tuple) else None
        if known is None or known.fuzzy or not (all(forms) if forms else known.string):
            untranslated.append((message.context, message.id))
    assert untranslated == [], "run 'make translations' and translate these in " + str(CATALOG)


def test_no_message_is_built_where_the_catalog_cannot_see_it(capfd):
    """An f-string given to gettext or to a domain error cannot be translated: babel skips it
    (and says so on stderr)."""
    capfd.readouterr()
    extract_catalog()
    skipped = [line for line in capfd.readouterr().err.splitlines() if "f-string" in line]
    assert skipped == []


def test_translations_keep_their_placeholders(spanish):
    for message in spanish:
        if message.id and message.string:
            python_format(spanish, message)  # raises TranslationError on a mismatch


def test_compiled_catalog_is_current(spanish):
    """The .mo the app loads is the .po's (make compiles it before run and test)."""
    compiled = translations("es")
    stale = [
        m.id
        for m in spanish
        if m.id
        and m.string
        and not m.context
        and isinstance(m.id, str)
        and compiled.gettext(m.id) != m.string
    ]
    assert stale == [], "run 'make translations-compile'"


def test_labels_cover_every_code_of_every_vocabulary():
    from adflux import vocabulary
    from adflux.auth.models import Role
    from adflux.campaigns.models import PublicationStatus
    from adflux.campaigns.status import CAMPAIGN_STATUSES
    from adflux.feeds.models import ImportStatus
    from adflux.i18n.labels import LABELS
    from adflux.jobs.models import JobStatus
    from adflux.platforms.registry import ADAPTERS
    from adflux.segmentation.models import RunStatus

    expected = {
        "platform": set(ADAPTERS),
        "job_status": {s.value for s in JobStatus},
        "job_action": {s.value for s in JobStatus},
        "publication_status": {*CAMPAIGN_STATUSES, *(s.value for s in PublicationStatus)},
        "run_status": {s.value for s in RunStatus},
        "import_status": {s.value for s in ImportStatus},
        "role": {r.value for r in Role},
        "seniority": set(vocabulary.SENIORITIES),
        "employment_type": set(vocabulary.EMPLOYMENT_TYPES),
        "work_mode": set(vocabulary.REMOTE_MODES),
        "education": set(vocabulary.EDUCATION_LEVELS),
    }
    for kind, codes in expected.items():
        assert codes <= set(LABELS[kind]), (kind, codes - set(LABELS[kind]))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "semi senior"), ("en", "semi-senior")],
)
def test_a_code_reads_as_its_label(language, expected):
    from adflux.i18n.labels import label

    assert label("seniority", "semi_senior", language) == expected


def test_the_same_english_word_takes_the_spanish_each_kind_needs():
    from adflux.i18n.labels import label

    assert label("job_status", "paused", "es") == "en pausa"
    assert label("publication_status", "paused", "es") == "pausada"


def test_every_platform_has_its_proper_name_in_both_languages():
    from adflux.i18n.labels import label
    from adflux.platforms.registry import ADAPTERS

    names = {
        "meta": "Meta",
        "google": "Google Ads",
        "x": "X",
        "tiktok": "TikTok",
        "snapchat": "Snapchat",
    }
    assert set(ADAPTERS) == set(names)
    for code, name in names.items():
        assert label("platform", code, "es") == label("platform", code, "en") == name
