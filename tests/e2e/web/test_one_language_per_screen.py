"""Every page, in Spanish and in English, at a laptop, a tablet and a phone width: no visible text
of the other language, no raw code where a label belongs, nothing wider than its box, no error
in the console.

The other language is found through the catalog itself: on a Spanish page, a text that is an
English msgid whose Spanish differs; on an English page, a Spanish translation that differs from
its msgid. Data (job titles, segment names, companies) is in neither, so it is never flagged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import partial

import pytest
from babel.messages.pofile import read_po
from tests.e2e.web.conftest import Dashboard, shot, sign_in

from adflux.i18n.catalogs import TRANSLATIONS_DIR
from adflux.i18n.labels import LABELS, label

pytestmark = pytest.mark.browser

WIDTHS = {"1366": 1366, "768": 768, "390": 390}
LOCALES = {"es": "es-CO", "en": "en-US"}

# Every text node the reader sees, and every box whose content is wider than the box: clipped
# by a scrolling wrapper (content the reader may never find) or spilling over its neighbours.
# Screen-reader-only labels are clipped on purpose.
PAGE_AUDIT = """() => {
  const visible = (e) => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.textContent.trim();
    // Text marked as another language (keywords sent to the platforms as written) is data.
    const marked = node.parentElement && node.parentElement.closest('[lang]');
    if (marked && marked !== document.documentElement) continue;
    if (text && node.parentElement && visible(node.parentElement)
        && !node.parentElement.closest('script, style, .sr-only, code')) texts.push(text);
  }
  for (const e of document.querySelectorAll('input[placeholder], button, [aria-label]')) {
    if (visible(e) && e.getAttribute('placeholder')) texts.push(e.getAttribute('placeholder'));
  }
  const overflowing = [];
  for (const e of document.querySelectorAll('body *')) {
    // Screen-reader labels are clipped on purpose; a name cut with an ellipsis shows its tooltip.
    if (e.closest('.sr-only') || e.clientWidth === 0) continue;
    if (getComputedStyle(e).textOverflow === 'ellipsis') continue;
    const rows = ['TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR'];
    if (e.scrollWidth > e.clientWidth + 1 && !rows.includes(e.tagName)) {
      const classes = typeof e.className === 'string' ? e.className.trim().split(/\\s+/) : [];
      const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (classes.length && classes[0] ? '.' + classes.join('.') : '');
      overflowing.push(`${name} (${e.clientWidth}px holds ${e.scrollWidth}px)`);
    }
  }
  const pageOverflow = document.documentElement.scrollWidth - window.innerWidth;
  return {texts, overflowing, pageOverflow};
}"""


@dataclass(frozen=True)
class Languages:
    english_only: frozenset[str]  # msgids whose Spanish differs: never on a Spanish page
    spanish_only: frozenset[str]  # their Spanish: never on an English page
    # By language: codes whose label reads differently. Any of them alone in a text is raw; in a
    # longer text only those no one would write (semi_senior, tecnico for técnico), since data
    # such as job titles holds words like "senior".
    raw_codes: dict[str, frozenset[str]]
    unwritten_codes: frozenset[str]


@pytest.fixture(scope="module")
def languages() -> Languages:
    with (TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    english, spanish = set(), set()
    for message in catalog:
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        if message.string.strip().lower() != message.id.strip().lower() and "%(" not in message.id:
            english.add(message.id.strip())
            spanish.add(message.string.strip())
    # A word both languages write alike ("Total", "No") is neither's.
    both = english & spanish
    codes: dict[str, set[str]] = {"es": set(), "en": set()}
    unwritten = set()
    for kind, by_code in LABELS.items():
        for code in by_code:
            for language in codes:
                written = label(kind, code, language)
                if written.lower() != code.lower():
                    codes[language].add(code)
                if "_" in code or (written != code and _without_accents(written) == code):
                    unwritten.add(code)
    # A code that is also a label in the language reads right ("failed" is a publication's).
    labels = {
        language: {label(kind, code, language).lower() for kind in LABELS for code in LABELS[kind]}
        for language in codes
    }
    return Languages(
        frozenset(english - both),
        frozenset(spanish - both),
        {
            language: frozenset(c for c in found if c.lower() not in labels[language])
            for language, found in codes.items()
        },
        frozenset(unwritten),
    )


def _without_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _keep_errors(errors: list[str], message) -> None:  # type: ignore[no-untyped-def]
    if message.type == "error":
        errors.append(message.text)


def _pages(dashboard: Dashboard, campaign_id: int) -> list[str]:
    job_id = dashboard.job_ids[0]
    return [
        "/",
        "/jobs",
        "/jobs?page=999",
        f"/jobs/{job_id}",
        "/segments",
        "/campaigns",
        f"/campaigns/{campaign_id}",
        f"/campaigns/{campaign_id}/budget/dry-run",
        "/candidates",
        "/feeds",
        "/no-such-page",
    ]


def _problems(audit: dict, language: str, languages: Languages) -> list[str]:
    other = languages.english_only if language == "es" else languages.spanish_only
    raw = languages.raw_codes[language]
    found = []
    for text in audit["texts"]:
        if text in other:
            found.append(f"other language: {text!r}")
        if text in raw:
            found.append(f"raw code: {text!r}")
        for word in re.split(r"[\s·,:;()/]+", text):
            if word in languages.unwritten_codes and word != text:
                found.append(f"raw code: {word!r} in {text!r}")
    found += [f"overflows: {box}" for box in audit["overflowing"]]
    if audit["pageOverflow"] > 0:
        found.append(f"the page is {audit['pageOverflow']}px wider than the window")
    return found


@pytest.mark.parametrize("language", list(LOCALES))
def test_every_page_reads_in_one_language_at_every_width(
    browser, dashboard: Dashboard, campaign_with_results: int, languages: Languages, language: str
):
    problems: dict[str, list[str]] = {}
    for width_name, width in WIDTHS.items():
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            locale=LOCALES[language],
            base_url=dashboard.url,
        )
        context.set_default_timeout(30_000)  # 66 pages, on a machine that may be busy
        page = context.new_page()
        console: list[str] = []
        page.on("console", partial(_keep_errors, console))
        sign_in(page, dashboard, "operator")
        for path in _pages(dashboard, campaign_with_results):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found = _problems(page.evaluate(PAGE_AUDIT), language, languages)
            if path != "/no-such-page":  # Chromium logs the 404 of the page itself
                found += [f"console error: {text}" for text in console]
            console.clear()
            if found:
                problems[f"{language} {width_name}px {path}"] = sorted(set(found))
                slug = re.sub(r"\W+", "_", path)
                shot(page, f"language-{language}-{width_name}-{slug}")
        context.close()
    report = "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())
    assert not problems, report
