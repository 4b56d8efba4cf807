"""Each job's ad image: the size each platform asks for, readable Spanish, nothing overflowing."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from adflux.campaigns.creatives import JobAd, build_creative, image_text, salary_text
from adflux.campaigns.images import (
    BOLD_FONT,
    BRAND_COLOUR,
    BRAND_DARK,
    LANDSCAPE,
    REGULAR_FONT,
    SQUARE,
    font_path,
    image_lines,
    render_ad_image,
)

LONG_TITLES = [
    "Ingeniero(a) de señalización ferroviaria y mantenimiento electromecánico para el Metro de "
    "Bogotá – turno nocturno con disponibilidad para viajar",
    "Supercalifragilisticoespialidosamente" * 3,  # one word wider than the image
    "AUXILIAR DE BODEGA Y ALMACÉN CON LICENCIA DE CONDUCCIÓN C2 Y CURSO DE MANIPULACIÓN",
]


def job(**overrides) -> JobAd:
    fields = dict(
        title="Auxiliar contable",
        company="Compañía Andina de Ingeniería S.A.S.",
        city="Bogotá",
        department="Bogotá D.C.",
        area="contabilidad",
        seniority="junior",
        employment_type="tiempo_completo",
        remote_mode="presencial",
        salary_min_cop=2_500_000,
        salary_max_cop=3_500_000,
        apply_url="https://empleos.example.co/vacantes/42",
    )
    return JobAd(**{**fields, **overrides})


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


@pytest.mark.parametrize(
    ("platform", "size"), [("meta", LANDSCAPE), ("x", LANDSCAPE), ("tiktok", SQUARE)]
)
def test_platforms_whose_ads_show_an_image_get_one_in_their_size(platform, size):
    creative = build_creative(job(), platform)
    assert creative.image_png is not None
    assert decode(creative.image_png).size == size


def test_google_search_ads_carry_no_image():
    assert build_creative(job(), "google").image_png is None


def test_the_same_job_gives_the_same_bytes_and_another_title_other_bytes():
    first = build_creative(job(), "tiktok").image_png
    render_ad_image.cache_clear()
    assert build_creative(job(), "tiktok").image_png == first
    assert build_creative(job(title="Auxiliar de nómina"), "tiktok").image_png != first


@pytest.mark.parametrize("title", LONG_TITLES)
@pytest.mark.parametrize("size", [LANDSCAPE, SQUARE])
def test_a_long_title_never_leaves_the_image_margins(title, size):
    image = decode(render_ad_image(image_text(job(title=title)), size))
    width, height = image.size
    margin = round(7 * min(width, height) / 100)
    background = {Image.new("RGB", (1, 1), c).getpixel((0, 0)) for c in (BRAND_COLOUR, BRAND_DARK)}
    # The outer half of the left and right margins: only the two background colours, no ink.
    for x in [*range(margin // 2), *range(width - margin // 2, width)]:
        column = {image.getpixel((x, y)) for y in range(height)}
        assert column <= background, (title, size, x)


@pytest.mark.parametrize("size", [LANDSCAPE, SQUARE])
def test_a_title_too_long_for_the_box_is_cut_at_a_word_with_an_ellipsis(size):
    title = LONG_TITLES[0] + " " + LONG_TITLES[0]
    lines = image_lines(image_text(job(title=title)), size)["title"]
    assert lines[-1].endswith("…")
    words = " ".join(lines).removesuffix("…").split()
    assert words == title.split()[: len(words)]  # whole words, in order


@pytest.mark.parametrize("size", [LANDSCAPE, SQUARE])
def test_the_salary_is_never_cut(size):
    text = image_text(job(salary_min_cop=12_500_000, salary_max_cop=18_900_000))
    lines = image_lines(text, size)["salary"]
    assert " ".join(lines).replace("\u00a0", " ") == salary_text(12_500_000, 18_900_000)
    assert all(line.startswith("$") for line in lines)  # an amount stays with its sign


def test_the_image_says_title_place_salary_brand_and_company():
    lines = image_lines(image_text(job(remote_mode="hibrido")), LANDSCAPE)
    assert lines["title"] == ("Auxiliar contable",)
    assert lines["place"] == ("Bogotá, Bogotá D.C. · híbrido",)
    assert lines["salary"] == ("$\u00a02.500.000 a $\u00a03.500.000",)
    assert lines["brand"] == ("Magneto Empleos",)
    assert lines["company"] == ("Compañía Andina de Ingeniería S.A.S.",)
    remote = image_lines(image_text(job(remote_mode="remoto", company="")), SQUARE)
    assert remote["place"] == ("Remoto · Colombia",) and "company" not in remote


def test_the_fonts_have_a_glyph_for_every_character_drawn():
    spanish = "áéíóúÁÉÍÓÚñÑüÜ¿¡·–—…°$\u00a0"
    texts = [spanish]
    for title in LONG_TITLES:
        for size in (LANDSCAPE, SQUARE):
            texts += [
                line
                for lines in image_lines(image_text(job(title=title)), size).values()
                for line in lines
            ]
    drawn = set("".join(texts)) - {" "}
    for name in (REGULAR_FONT, BOLD_FONT):
        path = font_path(name)
        assert path.is_file(), path
        cmap = TTFont(str(path)).getBestCmap()
        assert {ch for ch in drawn if ord(ch) not in cmap} == set(), name


@pytest.mark.parametrize("title", [*LONG_TITLES, "Coordinador de turno de bodega senior"])
@pytest.mark.parametrize("size", [LANDSCAPE, SQUARE])
def test_the_body_never_runs_into_the_footer(title, size):
    image = decode(render_ad_image(image_text(job(title=title, salary_max_cop=19_800_000)), size))
    width, height = image.size
    dark = Image.new("RGB", (1, 1), BRAND_DARK).getpixel((0, 0))
    brand = Image.new("RGB", (1, 1), BRAND_COLOUR).getpixel((0, 0))
    footer_top = next(y for y in range(height) if image.getpixel((0, y)) == dark)
    clearance = round(2 * min(width, height) / 100)
    for y in range(footer_top - clearance, footer_top):
        row = {image.getpixel((x, y)) for x in range(width)}
        assert row == {brand}, (title, size, y)
