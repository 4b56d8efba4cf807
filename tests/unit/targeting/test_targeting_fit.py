"""The fit of a segment for a job, on hand-made member tallies (no database)."""

from __future__ import annotations

import pytest

from adflux.targeting import fit
from adflux.targeting.fit import MemberTally
from adflux.vocabulary import SENIORITIES

TECH = "Tecnología y desarrollo de software"
SALES = "Ventas y comercial"


def _terms(**overrides):
    args = {
        "area": TECH,
        "city": "Manizales",
        "remote_mode": "presencial",
        "seniority": "senior",
        "salary_min_cop": 6_000_000,
        "salary_max_cop": 8_000_000,
        "description": "Requisitos: formación profesional y 5 años de experiencia.",
    }
    args.update(overrides)
    return fit.job_terms(**args)


def _tally(segment_id=1, n=100, area=0, place=0, area_place=None, exp=0, salary=0, edu=0):
    if area_place is None:
        area_place = min(area, place)
    return MemberTally(segment_id, n, area, place, area_place, exp, salary, edu)


def test_near_cities_are_within_sixty_km_and_include_the_city():
    near = fit.near_cities("Manizales")
    assert "Manizales" in near and "Pereira" in near  # about 35 km apart
    assert "Bogotá" not in near and "Medellín" not in near
    assert fit.near_cities("Bogotá")[0] == "Bogotá" and "Soacha" in fit.near_cities("Bogotá")
    # a city the list does not know: only itself, as written
    assert fit.near_cities("Puerto Inírida") == ("Puerto Inírida",)


def test_required_education_is_the_lowest_level_the_description_names():
    assert fit.required_education("Buscamos formación tecnológica o profesional.") == "tecnologo"
    assert fit.required_education("Perfil: técnica, mínimo 2 años") == "tecnico"
    assert fit.required_education("Sin requisitos de estudios.") is None
    assert fit.educations_meeting("maestria") == ("maestria", "doctorado")


def test_area_and_place_dominate_the_score():
    terms = _terms()
    right = fit.score_segment(
        terms, _tally(1, area=80, place=70, exp=10, salary=10, edu=10), name="a"
    )
    wrong_trade = fit.score_segment(
        terms, _tally(2, area=5, place=100, exp=100, salary=100, edu=100), name="b"
    )
    assert right.fits and not wrong_trade.fits
    assert right.score > wrong_trade.score
    assert 0.0 <= wrong_trade.score <= right.score <= 1.0
    # a perfect segment scores 1
    perfect = fit.score_segment(
        terms, _tally(3, area=100, place=100, exp=100, salary=100, edu=100), name="c"
    )
    assert perfect.score == 1.0


def test_reasons_read_like_a_recruiter_would_write_them():
    terms = _terms()
    result = fit.score_segment(
        terms, _tally(area=72, place=64, exp=50, salary=90, edu=30), name="x"
    )
    assert result.reach == 100
    codes = [r.code for r in result.reasons]
    assert codes[:2] == ["area", "place"]
    assert codes[2] == "salary"  # secondary reasons by share, highest first
    assert len(result.reasons) == fit.MAX_REASONS
    assert (
        result.reasons[0].message.render("es")
        == "72 % trabaja en tecnología y desarrollo de software"
    )
    assert result.reasons[1].message.render("es") == "64 % vive en Manizales o a menos de 60 km"
    assert result.reasons[1].message.render("en") == "64 % live in Manizales or within 60 km"


def test_a_remote_job_reaches_everyone_weighted_by_their_inclination():
    terms = _terms(remote_mode="remoto", city="Bogotá")
    assert terms.remote
    # all members in the trade, all inclined to remote work, none in Bogotá: still a fit
    result = fit.score_segment(
        terms, _tally(area=90, place=90, exp=80, salary=80, edu=80), name="r"
    )
    assert result.fits
    assert result.reasons[1].code == "place" and "remoto" in result.reasons[1].message.render("es")
    assert fit.REMOTE_REACH["remoto"] > fit.REMOTE_REACH["hibrido"] > fit.REMOTE_REACH["presencial"]


def test_an_onsite_job_in_a_city_no_segment_lives_in_fits_no_segment():
    terms = _terms(city="Riohacha")
    tallies = [_tally(1, area=95, place=0), _tally(2, area=10, place=0)]
    fits = fit.rank([fit.score_segment(terms, t, name=str(t.segment_id)) for t in tallies])
    assert [f.fits for f in fits] == [False, False]
    assert all(f.score == 0.0 for f in fits)
    reason = fit.no_fit_reason(terms, fits, tallies)
    assert reason is not None and reason.code == "no_fit"
    assert "cerca de Riohacha" in reason.message.render(
        "es"
    ) and "near Riohacha" in reason.message.render("en")


def test_a_job_whose_area_no_segment_has_gets_a_clear_no_fit_answer():
    terms = _terms(area="Salud")
    tallies = [_tally(1, area=0, place=100, exp=100), _tally(2, area=3, place=90, exp=100)]
    fits = fit.rank([fit.score_segment(terms, t, name="s") for t in tallies])
    assert not any(f.fits for f in fits)
    reason = fit.no_fit_reason(terms, fits, tallies)
    assert reason is not None and reason.share == pytest.approx(0.03)
    assert (
        reason.message.render("es") == "Ningún segmento reúne candidatos de salud (el mejor: 3 %)"
    )


def test_no_reason_when_one_segment_fits_and_a_reason_without_segments():
    terms = _terms()
    fits = [fit.score_segment(terms, _tally(area=90, place=90), name="a")]
    assert fit.no_fit_reason(terms, fits, []) is None
    empty = fit.no_fit_reason(terms, [], [])
    assert empty is not None and empty.code == "no_segments"


def test_unstated_salary_and_education_are_neutral():
    stated = _terms(description="formación profesional")
    silent = _terms(salary_min_cop=None, salary_max_cop=None, description="Buen ambiente.")
    tally = _tally(area=100, place=100, exp=100, salary=0, edu=0)
    assert fit.score_segment(silent, tally, name="n").score == 1.0
    assert fit.score_segment(stated, tally, name="n").score < 1.0
    assert [r.code for r in fit.score_segment(silent, tally, name="n").reasons] == [
        "area",
        "place",
        "experience",
    ]


def test_a_segment_without_consenting_members_does_not_fit():
    result = fit.score_segment(_terms(), _tally(n=0), name="empty")
    assert (result.fits, result.reach, result.score) == (False, 0, 0.0)
    assert result.reasons[0].code == "no_members"


def test_ranking_is_best_first_with_stable_ties():
    terms = _terms()
    a = fit.score_segment(terms, _tally(3, area=50, place=50), name="a")
    b = fit.score_segment(terms, _tally(1, area=90, place=90), name="b")
    c = fit.score_segment(terms, _tally(2, area=50, place=50), name="c")
    assert [f.segment_id for f in fit.rank([a, b, c])] == [1, 2, 3]


def test_every_seniority_has_a_band():
    assert set(fit.SENIORITY_YEARS) == set(SENIORITIES)
    for seniority, (low, high) in fit.SENIORITY_YEARS.items():
        assert high is None or high > low, seniority


def test_acronym_areas_keep_their_capitals_mid_sentence():
    terms = _terms(area="TI y telecomunicaciones")
    result = fit.score_segment(terms, _tally(area=50, place=50), name="t")
    assert result.reasons[0].message.render("es") == "50 % trabaja en TI y telecomunicaciones"
    assert result.reasons[0].message.render("en") == "50 % work in TI y telecomunicaciones"
