"""The recruiter's own ad copy over AdFlux's texts, fitted to every platform's limits alike."""

from __future__ import annotations

import pytest

from adflux.campaigns.creatives import JobAd, ad_texts, limit_problems, with_ad_copy

JOB = JobAd(
    title="Auxiliar contable",
    company="Contadores Asociados",
    city="Cali",
    department="Valle del Cauca",
    area="Contabilidad",
    seniority="junior",
    employment_type="tiempo_completo",
    remote_mode="presencial",
    salary_min_cop=2_000_000,
    salary_max_cop=2_500_000,
    skills=("Excel", "NIIF"),
    apply_url="https://empleos.example.co/ofertas/1",
)
LONG = " ".join(["Únete a un equipo contable que crece contigo en Cali"] * 12)


@pytest.mark.parametrize("platform", ["meta", "google", "x", "tiktok"])
def test_long_texts_are_fitted_within_every_platform_limit(platform: str) -> None:
    own = {"headline": LONG, "description": LONG, "primary_text": LONG}
    creative = with_ad_copy(ad_texts(JOB, platform), platform, own)
    assert limit_problems(platform, creative) == []
    shown = [*creative.headlines, *creative.descriptions, creative.primary_text]
    assert any(text.startswith("Únete a un equipo contable") for text in shown)


def test_each_text_replaces_only_its_own_part() -> None:
    adflux = ad_texts(JOB, "meta")
    creative = with_ad_copy(adflux, "meta", {"headline": "Contador en Cali 🚀"})
    assert creative.headlines == ("Contador en Cali",)  # no emoji reaches a platform
    assert (creative.descriptions, creative.primary_text) == (
        adflux.descriptions,
        adflux.primary_text,
    )


def test_the_x_post_keeps_its_link() -> None:
    adflux = ad_texts(JOB, "x", link_url="https://empleos.example.co/o/1?utm_source=x")
    creative = with_ad_copy(adflux, "x", {"primary_text": "Buscamos auxiliar contable"})
    assert creative.primary_text.startswith("Buscamos auxiliar contable")
    assert creative.primary_text.endswith("https://empleos.example.co/o/1?utm_source=x")


def test_no_copy_leaves_adfluxs_texts() -> None:
    adflux = ad_texts(JOB, "google")
    assert with_ad_copy(adflux, "google", None) == adflux
    assert with_ad_copy(adflux, "google", {"headline": "  "}) == adflux
