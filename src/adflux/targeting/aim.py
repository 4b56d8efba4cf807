"""A campaign's targeting, built in one place: the publishing task and the dashboard's preview
both call `campaign_targeting`, so what a recruiter checks is what the platforms receive.

Places come from the job (its city, the nearby cities where its trade's people live, the country
for a remote job: places.py), keywords and interests from the job itself (its title, skills and
area), the people from the consenting custom audiences given. Ages stay 18-65+ and genders all:
employment ads may not narrow by either (campaigns/compliance.py checks every rule again before
anything reaches a platform).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from adflux.geo import find_city
from adflux.platforms.base import GeoTarget, Targeting
from adflux.segmentation.models import Segment
from adflux.targeting.places import PlacedJob, Places

AGE_MIN = 18
AGE_MAX = 65  # the platforms' "65+": no upper limit
# The radius around each targeted city: the platforms' smallest for job ads is Meta's 15 miles
# (24 km; Google, X, TikTok and Snapchat accept it too), and 25 km covers a Colombian city and
# its outskirts.
CITY_RADIUS_KM = 25.0
MAX_LOCATIONS = 25
MAX_KEYWORDS = 20
MAX_INTERESTS = 10
PROFILE_VALUES_USED = 5  # of each segment-profile list, the most common values targeting reads

# Words of a job title that name its level, not its trade: nobody searches "senior" for a job.
_LEVEL_WORDS = re.compile(
    r"\b(?:junior|jr|semi[\s-]?senior|ssr|senior|sr|trainee)\b\.?", flags=re.IGNORECASE
)
# What separates two trades in one title ("Asistente administrativo / Recepcionista"); a slash
# without spaces joins one trade's names ("Diseñador UX/UI", "y/o") and does not split.
_TITLE_SEPARATORS = re.compile(r"\s+[-–—|/·]\s+|,|;")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CONNECTORS = frozenset(
    {"de", "del", "la", "las", "el", "los", "y", "e", "o", "u", "en", "para", "con"}
)


class AimedJob(PlacedJob, Protocol):
    """What targeting reads of a job (a JobOpening, or the plain JobAd built from one): where it
    is placed, and the words its title and skills give."""

    @property
    def title(self) -> str: ...

    @property
    def skills(self) -> Sequence[str] | None: ...


def campaign_targeting(
    *,
    job: AimedJob,
    segments: Sequence[Segment],
    custom_audience_ids: Sequence[str] = (),
    places: Places | None = None,
    country: str = "CO",
    languages: tuple[str, ...] = ("es",),
) -> Targeting:
    """THE targeting of a campaign for `job` on `segments`.

    Locations: the cities of `places` (`job_places`) with a CITY_RADIUS_KM radius, the job's own
    city always for on-site and hybrid jobs; none (the whole country) for a country-wide place.
    Without `places`, the job's city alone (the country for a remote job). Keywords: the title's
    trade, the job's skills, the skills of segments whose members mostly work in the job's area,
    then the area; interests: the area. Custom audiences: as given (consenting ones only: the
    compliance check refuses any other).
    """
    return Targeting(
        country=country,
        locations=_locations(job, places, country),
        age_min=AGE_MIN,
        age_max=AGE_MAX,
        genders=(),
        languages=languages,
        keywords=job_keywords(job, segments),
        interests=_dedupe([job.area], MAX_INTERESTS),
        custom_audience_ids=_dedupe(custom_audience_ids, len(custom_audience_ids)),
    )


def job_keywords(job: AimedJob, segments: Iterable[Segment]) -> tuple[str, ...]:
    """What the job's ads target as keywords: the trades its title names, its skills, the skills
    of `segments` of the job's own area, then the area; each once, at most MAX_KEYWORDS."""
    return _dedupe(
        [
            *title_keywords(job.title),
            *(job.skills or ()),
            *related_segment_skills(job.area, segments),
            job.area,
        ],
        MAX_KEYWORDS,
    )


def _locations(job: AimedJob, places: Places | None, country: str) -> tuple[GeoTarget, ...]:
    """Radius targets around the places' cities; () means the whole country. Cities missing from
    the coordinates table are left out, and the table is Colombian: elsewhere, the country."""
    if country != "CO" or (places is not None and places.country_wide):
        return ()
    names = [place.city for place in places.cities] if places is not None else []
    if job.remote_mode != "remoto":
        names.insert(0, job.city)  # the job's own city, always (a duplicate is dropped below)
    locations: dict[str, GeoTarget] = {}
    for name in names:
        city = find_city(name)
        if city is not None and city.name not in locations and len(locations) < MAX_LOCATIONS:
            locations[city.name] = GeoTarget(
                name=city.name,
                country=country,
                latitude=city.latitude,
                longitude=city.longitude,
                radius_km=CITY_RADIUS_KM,
            )
    return tuple(locations.values())


def title_keywords(title: str) -> tuple[str, ...]:
    """The trades a job title names, as people search for them: "Analista de datos junior" ->
    ("Analista de datos",); "Asistente administrativo / Recepcionista" -> both. Level words and
    bracketed notes are dropped."""
    found = []
    for part in _TITLE_SEPARATORS.split(_BRACKETS.sub(" ", title)):
        words = _LEVEL_WORDS.sub(" ", part).split()
        while words and words[-1].casefold() in _CONNECTORS:  # "Analista de" after "senior"
            words.pop()
        while words and words[0].casefold() in _CONNECTORS:
            words.pop(0)
        if words:
            found.append(" ".join(words))
    return tuple(found)


def related_segment_skills(area: str, segments: Iterable[Segment]) -> list[str]:
    """The top skills of the segments whose members mostly work in `area`: another trade's
    skills ("python" for an administrative job) would aim the ad at people who will not apply."""
    skills: list[str] = []
    for segment in segments:
        profile = segment.profile or {}
        areas = top_values(profile.get("top_areas"))
        if areas and areas[0].casefold() == area.casefold():
            skills.extend(top_values(profile.get("top_skills")))
    return skills


def top_values(entries: object) -> tuple[str, ...]:
    """The most common values of a profile list ({"value": ..., "share": ...} entries or plain
    strings), at most PROFILE_VALUES_USED."""
    values = []
    for entry in entries if isinstance(entries, list | tuple) else ():
        value = (entry.get("value") or entry.get("name")) if isinstance(entry, Mapping) else entry
        if value:
            values.append(str(value))
    return tuple(values[:PROFILE_VALUES_USED])


def _dedupe(values: Iterable[str], limit: int) -> tuple[str, ...]:
    """The values in order, whitespace tidied, each once whatever its case, at most `limit`."""
    seen: dict[str, str] = {}
    for value in values:
        text = " ".join(str(value).split())
        if text and text.casefold() not in seen and len(seen) < limit:
            seen[text.casefold()] = text
    return tuple(seen.values())
