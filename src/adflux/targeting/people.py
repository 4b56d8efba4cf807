"""A job's own audience: the consenting candidates most likely to apply, person by person.

Each person is scored as a segment of one would be (`fit.score_segment`): core = in the job's
area AND able to reach it (1 or 0; for a remote job, their inclination to remote work), times
SECONDARY_FLOOR + (1 - SECONDARY_FLOOR) x the weighted secondary criteria (experience, pay,
schooling; an unstated salary or schooling drops out). The criteria are the SQL of
`service.member_tallies`, so a person and a segment are judged alike, and the database ranks
everyone in one query (ORDER BY score LIMIT n), however many candidates there are.

Only people with a positive score are chosen: someone of another trade, or out of reach, is not
likely to apply, and sending their contact to a platform would serve no purpose of theirs
(Ley 1581 de 2012: data is used for the purpose it was given for). A job may therefore have fewer
people than asked for; `reach` says how many.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from adflux.advisories import Advisory
from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.errors import NotFound
from adflux.i18n.messages import Message
from adflux.jobs.models import JobOpening
from adflux.segmentation.group_age import GroupAgeCheck, group_age_check
from adflux.targeting import fit, service
from adflux.targeting.fit import JobTerms, MemberTally, Reason

DEFAULT_JOB_AUDIENCE_SIZE = 1000
# Fewer than 100 matched people and no platform delivers to a custom audience (each adapter's
# `min_custom_audience`; TikTok needs 1,000); past 50,000 the audience is no longer "the most
# likely" few.
JOB_AUDIENCE_MIN = 100
JOB_AUDIENCE_MAX = 50_000
SIZE_FIELD = "job_audience_size"
AGE_SKEW_RULE = "job_audience_age_skew"


@dataclass(frozen=True, slots=True)
class CandidateFit:
    candidate_id: int
    score: float


@dataclass(frozen=True, slots=True)
class PeopleAudience:
    """What a job's own audience of `size_requested` would hold, and why."""

    size_requested: int
    reach: int  # the people chosen: at most size_requested
    mean_score: float
    reasons: tuple[Reason, ...]
    age_warning: Advisory | None


def job_terms(*, db_session: DbSession, job_id: int) -> JobTerms:
    """The terms of the job the people are ranked for; NotFound for an unknown job."""
    job = db_session.get(JobOpening, job_id)
    if job is None:
        raise NotFound("job %(job_id)s does not exist", job_id=job_id)
    return service.terms_of(job)


def ranked(terms: JobTerms, *, limit: int) -> sa.Select:
    """The `limit` consenting candidates with the best positive score, best first (ties by id):
    columns candidate_id, score and each criterion (place weighted, the others 1 or 0)."""
    place = service._place_weight(terms)
    experience = _flag(service._experience_suits(terms))
    salary = _flag(service._salary_met(terms))
    education = _flag(service._education_suits(terms))
    secondary = _weighted(
        {
            "experience": experience,
            "salary": salary if terms.offer_cop is not None else None,
            "education": education if terms.min_education is not None else None,
        }
    )
    floor = fit.SECONDARY_FLOOR
    # In the area by the WHERE clause: the core is the place weight.
    score = place * (sa.literal(floor) + sa.literal(1 - floor) * secondary)
    return (
        sa.select(
            Candidate.id.label("candidate_id"),
            score.label("score"),
            place.label("place"),
            experience.label("experience"),
            salary.label("salary"),
            education.label("education"),
        )
        .where(
            Candidate.marketing_consent.is_(True),
            Candidate.area == terms.area,
            place > 0,
        )
        .order_by(sa.desc("score"), Candidate.id)
        .limit(limit)
    )


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[float]:
    return sa.case((condition, sa.literal(1.0)), else_=sa.literal(0.0))


def _weighted(criteria: dict[str, sa.ColumnElement[float] | None]) -> sa.ColumnElement[float]:
    """fit._secondary per person: the weighted mean of the criteria that apply."""
    known = {k: w for k, w in fit.SECONDARY_WEIGHTS.items() if criteria[k] is not None}
    total = sum(known.values())
    parts = [sa.literal(w / total) * criteria[k] for k, w in known.items()]  # type: ignore[operator]
    result = parts[0]
    for part in parts[1:]:
        result = result + part
    return result


