"""Ad texts from real-looking Colombian job openings stay within every platform's limits."""

from __future__ import annotations

import itertools
import unicodedata
from types import SimpleNamespace

import pytest

from adflux.campaigns.creatives import (
    GOOGLE_DESCRIPTION_MAX,
    GOOGLE_HEADLINE_MAX,
    META_DESCRIPTION_MAX,
    META_HEADLINE_MAX,
    META_PRIMARY_TEXT_MAX,
    TIKTOK_AD_TEXT_MAX,
    X_TEXT_MAX,
    JobAd,
    ad_texts,
    build_creative,
    format_cop,
    google_paths,
    limit_problems,
    salary_text,
)
from adflux.campaigns.text_fit import display_width, has_emoji, x_weighted_length
from adflux.platforms.base import Creative

PLATFORMS = ("google", "meta", "x", "tiktok")
SST_TITLE = (
    "Profesional especializado en seguridad y salud en el trabajo (SG-SST) con licencia vigente"
)


def job(**overrides) -> JobAd:
    fields = dict(
        title="Auxiliar contable",
        company="Alpina Productos Alimenticios S.A. BIC",
        city="Bogotá",
        department="Bogotá D.C.",
        area="Contabilidad y finanzas",
        seniority="junior",
        employment_type="tiempo_completo",
        remote_mode="presencial",
        salary_min_cop=1_800_000,
        salary_max_cop=2_200_000,
        skills=("Excel avanzado", "SIIGO", "Conciliaciones bancarias"),
        apply_url="https://www.magneto365.com/co/empleos/auxiliar-contable-4512",
    )
    fields.update(overrides)
    return JobAd(**fields)


REAL_JOBS = [
    job(
        title=SST_TITLE,
        company="Constructora Bolívar S.A.",
        city="Medellín",
        department="Antioquia",
        area="Salud ocupacional",
        seniority="senior",
        salary_min_cop=4_800_000,
        salary_max_cop=6_200_000,
        skills=("SG-SST", "Decreto 1072 de 2015", "ISO 45001", "Investigación de accidentes"),
    ),
    job(
        title="Operario de producción",
        company="Postobón S.A.",
        city="Itagüí",
        department="Antioquia",
        area="Manufactura",
        salary_min_cop=1_423_500,
        salary_max_cop=1_423_500,
        skills=(),
    ),
    job(
        title="Ingeniero de datos senior para proyectos de transformación digital",
        company="Bancolombia",
        city="Medellín",
        area="Tecnología",
        seniority="lead",
        remote_mode="remoto",
        salary_min_cop=None,
        salary_max_cop=25_000_000,
        skills=("Python", "Spark", "AWS", "Databricks", "SQL", "Airflow", "dbt"),
    ),
    job(
        title="Diseñador gráfico y audiovisual para campañas de señalización",
        company="Señal Creativa Ltda.",
        city="Cúcuta",
        department="Norte de Santander",
        area="Diseño",
        seniority="semi_senior",
        employment_type="prestacion_servicios",
        remote_mode="hibrido",
        salary_min_cop=None,
        salary_max_cop=None,
        skills=("Illustrator", "Photoshop", "After Effects"),
    ),
    job(
        title="Asesor(a) comercial de crédito de vivienda y libranzas – Bogotá, Soacha y Chía",
        company=(
            "Corporación Universitaria Minuto de Dios - UNIMINUTO Seccional Bogotá Sede Principal"
        ),
        area="Ventas",
        employment_type="medio_tiempo",
        salary_min_cop=1_423_500,
        salary_max_cop=None,
        skills=("Ventas consultivas", "Manejo de objeciones"),
    ),
    job(
        title="Practicante de psicología organizacional",
        company="Gestión Humana Ñandú S.A.S.",
        city="Santa Marta",
        department="Magdalena",
        area="Recursos humanos",
        employment_type="practicas",
        salary_min_cop=1_423_500,
        salary_max_cop=1_423_500,
        skills=("Selección por competencias",),
    ),
]


def _all_texts(creative: Creative) -> list[str]:
    return [*creative.headlines, *creative.descriptions, creative.primary_text]


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("job_ad", REAL_JOBS, ids=lambda j: j.title[:25])
def test_real_jobs_fit_every_platform(job_ad: JobAd, platform: str) -> None:
    creative = build_creative(job_ad, platform)

    assert limit_problems(platform, creative) == []
    assert creative.link_url == job_ad.apply_url
    assert all(text == text.strip() and "  " not in text for text in _all_texts(creative))


def test_google_rsa_shape() -> None:
    creative = build_creative(REAL_JOBS[0], "google")

    assert 3 <= len(creative.headlines) <= 15
    assert 2 <= len(creative.descriptions) <= 4
    assert all(len(h) <= GOOGLE_HEADLINE_MAX for h in creative.headlines)
    assert all(len(d) <= GOOGLE_DESCRIPTION_MAX for d in creative.descriptions)
    folded = [h.casefold() for h in creative.headlines]
    assert len(folded) == len(set(folded)), "Google rejects duplicate headlines"
    assert not any("!" in h for h in creative.headlines), "Google disallows '!' in headlines"


