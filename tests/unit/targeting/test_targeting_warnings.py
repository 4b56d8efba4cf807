"""The fit warnings' wording (pure): the segment, its score with a decimal comma in Spanish, and
the reason that weighs most against it."""

from __future__ import annotations

from adflux.advisories import Advisory
from adflux.targeting.fit import Reason, SegmentFit
from adflux.targeting.warnings import low_fit, no_segment_fits


def _reason(code: str, share: float | None, es: str, en: str) -> Reason:
    return Reason(code, share, es, en)


AREA = _reason("area", 0.6, "60 % trabaja en salud", "60 % work in Salud")
PLACE = _reason("place", 0.1, "10 % vive en Cali o a menos de 60 km", "10 % live in Cali")
SALARY = _reason("salary", 0.05, "5 % aspira a un salario que la oferta cubre", "5 % expect...")


def test_the_reason_given_is_the_weaker_core_criterion_not_a_secondary_one():
    segment = SegmentFit(7, "Enfermeras · Pasto", 0.0512, 40, False, (AREA, PLACE, SALARY))
    warning = low_fit(segment)
    assert warning == Advisory(
        "segment_low_fit",
        "segment_ids",
        "El segmento «Enfermeras · Pasto» encaja poco con este empleo (afinidad 0,05 de 1; se "
        "recomienda desde 0,20): 10 % vive en Cali o a menos de 60 km",
        "Segment «Enfermeras · Pasto» fits this job poorly (fit 0.05 of 1; recommended from "
        "0.20): 10 % live in Cali",
    )
    assert warning.as_dict() == {
        "rule": warning.rule,
        "field": warning.field,
        "message_es": warning.message_es,
        "message_en": warning.message_en,
    }


def test_without_reasons_the_warning_still_names_the_segment_and_score():
    warning = low_fit(SegmentFit(8, "Vacío", 0.0, 0, False, ()))
    assert warning.message_es.endswith("(afinidad 0,00 de 1; se recomienda desde 0,20)")


def test_no_fit_continues_the_reason_mid_sentence_and_says_what_the_campaign_aims_at():
    reason = _reason("no_fit", 0.02, "Ningún segmento reúne candidatos de salud", "No segment...")
    warning = no_segment_fits(reason)
    assert warning.rule == "no_segment_fits"
    assert warning.message_es == (
        "Sin segmento recomendado: ningún segmento reúne candidatos de salud; la campaña se "
        "dirige a la ciudad, el área y las habilidades de la vacante."
    )
    assert warning.message == f"{warning.message_es} / {warning.message_en}"
