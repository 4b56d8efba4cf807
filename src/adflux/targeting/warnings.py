"""What a recruiter is told about the fit of a campaign's segments (pure).

A warning never blocks a campaign: a recruiter may know something the fit cannot see. It is an
Advisory, like the campaigns' compliance warnings, so campaigns shows both alike without this
package importing campaigns.
"""

from __future__ import annotations

from collections.abc import Sequence

from adflux.advisories import Advisory
from adflux.i18n.messages import Message, MidSentence
from adflux.targeting.fit import FIT_THRESHOLD, Reason, SegmentFit

LOW_FIT = "segment_low_fit"
NO_FIT = "no_segment_fits"
FIELD = "segment_ids"


def low_fit(segment: SegmentFit) -> Advisory:
    """A chosen segment that does not fit the job: its name, score and the reason that weighs
    most against it."""
    why = _weakest(segment.reasons)
    params = {"name": segment.name, "score": segment.score, "threshold": FIT_THRESHOLD}
    if why is None:
        message = Message(
            "Segment «%(name)s» fits this job poorly (fit %(score)s of 1; recommended from "
            "%(threshold)s)",
            **params,
        )
    else:
        message = Message(
            "Segment «%(name)s» fits this job poorly (fit %(score)s of 1; recommended from "
            "%(threshold)s): %(why)s",
            **params,
            why=MidSentence(why.message),
        )
    return Advisory(rule=LOW_FIT, field=FIELD, message=message)


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
        why = reason.message
    else:
        why = Message(
            "The segments that fit (%(names)s) are largely explained by age and are not chosen "
            "unless an operator confirms the offer is open to every age",
            names=", ".join(f"«{name}»" for name in age_proxy_names),
        )
    if job_audience_size is None:
        # What a campaign reaches when no segment is aimed at (campaigns.compliance
        # SegmentFacts.of_job).
        instead = Message("the campaign aims at the job's own city, area and skills")
    else:
        instead = Message(
            "the campaign aims at the job's %(size)s most likely candidates (its own audience)",
            size=job_audience_size,
        )
    return Advisory(
        rule=NO_FIT,
        field=FIELD,
        message=Message(
            "No segment recommended: %(why)s; %(instead)s.", why=MidSentence(why), instead=instead
        ),
    )


def _weakest(reasons: Sequence[Reason]) -> Reason | None:
    """The reason that explains a low score best: the weaker of the core criteria (the trade and
    the place, which the score multiplies), else the first reason (e.g. no consenting member)."""
    core = [r for r in reasons if r.code in ("area", "place") and r.share is not None]
    if core:
        return min(core, key=lambda r: r.share or 0.0)
    return reasons[0] if reasons else None