def test_google_keeps_minimum_counts_with_almost_no_facts() -> None:
    bare = job(company="", area="", skills=(), salary_min_cop=None, salary_max_cop=None)

    creative = build_creative(bare, "google")

    assert len(creative.headlines) >= 3
    assert len(creative.descriptions) >= 2
    assert limit_problems("google", creative) == []


def test_meta_stays_within_recommended_lengths() -> None:
    for job_ad in REAL_JOBS:
        creative = build_creative(job_ad, "meta")
        assert len(creative.headlines) == 1 and len(creative.headlines[0]) <= META_HEADLINE_MAX
        assert len(creative.descriptions) == 1
        assert len(creative.descriptions[0]) <= META_DESCRIPTION_MAX
        assert len(creative.primary_text) <= META_PRIMARY_TEXT_MAX
        assert creative.call_to_action == "APPLY_NOW"


def test_x_post_counts_the_link_as_23_whatever_its_length() -> None:
    long_url = "https://www.magneto365.com/co/empleos/" + "a" * 300 + "?utm_source=x"
    creative = build_creative(REAL_JOBS[0], "x", link_url=long_url)

    assert creative.primary_text.endswith(f"Postúlate: {long_url}")
    assert len(creative.primary_text) > X_TEXT_MAX  # raw characters...
    assert x_weighted_length(creative.primary_text) <= X_TEXT_MAX  # ...but X counts 23
    assert creative.link_url == long_url


def test_tiktok_text_has_no_emoji_and_fits() -> None:
    emoji_job = job(title="🚀 Desarrollador backend Java 👨‍💻 ¡Únete! ✅", company="Rappi 🛵")

    creative = build_creative(emoji_job, "tiktok")

    assert not has_emoji(creative.primary_text)
    assert 1 <= display_width(creative.primary_text) <= TIKTOK_AD_TEXT_MAX
    assert creative.display_name == "Magneto Empleos"
    assert creative.primary_text.startswith("Desarrollador backend Java ¡Únete!")


def test_many_combinations_fit_every_platform() -> None:
    titles = [
        SST_TITLE,
        "Auxiliar de bodega",
        "Conductor",
        "Técnico electricista con certificado de trabajo seguro en alturas y licencia C2",
        "Enfermero(a) jefe para unidad de cuidados intensivos neonatales – turnos rotativos",
        "Analista de nómina y seguridad social (PILA)",
        "Desarrollador full stack React/Node.js con inglés B2",
        "Docente de matemáticas",
        "Supercalifragilisticoespialidosamente" * 2,  # one word longer than every limit
    ]
    cities = ["Bogotá", "San José del Guaviare", "Cartagena de Indias", ""]
    salaries = [(1_423_500, 1_423_500), (2_500_000, 3_500_000), (None, None), (12_000_000, None)]
    modes = ["presencial", "hibrido", "remoto"]
    for title, city, (low, high), mode in itertools.product(titles, cities, salaries, modes):
        job_ad = job(title=title, city=city, salary_min_cop=low, salary_max_cop=high)
        job_ad = JobAd(**{**job_ad.__dict__, "remote_mode": mode})
        for platform in PLATFORMS:
            # Texts only: drawing 800 images would test Pillow, not the limits (the images of
            # these jobs are tested in test_images.py).
            creative = ad_texts(job_ad, platform)
            assert limit_problems(platform, creative) == [], (title, city, platform)


# --------------------------------------------------------------------------- accents and words


def test_long_sst_title_is_shortened_by_words() -> None:
    assert build_creative(REAL_JOBS[0], "google").headlines[0] == "Profesional especializado…"
    # a shorter complete form of the title is preferred to an ellipsis when one fits
    assert build_creative(REAL_JOBS[0], "x").headlines[0] == (
        "Profesional especializado en seguridad y salud en el trabajo (SG-SST)"
    )


def test_accents_and_enye_are_kept() -> None:
    creative = build_creative(REAL_JOBS[3], "meta")

    assert "Señal Creativa Ltda." in creative.primary_text
    assert "Cúcuta" in creative.primary_text
    assert "Diseñador" in creative.primary_text


def test_decomposed_accents_are_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Medellín")
    creative = build_creative(job(city=decomposed), "tiktok")

    assert "Medellín" in creative.primary_text
    assert unicodedata.is_normalized("NFC", creative.primary_text)


def test_shouting_titles_are_put_in_sentence_case_but_codes_kept() -> None:
    creative = build_creative(job(title="AUXILIAR DE BODEGA SG-SST TURNO B2"), "meta")

    assert creative.headlines == ("Auxiliar de bodega SG-SST turno B2",)


