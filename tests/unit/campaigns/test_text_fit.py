"""Measuring texts as the platforms count them, and shortening them without cutting words."""

from __future__ import annotations

import pytest

from adflux.campaigns.text_fit import (
    clean_text,
    display_width,
    fit_title,
    fit_words,
    join_fitting,
    x_weighted_length,
)

SST_TITLE = (
    "Profesional especializado en seguridad y salud en el trabajo (SG-SST) con licencia vigente"
)


@pytest.mark.parametrize("measure", [len, display_width, x_weighted_length])
@pytest.mark.parametrize(
    "text",
    [
        SST_TITLE,
        "Técnico de mantenimiento de aires acondicionados, refrigeración y cuartos fríos",
        "Asesor(a) comercial – Bogotá, Soacha y Chía",
        "Coordinador de logística y distribución / última milla",
    ],
)
def test_fit_words_never_cuts_a_word(text: str, measure) -> None:
    words = text.split()
    for limit in range(0, measure(text) + 3):
        fitted = fit_words(text, limit, measure)
        if fitted is None:
            continue
        assert measure(fitted) <= limit
        if fitted == text:
            continue
        assert fitted.endswith("…")
        kept = fitted[:-1].split()
        assert kept, fitted
        # every kept word is whole: the kept words are the text's first words, in order
        assert [w.rstrip(",;:") for w in kept] == [w.rstrip(",;:") for w in words[: len(kept)]]
        assert kept[-1].casefold() not in {"de", "en", "y", "con", "para", "la", "el", "–", "/"}
        assert fitted.count("(") == fitted.count(")")


def test_fit_words_gives_up_when_the_first_word_does_not_fit() -> None:
    assert fit_words("Otorrinolaringólogo pediátrico", 10) is None


def test_long_title_loses_whole_words_then_prefers_a_complete_shorter_form() -> None:
    assert fit_words(SST_TITLE, 30) == "Profesional especializado…"
    assert fit_title(SST_TITLE, 30) == "Profesional especializado…"
    assert fit_title(SST_TITLE, 70) == (
        "Profesional especializado en seguridad y salud en el trabajo (SG-SST)"
    )
    assert fit_title("Asesor comercial – Bogotá, Soacha y Chía", 20) == "Asesor comercial"
    assert fit_title(SST_TITLE, 200) == SST_TITLE


def test_join_fitting_keeps_whole_items() -> None:
    skills = ["Excel avanzado", "SIIGO", "Conciliaciones bancarias", "NIIF"]

    assert join_fitting(skills, 30) == "Excel avanzado, SIIGO, NIIF"
    assert join_fitting(skills, 40, prefix="Perfil: ", suffix=".") == (
        "Perfil: Excel avanzado, SIIGO, NIIF."
    )
    assert join_fitting(["Conciliaciones bancarias"], 10) is None


def test_clean_text_drops_emoji_and_controls_but_keeps_spanish() -> None:
    assert clean_text("¿Cuántos años?\tÑoño 👍🏽\u200d ✅ 25° ") == "¿Cuántos años? Ñoño 25°"


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("a" * 280, 280),
        ("Señal ñandú", 11),
        ("…", 2),  # U+2026 lies outside twitter-text's light ranges
        ("“hola” – ‘sí’", 13),
        ("日本", 4),
        ("😀", 2),
        ("Aplica: https://magneto365.com/e/1", 8 + 23),
        ("https://a.co https://b.co/" + "x" * 100, 23 + 1 + 23),
    ],
)
def test_x_weighted_length(text: str, weight: int) -> None:
    assert x_weighted_length(text) == weight


def test_display_width_counts_full_width_characters_twice() -> None:
    assert display_width("Señal Ñandú") == 11
    assert display_width("日本語") == 6
    assert display_width("ｅｍｐｌｅｏ") == 12  # full-width Latin