def rank_candidates(*, db_session: DbSession, job_id: int, limit: int) -> list[CandidateFit]:
    """The job's `limit` most likely consenting candidates, best first; NotFound for an unknown
    job."""
    terms = job_terms(db_session=db_session, job_id=job_id)
    rows = db_session.execute(ranked(terms, limit=max(limit, 0))).all()
    return [CandidateFit(int(row.candidate_id), round(float(row.score), 4)) for row in rows]


def ranked_ids(*, db_session: DbSession, job_id: int, limit: int) -> sa.Select:
    """A SELECT of the ids `rank_candidates` returns, to use inside another statement (the
    audience's contacts) without carrying tens of thousands of ids through Python."""
    terms = job_terms(db_session=db_session, job_id=job_id)
    chosen = ranked(terms, limit=max(limit, 0)).subquery("job_audience")
    return sa.select(chosen.c.candidate_id)


def job_audience_holds(*, db_session: DbSession, job_id: int, size: int, minimum: int) -> bool:
    """Whether the job's own audience of `size` holds at least `minimum` people (counting no
    further than that)."""
    if size < minimum:
        return False
    terms = job_terms(db_session=db_session, job_id=job_id)
    chosen = ranked(terms, limit=max(minimum, 0)).subquery("job_audience")
    held = db_session.execute(sa.select(sa.func.count()).select_from(chosen)).scalar_one()
    return int(held) >= minimum


def job_audience_preview(*, db_session: DbSession, job_id: int, size: int) -> PeopleAudience:
    """How many people the job's own audience of `size` reaches, how well they fit, why, and
    whether age alone sets them apart (the segments' age-proxy measure and threshold)."""
    terms = job_terms(db_session=db_session, job_id=job_id)
    chosen = ranked(terms, limit=max(size, 0)).subquery("job_audience")
    row = db_session.execute(
        sa.select(
            sa.func.count(),
            sa.func.avg(chosen.c.score),
            sa.func.sum(chosen.c.place),
            sa.func.sum(chosen.c.experience),
            sa.func.sum(chosen.c.salary),
            sa.func.sum(chosen.c.education),
        )
    ).one()
    reach = int(row[0])
    if reach == 0:
        return PeopleAudience(size, 0, 0.0, (_nobody(terms),), None)
    place = float(row[2] or 0)
    tally = MemberTally(
        segment_id=0,
        members=reach,
        area=reach,  # everyone chosen works in the area
        place=place,
        area_place=place,
        experience=float(row[3] or 0),
        salary=float(row[4] or 0),
        education=float(row[5] or 0),
    )
    check = group_age_check(db_session=db_session, group_ids=sa.select(chosen.c.candidate_id))
    return PeopleAudience(
        size_requested=size,
        reach=reach,
        mean_score=round(float(row[1] or 0), 4),
        reasons=fit.score_segment(terms, tally, name="").reasons,
        age_warning=_skew_warning(reach, check) if check.flagged else None,
    )


def _nobody(terms: JobTerms) -> Reason:
    area = fit.area_in_sentence(terms.area)
    if terms.remote:
        message = Message(
            "No candidate who accepted marketing works in %(area)s inclined to remote work",
            area=area,
        )
    else:
        message = Message(
            "No candidate who accepted marketing works in %(area)s near %(city)s",
            area=area,
            city=terms.city,
        )
    return Reason("no_candidates", None, message)


def _skew_warning(reach: int, check: GroupAgeCheck) -> Advisory:
    params = {
        "reach": reach,
        "auc": round(check.auc or 0.0, 2),
        "high": round(check.threshold, 2),
        "low": round(1 - check.threshold, 2),
    }
    if check.older:
        message = Message(
            "The %(reach)s candidates who best fit this job are mostly older than the rest: age "
            "alone tells them apart (AUC %(auc)s; warned at %(high)s or above, %(low)s or below). "
            "Targeting employment ads at them may act as an indirect age filter (Colombian Ley "
            "931 of 2004). Check the offer is open to all ages, or ask for another size.",
            **params,
        )
    else:
        message = Message(
            "The %(reach)s candidates who best fit this job are mostly younger than the rest: age "
            "alone tells them apart (AUC %(auc)s; warned at %(high)s or above, %(low)s or below). "
            "Targeting employment ads at them may act as an indirect age filter (Colombian Ley "
            "931 of 2004). Check the offer is open to all ages, or ask for another size.",
            **params,
        )
    return Advisory(rule=AGE_SKEW_RULE, field=SIZE_FIELD, message=message)
