"""Use cases of aiming: rank the active run's segments for a job and say where and on which
keywords its ads aim, in a fixed number of queries; recommend the segments a campaign aims at by
default, and warn about chosen ones that fit poorly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from adflux.advisories import Advisory
from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.errors import NotFound
from adflux.jobs.models import JobOpening
from adflux.segmentation.age_proxy import is_age_proxy
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership
from adflux.targeting import fit, warnings
from adflux.targeting.aim import job_keywords
from adflux.targeting.fit import JobTerms, MemberTally, Reason, SegmentFit
from adflux.targeting.places import Places, job_places

# How many segments a campaign aims at by default: the best few, so the budget is not spread thin.
RECOMMENDED_SEGMENTS = 3


@dataclass(frozen=True, slots=True)
class JobAudience:
    """The active run's segments ranked for one job, why none fits when none does, and where
    and on which keywords the job's campaigns aim (`job_audience` always fills both)."""

    job_id: int
    segments: list[SegmentFit]
    no_fit_reason: Reason | None
    places: Places | None = None
    keywords: tuple[str, ...] = ()
    # Segments whose profile says age explains them: never recommended (an operator chooses them,
    # confirming the offer is open to every age), and the fit says nothing about age.
    age_proxy_segment_ids: frozenset[int] = field(default_factory=frozenset)


def terms_of(job: JobOpening) -> JobTerms:
    """What the fit compares members with, read from the job."""
    return fit.job_terms(
        area=job.area,
        city=job.city,
        remote_mode=job.remote_mode,
        seniority=job.seniority,
        salary_min_cop=job.salary_min_cop,
        salary_max_cop=job.salary_max_cop,
        description=job.description,
    )


def rank_segments(*, db_session: DbSession, job_id: int) -> list[SegmentFit]:
    """The active run's segments, best fit first (empty without an active run); NotFound for an
    unknown job. Three queries whatever the number of segments or members."""
    return _ranked(db_session, _job_or_not_found(db_session, job_id))[0]


def job_audience(*, db_session: DbSession, job_id: int) -> JobAudience:
    """Ranked segments plus the "no segment fits" answer, the job's places and the keywords its
    campaigns target (with the fitting segments); NotFound for an unknown job. Four queries."""
    job = _job_or_not_found(db_session, job_id)
    fits, no_fit, segments = _ranked(db_session, job)
    fitting = {f.segment_id for f in fits if f.fits}
    return JobAudience(
        job_id=job.id,
        segments=fits,
        no_fit_reason=no_fit,
        places=job_places(db_session=db_session, job=job),
        keywords=job_keywords(job, [s for s in segments if s.id in fitting]),
        age_proxy_segment_ids=frozenset(s.id for s in segments if is_age_proxy(s.profile)),
    )


def recommended_segment_ids(
    audience: JobAudience, *, limit: int = RECOMMENDED_SEGMENTS
) -> list[int]:
    """The segments a campaign for the job aims at unless told otherwise: those that fit, best
    first, at most `limit`, leaving out age proxies (they need an operator's acknowledgement)."""
    return [
        f.segment_id
        for f in audience.segments
        if f.fits and f.segment_id not in audience.age_proxy_segment_ids
    ][:limit]


def low_fit_warnings(audience: JobAudience, segment_ids: Sequence[int]) -> list[Advisory]:
    """A `segment_low_fit` warning per chosen segment that does not fit the job, best first
    (segments outside the active run are not ranked, so nothing is said of them)."""
    chosen = set(segment_ids)
    return [warnings.low_fit(f) for f in audience.segments if f.segment_id in chosen and not f.fits]


def no_fit_warning(
    audience: JobAudience, *, job_audience_size: int | None = None
) -> Advisory | None:
    """Why no segment is recommended for the job (`no_segment_fits`); None when one is.
    `job_audience_size`: the campaign aims at the job's own audience of that many instead."""
    if recommended_segment_ids(audience, limit=1):
        return None
    proxies = [f.name for f in audience.segments if f.fits]  # fitting, so all age proxies
    return warnings.no_segment_fits(
        audience.no_fit_reason, age_proxy_names=proxies, job_audience_size=job_audience_size
    )


def fit_warnings(
    *, db_session: DbSession, job_id: int, segment_ids: Sequence[int]
) -> list[Advisory]:
    """Warnings about chosen segments that fit the job poorly (none chosen: none, and no query);
    NotFound for an unknown job."""
    if not segment_ids:
        return []
    audience = job_audience(db_session=db_session, job_id=job_id)
    return low_fit_warnings(audience, segment_ids)


