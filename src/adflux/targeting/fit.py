"""How well a segment suits a job, from tallies of its consenting members (pure; no database).

The database counts, per segment, how many consenting members meet each criterion
(`service.rank_segments`); this module turns those counts into a score, a fit verdict and the
reasons a recruiter reads. The criteria are the ones a person weighs before applying: the trade
(area), whether they can get to the job (place), the seniority, the pay and the schooling. Age,
gender and the generator's planted labels are never criteria (a test reads this package's source).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from adflux.geo import all_cities, distance_km, find_city
from adflux.i18n.messages import Code, Message, MidSentence
from adflux.jobs.areas import AREA_BY_LABEL
from adflux.vocabulary import EDUCATION_LEVELS

# A commute people accept for a job: the radius (km) around the job's city that counts as "near".
NEAR_KM = 60.0

# Years of experience that suit each seniority: [low, high) ; None = no upper bound. The bands
# overlap on purpose: someone with 5 years applies to semi-senior and senior openings alike.
SENIORITY_YEARS: dict[str, tuple[float, float | None]] = {
    "junior": (0.0, 3.0),
    "semi_senior": (2.0, 6.0),
    "senior": (5.0, None),
    "lead": (8.0, None),
}

# Hybrid jobs count like on-site ones: the office days need the commute.
# Who reaches a remote job: anyone in Colombia, but how likely they apply follows their stated
# preference (someone who asked for on-site work still applies to remote jobs, less often).
REMOTE_REACH: dict[str, float] = {"remoto": 1.0, "hibrido": 0.75, "presencial": 0.4}

# The score is core x (SECONDARY_FLOOR + (1 - SECONDARY_FLOOR) x secondary), where core is the
# share of members who are BOTH of the job's area and able to reach it: a segment of another trade,
# or living too far, scores near zero whatever its pay or schooling (area and place dominate).
# Secondary criteria, weighted among themselves, move the score by at most half: experience
# matters most (seniority filters applicants hardest), then pay, then schooling (often flexible).
SECONDARY_WEIGHTS: dict[str, float] = {"experience": 0.40, "salary": 0.35, "education": 0.25}
SECONDARY_FLOOR = 0.5
# Below this score a segment does not fit: under ~1 in 5 members in the trade and within reach,
# advertising to it spends mostly on people who will not apply.
FIT_THRESHOLD = 0.2
# How many reasons a segment carries (area and place always first).
MAX_REASONS = 4

_EDUCATION_WORDS: tuple[tuple[str, str], ...] = (
    # Words a job description uses for each level (Spanish), most specific first.
    ("doctorado", r"doctorado"),
    ("maestria", r"maestr[ií]a"),
    ("especializacion", r"especializaci[oó]n"),
    ("tecnologo", r"tecnol[oó]gic[ao]|tecn[oó]logo"),
    ("tecnico", r"t[eé]cnic[ao]"),
    ("profesional", r"profesional"),
    ("bachiller", r"bachiller"),
)


@dataclass(frozen=True, slots=True)
class JobTerms:
    """What the fit compares members with, read from one job."""

    area: str
    city: str
    remote_mode: str
    seniority: str
    offer_cop: int | None  # the most the job pays (max, else min); None = not stated
    min_education: str | None  # lowest level the description asks for; None = not stated
    near_cities: tuple[str, ...]  # the job's city and every listed city within NEAR_KM

    @property
    def remote(self) -> bool:
        return self.remote_mode == "remoto"


@dataclass(frozen=True, slots=True)
class MemberTally:
    """Counts over one segment's consenting members (place and area_place may be weighted)."""

    segment_id: int
    members: int
    area: float
    place: float
    area_place: float
    experience: float
    salary: float
    education: float


@dataclass(frozen=True, slots=True)
class Reason:
    # area | place | experience | salary | education | no_members | no_segments | no_fit;
    # a place's reason (places.py): job_city | near_city | concentrated
    code: str
    share: float | None
    message: Message


@dataclass(frozen=True, slots=True)
class SegmentFit:
    segment_id: int
    name: str
    score: float
    reach: int  # consenting members: the people an ad to this segment can reach
    fits: bool
    reasons: tuple[Reason, ...]


def job_terms(
    *,
    area: str,
    city: str,
    remote_mode: str,
    seniority: str,
    salary_min_cop: int | None,
    salary_max_cop: int | None,
    description: str,
) -> JobTerms:
    """The terms of a job as the fit reads them."""
    offer = salary_max_cop if salary_max_cop is not None else salary_min_cop
    return JobTerms(
        area=area,
        city=city,
        remote_mode=remote_mode,
        seniority=seniority,
        offer_cop=offer,
        min_education=required_education(description),
        near_cities=near_cities(city),
    )


def near_cities(city: str, radius_km: float = NEAR_KM) -> tuple[str, ...]:
    """The job's city as written, plus every listed city whose centre is within `radius_km`."""
    centre = find_city(city)
    if centre is None:
        return (city,)
    names = [city] if city != centre.name else []
    names.extend(other.name for other in all_cities() if distance_km(centre, other) <= radius_km)
    return tuple(names)


def required_education(description: str) -> str | None:
    """The lowest education level the description asks for ("formación técnica ..."), if any."""
    found = [
        level
        for level, pattern in _EDUCATION_WORDS
        if re.search(rf"\b(?:{pattern})\b", description, flags=re.IGNORECASE)
    ]
    if not found:
        return None
    return min(found, key=EDUCATION_LEVELS.index)


