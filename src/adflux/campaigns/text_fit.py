"""Measuring and shortening ad texts the way the platforms count, without cutting words.

Google and TikTok count full-width (CJK) characters twice; X weighs characters with twitter-text's
v3 configuration and counts every URL as 23. Shortening drops whole words and adds "…", or picks a
shorter complete form of a job title; it never cuts a word in half.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

Measure = Callable[[str], int]

ELLIPSIS = "…"
X_URL_WEIGHT = 23

# Words that must not be left dangling before the "…" ("Profesional en…").
_DANGLING = frozenset(
    {
        *("a", "al", "con", "de", "del", "e", "el", "en", "la", "las", "lo", "los", "o"),
        *("para", "por", "su", "sus", "u", "un", "una", "y", "-", "–", "—", "/", "|", "·", ","),
    }
)
URL = re.compile(r"https?://\S+", re.IGNORECASE)


# --------------------------------------------------------------------------- measuring


def display_width(text: str) -> int:
    """Characters, full-width (CJK) ones counted twice: how Google and TikTok count."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _x_char_weight(ch: str) -> int:
    # twitter-text config v3: these ranges weigh 100/100, everything else 200/100.
    code = ord(ch)
    light = (
        code <= 0x10FF
        or 0x2000 <= code <= 0x200D
        or 0x2010 <= code <= 0x201F
        or 0x2032 <= code <= 0x2037
    )
    return 1 if light else 2


def x_weighted_length(text: str) -> int:
    """Length of a post as X counts it: NFC, weighted characters, each URL counted as 23.

    Emoji sequences are counted per code point (each 2), which over-counts ZWJ sequences: safe
    for staying under the limit.
    """
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in URL.finditer(text):
        total += sum(_x_char_weight(ch) for ch in text[position : match.start()]) + X_URL_WEIGHT
        position = match.end()
    return total + sum(_x_char_weight(ch) for ch in text[position:])


def _is_emoji_like(ch: str) -> bool:
    code = ord(ch)
    category = unicodedata.category(ch)
    if category == "So":
        return ch != "°"  # the degree sign is a plain symbol, everything else "So" is pictographic
    return (
        category in ("Cf", "Co", "Cs", "Cn", "Me")  # ZWJ, private use, keycap combiner
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (emoji presentation)
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
    )


def has_emoji(text: str) -> bool:
    """True when `text` holds an emoji or another pictographic symbol."""
    return any(_is_emoji_like(ch) for ch in text)


def clean_text(text: str) -> str:
    """NFC, no emoji or control characters, single spaces: safe on every platform."""
    text = unicodedata.normalize("NFC", text or "")
    kept = []
    for ch in text:
        if _is_emoji_like(ch):
            continue
        kept.append(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch)
    return " ".join("".join(kept).split())


def sentence_case_if_shouting(text: str) -> str:
    # Feeds sometimes send "AUXILIAR DE BODEGA"; Google refuses excessive capitals. Tokens with
    # digits or hyphens ("SG-SST", "B2B") are codes and keep their case.
    letters = [ch for ch in text if ch.isalpha()]
    if len(text.split()) < 2 or not letters or not all(ch.isupper() for ch in letters):
        return text
    words = [w if any(c.isdigit() for c in w) or "-" in w else w.lower() for w in text.split()]
    sentence = " ".join(words)
    return sentence[:1].upper() + sentence[1:]


# --------------------------------------------------------------------------- fitting


def fit_words(text: str, limit: int, measure: Measure = len) -> str | None:
    """`text` if it fits, else its longest whole-word prefix + "…" that fits; None if none does."""
    text = " ".join(text.split())
    if measure(text) <= limit:
        return text
    words = text.split(" ")
    while words:
        words.pop()
        while words and (
            words[-1].casefold() in _DANGLING
            or not any(ch.isalnum() for ch in words[-1])
            or " ".join(words).count("(") > " ".join(words).count(")")
        ):
            words.pop()
        if not words:
            return None
        candidate = " ".join(words).rstrip(",;:-–—/") + ELLIPSIS
        if measure(candidate) <= limit:
            return candidate
    return None


def first_fitting(candidates: Iterable[str], limit: int, measure: Measure = len) -> str | None:
    """The first candidate that fits whole, or None."""
    for candidate in candidates:
        if candidate and measure(candidate) <= limit:
            return candidate
    return None


def _title_variants(title: str) -> list[str]:
    """The title, then shorter complete forms of it, most informative first."""
    variants = [title]
    # "Asesor comercial – Bogotá, turno noche": the dash suffix repeats what the ad says elsewhere.
    variants += [title.split(sep, 1)[0] for sep in (" – ", " - ", " | ") if sep in title]
    variants += [" ".join(re.sub(r"\([^)]*\)", " ", text).split()) for text in list(variants)]
    for text in list(variants):
        variants += [text.split(m, 1)[0] for m in (" con ", " para ", ", ", " / ") if m in text]
    return [text.strip() for text in dict.fromkeys(variants) if text.strip()]


def fit_title(title: str, limit: int, measure: Measure = len) -> str | None:
    """A job title fitted to `limit`: whole, a shorter complete form (no dash suffix, parenthesis
    or trailing clause), or cut at a word with "…"."""
    fitted = first_fitting(_title_variants(title), limit, measure)
    return fitted if fitted is not None else fit_words(title, limit, measure)


def join_fitting(
    items: Sequence[str], limit: int, measure: Measure = len, *, prefix: str = "", suffix: str = ""
) -> str | None:
    """prefix + as many items as fit ("a, b, c") + suffix; None if not even one item fits."""
    chosen: list[str] = []
    for item in items:
        if measure(prefix + ", ".join([*chosen, item]) + suffix) <= limit:
            chosen.append(item)
    return prefix + ", ".join(chosen) + suffix if chosen else None
