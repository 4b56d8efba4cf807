"""The fit warnings' wording (pure): the segment, its score in the reader's number format, and
the reason that weighs most against it."""

from __future__ import annotations

from adflux.advisories import Advisory
from adflux.i18n.messages import Verbatim
from adflux.targeting.fit import Reason, SegmentFit
from adflux.targeting.warnings import low_fit, no_segment_fits


def _reason(code: str, share: float | None, es: str, en: str) -> Reason:
    return Reason(code, share, Verbatim({"es": es, "en": en}))


AREA = _reason("area", 0.6, "60 % trabaja en salud", "60 % work in health")
PLACE = _reason("place", 0.1, "10 % vive en Cali o a menos de 60 km", "10 % live in Cali")
SALARY = _reason("salary", 0.05, "5 % aspira a un salario que la oferta cubre", "5 % expect...")


def test_the_reason_given_is_the_weaker_core_criterion_not_a_secondary_one():
    segment = SegmentFit(7, "Enfermeras · Pasto", 0.0512, 40, False, (AREA, PLACE, SALARY))
    warning = low_fit(segment)
    assert (warning.rule, warning.field) == ("segment_low_fit", "segment_ids")
    assert warning.message.render("es") == (
        "El segmento «Enfermeras · Pasto» encaja poco con este empleo (afinidad 0,05 de 1; se "
        "recomienda desde 0,20): 10 % vive en Cali o a menos de 60 km"
    )
    assert warning.message.render("en") == (
        "Segment «Enfermeras · Pasto» fits this job poorly (fit 0.05 of 1; recommended from "
        "0.20): 10 % live in Cali"
    )
    assert Advisory.from_json(warning.to_json()) == warning


def test_without_reasons_the_warning_still_names_the_segment_and_score():
    warning = low_fit(SegmentFit(8, "Vacío", 0.0, 0, False, ()))
    assert warning.message.render("es").endswith("(afinidad 0,00 de 1; se recomienda desde 0,20)")


def test_no_fit_continues_the_reason_mid_sentence_and_says_what_the_campaign_aims_at():
    reason = _reason("no_fit", 0.02, "Ningún segmento reúne candidatos de salud", "No segment...")
    warning = no_segment_fits(reason)
    assert warning.rule == "no_segment_fits"
    assert warning.message.render("es") == (
        "Sin segmento recomendado: ningún segmento reúne candidatos de salud; la campaña se "
        "dirige a la ciudad, el área y las habilidades de la vacante."
    )
    assert warning.message.render("en") == (
        "No segment recommended: no segment...; the campaign aims at the job's own city, area "
        "and skills."
    )


def test_no_fit_with_a_job_audience_says_its_size_in_the_reader_s_format():
    warning = no_segment_fits(None, age_proxy_names=["Jóvenes"], job_audience_size=1500)
    assert warning.message.render("es") == (
        "Sin segmento recomendado: los segmentos que encajan («Jóvenes») se explican en gran "
        "parte por la edad y no se eligen sin que un operador confirme que la oferta es para "
        "todas las edades; la campaña se dirige a los 1.500 candidatos más afines a la vacante "
        "(su audiencia propia)."
    )
    assert "the job's 1,500 most likely candidates" in warning.message.render("en")
