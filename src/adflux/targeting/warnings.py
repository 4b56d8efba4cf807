"""What a recruiter is told about the fit of a campaign's segments (pure; Spanish first).

A warning never blocks a campaign: a recruiter may know something the fit cannot see. It has the
four attributes of the campaigns' compliance advisories (rule, field, message_es, message_en), so
campaigns shows both alike without this package importing campaigns.
"""

from __future__ import annotations

from collections.abc import Sequence

from adflux.advisories import Advisory
from adflux.targeting.fit import FIT_THRESHOLD, Reason, SegmentFit

LOW_FIT = "segment_low_fit"
NO_FIT = "no_segment_fits"
FIELD = "segment_ids"
# What a campaign reaches when no segment is aimed at (campaigns.compliance SegmentFacts.of_job).
_JOB_OWN_ES = "la campaña se dirige a la ciudad, el área y las habilidades de la vacante"
_JOB_OWN_EN = "the campaign aims at the job's own city, area and skills"


def low_fit(segment: SegmentFit) -> Advisory:
    """A chosen segment that does not fit the job: its name, score and the reason that weighs
    most against it."""
    why = _weakest(segment.reasons)
    score_es = f"{segment.score:.2f}".replace(".", ",")
    threshold_es = f"{FIT_THRESHOLD:.2f}".replace(".", ",")
    return Advisory(
        rule=LOW_FIT,
        field=FIELD,
        message_es=(
            f"El segmento «{segment.name}» encaja poco con este empleo (afinidad {score_es} "
            f"de 1; se recomienda desde {threshold_es})"
            + (f": {_mid_sentence(why.message_es)}" if why else "")
        ),
        message_en=(
            f"Segment «{segment.name}» fits this job poorly (fit {segment.score:.2f} of 1; "
            f"recommended from {FIT_THRESHOLD:.2f})" + (f": {why.message_en}" if why else "")
        ),
    )


def no_segment_fits(
    reason: Reason | None,
    *,
    age_proxy_names: Sequence[str] = (),
    job_audience_size: int | None = None,
) -> Advisory:
    """Why a campaign left to the recommendation aims at no segment, and what it aims at instead:
    the job's own audience of its `job_audience_size` most likely candidates, or (None) the job's
    own city, area and skills.

    `reason` is the job audience's no-fit reason; None when segments fit but every one is an age
    proxy (`age_proxy_names`), which only an operator may choose, confirming the offer is open
    to every age.
    """
    if reason is not None:
        es, en = reason.message_es, reason.message_en
    else:
        names = ", ".join(f"«{name}»" for name in age_proxy_names)
        es = (
            f"Los segmentos que encajan ({names}) se explican en gran parte por la edad y no se "
            "eligen sin que un operador confirme que la oferta es para todas las edades"
        )
        en = (
            f"The segments that fit ({names}) are largely explained by age and are not chosen "
            "unless an operator confirms the offer is open to every age"
        )
    instead_es, instead_en = _JOB_OWN_ES, _JOB_OWN_EN
    if job_audience_size is not None:
        instead_es = (
            f"la campaña se dirige a los {job_audience_size:,} candidatos más afines a la "
            "vacante (su audiencia propia)"
        ).replace(",", ".")
        instead_en = (
            f"the campaign aims at the job's {job_audience_size:,} most likely candidates "
            "(its own audience)"
        )
    return Advisory(
        rule=NO_FIT,
        field=FIELD,
        message_es=f"Sin segmento recomendado: {_mid_sentence(es)}; {instead_es}.",
        message_en=f"No segment recommended: {_mid_sentence(en)}; {instead_en}.",
    )


def _weakest(reasons: Sequence[Reason]) -> Reason | None:
    """The reason that explains a low score best: the weaker of the core criteria (the trade and
    the place, which the score multiplies), else the first reason (e.g. no consenting member)."""
    core = [r for r in reasons if r.code in ("area", "place") and r.share is not None]
    if core:
        return min(core, key=lambda r: r.share or 0.0)
    return reasons[0] if reasons else None


def _mid_sentence(text: str) -> str:
    """A sentence continued after a colon: "Ningún miembro..." -> "ningún miembro..." (an
    acronym or a number keeps its form)."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
