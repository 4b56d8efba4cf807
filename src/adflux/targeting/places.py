"""Where a job's ads should appear: its own city, the nearby cities where people of its trade live,
or the whole country for a remote job (unless those people gather in a few cities).

The database counts the consenting candidates of the job's area per city (one GROUP BY,
`fitting_candidates_by_city`); `places_from_counts` turns those counts into the places and the
reasons a recruiter reads. Nothing here reads age, gender or the generator's planted labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.geo import City, distance_km, find_city
from adflux.i18n.messages import Message, PluralMessage
from adflux.targeting.fit import NEAR_KM, Reason, area_in_sentence, share_text

# A remote job reaches anyone in Colombia, so by default its ads cover the whole country. When
# four in five of the people of its trade live in at most three cities, aiming at those cities
# keeps nearly every likely applicant while the budget stops paying for impressions where almost
# none of them live.
CONCENTRATED_SHARE = 0.8
CONCENTRATED_MAX_CITIES = 3
# Below this many candidates of the trade, where they happen to live says little about where the
# trade's people live: a remote job keeps the whole country.
CONCENTRATION_MIN_POOL = 30


class PlacedJob(Protocol):
    """What placing a job reads (a JobOpening, or the plain JobAd built from one)."""

    @property
    def city(self) -> str: ...

    @property
    def area(self) -> str: ...

    @property
    def remote_mode(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Place:
    """A city to aim at, how far it is from the job, how many fitting candidates live there."""

    city: str
    km_from_job: float | None  # None when the job's city is not in the coordinates table
    fitting_candidates: int
    reason: Reason


@dataclass(frozen=True, slots=True)
class Places:
    """The cities a job's ads aim at; `country_wide` means the whole country (no city list)."""

    cities: tuple[Place, ...]
    country_wide: bool


def job_places(*, db_session: DbSession, job: PlacedJob) -> Places:
    """The places a job's ads should cover, from where its trade's consenting candidates live."""
    return places_from_counts(job, fitting_candidates_by_city(db_session=db_session, area=job.area))


def fitting_candidates_by_city(*, db_session: DbSession, area: str) -> dict[str, int]:
    """Consenting candidates of `area` per city, cities named as the coordinates table names them
    (a city it does not list keeps the name candidates wrote). One GROUP BY."""
    rows = db_session.execute(
        sa.select(Candidate.city, sa.func.count())
        .where(Candidate.marketing_consent.is_(True), Candidate.area == area)
        .group_by(Candidate.city)
    ).all()
    counts: dict[str, int] = {}
    for written, n in rows:
        city = find_city(written)
        name = city.name if city is not None else written
        counts[name] = counts.get(name, 0) + int(n)
    return counts


def places_from_counts(job: PlacedJob, counts: Mapping[str, int]) -> Places:
    """The job's places from the count of its trade's consenting candidates per city (pure).

    On-site and hybrid jobs: the job's city always, then every city within `fit.NEAR_KM` where
    such candidates live, most candidates first. Remote jobs: the whole country, or the few
    cities where those candidates concentrate (`CONCENTRATED_SHARE`).
    """
    total = sum(counts.values())
    centre = find_city(job.city)
    if job.remote_mode == "remoto":
        return _remote_places(job, counts, total, centre)
    home = centre.name if centre is not None else job.city
    at_home = counts.get(home, 0)
    nearby = []
    for name, n in counts.items():
        city = find_city(name)
        if n <= 0 or name == home or city is None or centre is None:
            continue
        km = round(distance_km(centre, city), 1)
        if km <= NEAR_KM:
            nearby.append(Place(city.name, km, n, _near_reason(job, city.name, n, total, km)))
    nearby.sort(key=lambda p: (-p.fitting_candidates, p.km_from_job or 0.0, p.city))
    job_city = Place(home, 0.0, at_home, _job_city_reason(job, home, at_home, total))
    return Places(cities=(job_city, *nearby), country_wide=False)


def _remote_places(
    job: PlacedJob, counts: Mapping[str, int], total: int, centre: City | None
) -> Places:
    """The cities that together hold CONCENTRATED_SHARE of the trade's candidates, when at most
    CONCENTRATED_MAX_CITIES do; otherwise the whole country."""
    if total < CONCENTRATION_MIN_POOL:
        return Places(cities=(), country_wide=True)
    chosen: list[Place] = []
    held = 0
    for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        city = find_city(name)
        if city is None:  # cannot be aimed at: its people count only towards the country
            continue
        km = round(distance_km(centre, city), 1) if centre is not None else None
        chosen.append(Place(city.name, km, n, _concentrated_reason(job, city.name, n / total)))
        held += n
        if held / total >= CONCENTRATED_SHARE:
            return Places(cities=tuple(chosen), country_wide=False)
        if len(chosen) == CONCENTRATED_MAX_CITIES:
            break
    return Places(cities=(), country_wide=True)


def _share(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def _job_city_reason(job: PlacedJob, city: str, n: int, total: int) -> Reason:
    if n == 0:
        return Reason(
            "job_city",
            0.0,
            Message(
                "The job is in %(city)s: no candidate in %(area)s lives there yet, but people "
                "who live there can apply",
                city=city,
                area=area_in_sentence(job.area),
            ),
        )
    return Reason(
        "job_city",
        _share(n, total),
        PluralMessage(
            "%(count)s candidate in %(area)s lives in %(city)s, the job's city",
            "%(count)s candidates in %(area)s live in %(city)s, the job's city",
            n,
            area=area_in_sentence(job.area),
            city=city,
        ),
    )


def _near_reason(job: PlacedJob, city: str, n: int, total: int, km: float) -> Reason:
    return Reason(
        "near_city",
        _share(n, total),
        PluralMessage(
            "%(count)s candidate in %(area)s lives in %(city)s, %(km)s km away",
            "%(count)s candidates in %(area)s live in %(city)s, %(km)s km away",
            n,
            area=area_in_sentence(job.area),
            city=city,
            km=round(km),
        ),
    )


def _concentrated_reason(job: PlacedJob, city: str, share: float) -> Reason:
    return Reason(
        "concentrated",
        round(share, 4),
        Message(
            "%(share)s of the candidates in %(area)s live in %(city)s (a remote job: advertised "
            "where they concentrate)",
            share=share_text(share),
            area=area_in_sentence(job.area),
            city=city,
        ),
    )