def _job_or_not_found(db_session: DbSession, job_id: int) -> JobOpening:
    job = db_session.get(JobOpening, job_id)
    if job is None:
        raise NotFound("job %(job_id)s does not exist", job_id=job_id)
    return job


def _ranked(
    db_session: DbSession, job: JobOpening
) -> tuple[list[SegmentFit], Reason | None, list[Segment]]:
    """The active run's segments ranked for `job`, the no-fit reason, and the segment rows."""
    terms = terms_of(job)
    segments = list(
        db_session.scalars(
            sa.select(Segment)
            .join(SegmentationRun, SegmentationRun.id == Segment.run_id)
            .where(SegmentationRun.is_active.is_(True))
        )
    )
    tallies = {t.segment_id: t for t in member_tallies(db_session=db_session, terms=terms)}
    fits = fit.rank(
        [fit.score_segment(terms, tallies.get(s.id) or _empty(s.id), name=s.name) for s in segments]
    )
    return fits, fit.no_fit_reason(terms, fits, list(tallies.values())), segments


def _empty(segment_id: int) -> MemberTally:
    return MemberTally(segment_id, 0, 0, 0, 0, 0, 0, 0)


def member_tallies(*, db_session: DbSession, terms: JobTerms) -> list[MemberTally]:
    """Per segment of the active run, its consenting members and how many meet each criterion:
    one GROUP BY over memberships joined to candidates (segments without consenting members are
    absent)."""
    in_area = Candidate.area == terms.area
    place = _place_weight(terms)
    one = sa.literal(1.0)
    zero = sa.literal(0.0)
    rows = db_session.execute(
        sa.select(
            SegmentMembership.segment_id,
            sa.func.count(),
            sa.func.sum(sa.case((in_area, one), else_=zero)),
            sa.func.sum(place),
            sa.func.sum(sa.case((in_area, place), else_=zero)),
            sa.func.sum(sa.case((_experience_suits(terms), one), else_=zero)),
            sa.func.sum(sa.case((_salary_met(terms), one), else_=zero)),
            sa.func.sum(sa.case((_education_suits(terms), one), else_=zero)),
        )
        .join(SegmentationRun, SegmentationRun.id == SegmentMembership.run_id)
        .join(Candidate, Candidate.id == SegmentMembership.candidate_id)
        .where(SegmentationRun.is_active.is_(True), Candidate.marketing_consent.is_(True))
        .group_by(SegmentMembership.segment_id)
    ).all()
    return [
        MemberTally(
            segment_id=int(row[0]),
            members=int(row[1]),
            area=float(row[2] or 0),
            place=float(row[3] or 0),
            area_place=float(row[4] or 0),
            experience=float(row[5] or 0),
            salary=float(row[6] or 0),
            education=float(row[7] or 0),
        )
        for row in rows
    ]


def _place_weight(terms: JobTerms) -> sa.ColumnElement[float]:
    """1 for a member who can reach the job, else 0; for a remote job, the member's inclination
    to remote work (fit.REMOTE_REACH)."""
    if terms.remote:
        return sa.case(
            *[
                (Candidate.remote_preference == p, sa.literal(w))
                for p, w in fit.REMOTE_REACH.items()
            ],
            else_=sa.literal(0.0),
        )
    return sa.case((Candidate.city.in_(terms.near_cities), sa.literal(1.0)), else_=sa.literal(0.0))


def _experience_suits(terms: JobTerms) -> sa.ColumnElement[bool]:
    """Years within the seniority's band; unknown experience is neutral (counted as suiting)."""
    low, high = fit.SENIORITY_YEARS[terms.seniority]
    years = Candidate.years_experience
    band = years >= low if high is None else sa.and_(years >= low, years < high)
    return sa.or_(years.is_(None), band)


def _salary_met(terms: JobTerms) -> sa.ColumnElement[bool]:
    """The offer covers the desired salary; an unknown desire is neutral (counted as met)."""
    if terms.offer_cop is None:
        return sa.true()
    desired = Candidate.desired_salary_cop
    return sa.or_(desired.is_(None), desired <= terms.offer_cop)


def _education_suits(terms: JobTerms) -> sa.ColumnElement[bool]:
    """The member's level is at least the one the job asks for."""
    return Candidate.education_level.in_(fit.educations_meeting(terms.min_education))