def educations_meeting(level: str | None) -> tuple[str, ...]:
    """The education levels at or above `level` (every level when none is asked)."""
    if level is None:
        return EDUCATION_LEVELS
    return EDUCATION_LEVELS[EDUCATION_LEVELS.index(level) :]


def score_segment(terms: JobTerms, tally: MemberTally, *, name: str) -> SegmentFit:
    """The score, verdict and reasons of one segment for one job."""
    n = tally.members
    if n == 0:
        reason = Reason("no_members", None, Message("No member of the segment accepted marketing"))
        return SegmentFit(tally.segment_id, name, 0.0, 0, False, (reason,))
    shares = {
        "area": tally.area / n,
        "place": tally.place / n,
        "experience": tally.experience / n,
        "salary": tally.salary / n if terms.offer_cop is not None else None,
        "education": tally.education / n if terms.min_education is not None else None,
    }
    secondary = _secondary(shares)
    core = tally.area_place / n
    score = round(core * (SECONDARY_FLOOR + (1 - SECONDARY_FLOOR) * secondary), 4)
    return SegmentFit(
        segment_id=tally.segment_id,
        name=name,
        score=score,
        reach=n,
        fits=score >= FIT_THRESHOLD,
        reasons=_reasons(terms, shares),
    )


def _secondary(shares: dict[str, float | None]) -> float:
    """Weighted mean of the secondary shares that apply (an unstated salary or schooling is
    neutral: its weight is dropped, not counted as a miss)."""
    known = {k: w for k, w in SECONDARY_WEIGHTS.items() if shares[k] is not None}
    total = sum(known.values())
    return sum(w * (shares[k] or 0.0) for k, w in known.items()) / total


def area_in_sentence(area: str) -> MidSentence:
    """An area, stored by its Spanish label, as a message's parameter: its label in the reader's
    language, mid-sentence ("candidates in sales"); an area outside the vocabulary as written."""
    known = AREA_BY_LABEL.get(area)
    return MidSentence(Code("area", known.key) if known else area)


def share_text(share: float) -> str:
    """A share as a reason quotes it: 0.724 -> "72 %" (the same in both languages)."""
    return f"{round(share * 100)} %"


def _reasons(terms: JobTerms, shares: dict[str, float | None]) -> tuple[Reason, ...]:
    area, place = shares["area"] or 0.0, shares["place"] or 0.0
    first = [
        Reason(
            "area",
            area,
            Message(
                "%(share)s work in %(area)s",
                share=share_text(area),
                area=area_in_sentence(terms.area),
            ),
        ),
        _place_reason(terms, place),
    ]
    secondary = [
        reason
        for reason in (
            _experience_reason(terms, shares["experience"]),
            _salary_reason(shares["salary"]),
            _education_reason(terms, shares["education"]),
        )
        if reason is not None
    ]
    secondary.sort(key=lambda r: -(r.share or 0.0))
    return tuple([*first, *secondary][:MAX_REASONS])


def _place_reason(terms: JobTerms, share: float) -> Reason:
    if terms.remote:
        return Reason(
            "place",
            share,
            Message(
                "%(share)s inclined to remote work (a remote job anywhere in Colombia)",
                share=share_text(share),
            ),
        )
    return Reason(
        "place",
        share,
        Message(
            "%(share)s live in %(city)s or within %(km)s km",
            share=share_text(share),
            city=terms.city,
            km=round(NEAR_KM),
        ),
    )


def _experience_reason(terms: JobTerms, share: float | None) -> Reason | None:
    if share is None:
        return None
    return Reason(
        "experience",
        share,
        Message(
            "%(share)s have the experience of a %(seniority)s role",
            share=share_text(share),
            seniority=Code("seniority", terms.seniority),
        ),
    )


def _salary_reason(share: float | None) -> Reason | None:
    if share is None:
        return None
    return Reason(
        "salary",
        share,
        Message("%(share)s expect a salary the offer meets", share=share_text(share)),
    )


def _education_reason(terms: JobTerms, share: float | None) -> Reason | None:
    if share is None or terms.min_education is None:
        return None
    return Reason(
        "education",
        share,
        Message(
            "%(share)s studied to %(education)s level or higher",
            share=share_text(share),
            education=Code("education", terms.min_education),
        ),
    )


def rank(fits: Sequence[SegmentFit]) -> list[SegmentFit]:
    """Best first; ties by larger reach, then segment id (a stable order)."""
    return sorted(fits, key=lambda f: (-f.score, -f.reach, f.segment_id))


def no_fit_reason(
    terms: JobTerms, fits: Sequence[SegmentFit], tallies: Sequence[MemberTally]
) -> Reason | None:
    """Why no segment is recommended, or None when at least one fits."""
    if any(f.fits for f in fits):
        return None
    if not fits:
        return Reason(
            "no_segments",
            None,
            Message("There are no active segments: train a segmentation first"),
        )
    best_area = max((t.area / t.members for t in tallies if t.members), default=0.0)
    if best_area < FIT_THRESHOLD:
        return Reason(
            "no_fit",
            best_area,
            Message(
                "No segment gathers candidates in %(area)s (the best: %(share)s)",
                area=area_in_sentence(terms.area),
                share=share_text(best_area),
            ),
        )
    area = area_in_sentence(terms.area)
    if terms.remote:
        message = Message(
            "No segment has enough candidates in %(area)s inclined to remote work", area=area
        )
    else:
        message = Message(
            "No segment has enough candidates in %(area)s near %(city)s", area=area, city=terms.city
        )
    return Reason("no_fit", None, message)