# --------------------------------------------------------------------------- salary


@pytest.mark.parametrize(
    ("amount", "text"),
    [(1_423_500, "$ 1.423.500"), (25_000_000, "$ 25.000.000"), (999, "$ 999"), (1_000, "$ 1.000")],
)
def test_format_cop_uses_colombian_separators(amount: int, text: str) -> None:
    assert format_cop(amount) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (1_423_500, 1_423_500, "$ 1.423.500"),
        (2_500_000, 3_500_000, "$ 2.500.000 a $ 3.500.000"),
        (12_000_000, 25_000_000, "$ 12.000.000 a $ 25.000.000"),
        (1_800_000, None, "Desde $ 1.800.000"),
        (None, 25_000_000, "Hasta $ 25.000.000"),
        (None, None, "Salario a convenir"),
        (0, 0, "Salario a convenir"),
    ],
)
def test_salary_text(low, high, text: str) -> None:
    assert salary_text(low, high) == text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_salary_reaches_every_platform(platform: str) -> None:
    ranged = build_creative(job(salary_min_cop=2_500_000, salary_max_cop=3_500_000), platform)
    missing = build_creative(job(salary_min_cop=None, salary_max_cop=None), platform)

    assert any("$ 2.500.000 a $ 3.500.000" in text for text in _all_texts(ranged))
    assert any("Salario a convenir" in text for text in _all_texts(missing))
    assert not any("$" in text for text in _all_texts(missing))


def test_exact_tiktok_and_meta_texts() -> None:
    tiktok = build_creative(REAL_JOBS[1], "tiktok")
    meta = build_creative(REAL_JOBS[1], "meta")

    assert (
        tiktok.primary_text
        == "Operario de producción en Itagüí. Salario $ 1.423.500. Postúlate ya."
    )
    assert meta.primary_text == (
        "Postobón S.A. busca Operario de producción en Itagüí. Salario $ 1.423.500. "
        "Tiempo completo, presencial. ¡Postúlate ya!"
    )
    assert meta.headlines == ("Operario de producción en Itagüí",)
    assert meta.descriptions == ("$ 1.423.500",)


# --------------------------------------------------------------------------- misc


def test_same_job_same_texts() -> None:
    for platform in PLATFORMS:
        assert build_creative(REAL_JOBS[0], platform) == build_creative(REAL_JOBS[0], platform)


def test_unknown_platform_and_bad_link_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown platform 'linkedin'"):
        build_creative(REAL_JOBS[0], "linkedin")
    with pytest.raises(ValueError, match="absolute http"):
        build_creative(REAL_JOBS[0], "meta", link_url="magneto365.com/e/1")


def test_from_opening_copies_a_row_like_object() -> None:
    row = SimpleNamespace(**{**REAL_JOBS[2].__dict__, "skills": ["Python", "SQL"], "id": 7})

    job_ad = JobAd.from_opening(row, apply_url="https://magneto365.com/e/7")

    assert job_ad.skills == ("Python", "SQL")
    assert job_ad.apply_url == "https://magneto365.com/e/7"
    assert job_ad.title == REAL_JOBS[2].title


@pytest.mark.parametrize(
    ("city", "mode", "paths"),
    [
        ("Bogotá", "presencial", ("empleos", "bogota")),
        ("San José del Guaviare", "hibrido", ("empleos", "san-jose-del")),
        ("Medellín", "remoto", ("empleos", "remoto")),
        ("", "presencial", ("empleos", "colombia")),
    ],
)
def test_google_paths(city: str, mode: str, paths: tuple[str, str]) -> None:
    job_ad = JobAd(**{**job(city=city).__dict__, "remote_mode": mode})

    assert google_paths(job_ad) == paths
    assert all(len(path) <= 15 for path in paths)


@pytest.mark.parametrize(
    ("platform", "creative", "problem"),
    [
        ("google", Creative(("a" * 31, "b", "c"), ("d", "e"), "", "https://x.co"), "headline"),
        ("google", Creative(("a", "b"), ("d", "e"), "", "https://x.co"), "2 headlines"),
        ("google", Creative(("a", "b", "c"), ("d" * 91, "e"), "", "https://x.co"), "description"),
        ("x", Creative((), (), "ñ" * 281, "https://x.co"), "post is 281"),
        ("tiktok", Creative((), (), "Hola 😀", "https://x.co"), "emoji"),
        ("tiktok", Creative((), (), "", "https://x.co"), "ad_text is empty"),
        ("tiktok", Creative((), (), "a" * 101, "https://x.co"), "ad_text is 101"),
        ("meta", Creative(("h",), ("d",), "p" * 126, "https://x.co"), "primary text is 126"),
    ],
)
def test_limit_problems_reports_what_breaks(
    platform: str, creative: Creative, problem: str
) -> None:
    problems = limit_problems(platform, creative)

    assert any(problem in p for p in problems), problems
