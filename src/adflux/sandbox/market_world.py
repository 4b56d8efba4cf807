"""The simulated market's world: the people the platforms can reach and the job site's open jobs.

Written through `PUT /_sandbox/market/world` (validated here, replaced whole) and read by the
market: who an ad can reach, who clicks, how well a clicker fits the job. The platforms match
people to uploaded audience members by hashing each person's email and phone the way that
platform documents it; the sandbox does that on its own side, independently of AdFlux.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

SENIORITY_YEARS = {"junior": 0.0, "semi_senior": 2.0, "senior": 5.0, "lead": 10.0}
REMOTE_MODES = ("presencial", "hibrido", "remoto")
EDUCATION_RANK = {
    "bachiller": 0,
    "tecnico": 1,
    "tecnologo": 2,
    "profesional": 3,
    "especializacion": 4,
    "maestria": 5,
    "doctorado": 6,
}
# The education a job of each seniority usually asks for (jobs carry no requirement of their own).
SENIORITY_EDUCATION = {"junior": 1, "semi_senior": 2, "senior": 3, "lead": 3}
MAX_ITEMS = 200_000


class WorldError(ValueError):
    """A world or job-site body the market refuses; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Person:
    ref: str | None  # Magneto's candidate external_ref; None for someone without a profile
    email: str | None
    phone: str | None
    city: str
    area: str
    years_experience: float | None
    desired_salary_cop: int | None
    education_level: str
    remote_preference: str


@dataclass(frozen=True)
class Job:
    ref: str
    city: str
    area: str
    seniority: str
    remote_mode: str
    salary_min_cop: int | None
    salary_max_cop: int | None
    employment_type: str


@dataclass
class World:
    people: list[Person] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    # platform -> member hash -> indexes of the people it identifies
    _hashes: dict[str, dict[str, list[int]]] = field(default_factory=dict, repr=False)

    def people_with_hashes(self, platform: str, hashes: set[str]) -> list[int]:
        """Indexes of the people one of `hashes` identifies on `platform`, ascending."""
        index = self._hashes.get(platform)
        if index is None:
            index = self._hashes[platform] = _hash_index(platform, self.people)
        found = {i for h in hashes for i in index.get(h, ())}
        return sorted(found)

    def to_json(self) -> dict[str, Any]:
        return {
            "people": [person.__dict__ for person in self.people],
            "jobs": [job.__dict__ for job in self.jobs.values()],
        }


# --------------------------------------------------------------------------- validation


def parse_world(body: Any) -> World:
    """The world in a PUT body, or WorldError naming the first bad field."""
    if not isinstance(body, dict):
        raise WorldError("body", "must be a JSON object with people and jobs")
    people_raw, jobs_raw = body.get("people"), body.get("jobs")
    for name, value in (("people", people_raw), ("jobs", jobs_raw)):
        if not isinstance(value, list):
            raise WorldError(name, "must be a list")
        if len(value) > MAX_ITEMS:
            raise WorldError(name, f"at most {MAX_ITEMS} items")
    assert isinstance(people_raw, list) and isinstance(jobs_raw, list)
    people = [_person(item, f"people[{i}]") for i, item in enumerate(people_raw)]
    jobs: dict[str, Job] = {}
    for i, item in enumerate(jobs_raw):
        job = _job(item, f"jobs[{i}]")
        if job.ref in jobs:
            raise WorldError(f"jobs[{i}].ref", f"duplicate ref {job.ref!r}")
        jobs[job.ref] = job
    return World(people=people, jobs=jobs)


def parse_job_site(body: Any) -> tuple[str, str]:
    """(applications_url, token) from a PUT body, or WorldError."""
    if not isinstance(body, dict):
        raise WorldError("body", "must be a JSON object")
    url, token = body.get("applications_url"), body.get("token")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise WorldError("applications_url", "must be an http(s) URL")
    if not isinstance(token, str) or not token:
        raise WorldError("token", "must be a non-empty string")
    return url, token


def _person(item: Any, where: str) -> Person:
    if not isinstance(item, dict):
        raise WorldError(where, "must be an object")
    return Person(
        ref=_text(item, "ref", where, optional=True),
        email=_text(item, "email", where, optional=True),
        phone=_text(item, "phone", where, optional=True),
        city=_text(item, "city", where) or "",
        area=_text(item, "area", where) or "",
        years_experience=_number(item, "years_experience", where),
        desired_salary_cop=_whole(item, "desired_salary_cop", where),
        education_level=_choice(item, "education_level", where, tuple(EDUCATION_RANK)),
        remote_preference=_choice(item, "remote_preference", where, REMOTE_MODES),
    )


def _job(item: Any, where: str) -> Job:
    if not isinstance(item, dict):
        raise WorldError(where, "must be an object")
    job = Job(
        ref=_text(item, "ref", where) or "",
        city=_text(item, "city", where) or "",
        area=_text(item, "area", where) or "",
        seniority=_choice(item, "seniority", where, tuple(SENIORITY_YEARS)),
        remote_mode=_choice(item, "remote_mode", where, REMOTE_MODES),
        salary_min_cop=_whole(item, "salary_min_cop", where),
        salary_max_cop=_whole(item, "salary_max_cop", where),
        employment_type=_text(item, "employment_type", where) or "",
    )
    low, high = job.salary_min_cop, job.salary_max_cop
    if low is not None and high is not None and high < low:
        raise WorldError(f"{where}.salary_max_cop", "must not be below salary_min_cop")
    return job


def _text(item: dict[str, Any], name: str, where: str, *, optional: bool = False) -> str | None:
    value = item.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise WorldError(f"{where}.{name}", "must be a non-empty string")
    return value


def _choice(item: dict[str, Any], name: str, where: str, allowed: tuple[str, ...]) -> str:
    value = item.get(name)
    if value not in allowed:
        raise WorldError(f"{where}.{name}", f"must be one of {', '.join(allowed)}")
    return str(value)


def _number(item: dict[str, Any], name: str, where: str) -> float | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise WorldError(f"{where}.{name}", "must be a non-negative number or null")
    return float(value)


def _whole(item: dict[str, Any], name: str, where: str) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WorldError(f"{where}.{name}", "must be a non-negative whole number of COP or null")
    return value


# --------------------------------------------------------------------------- hashing


def member_hashes(platform: str, person: Person) -> set[str]:
    """SHA-256 hex of the person's email and phone as `platform` normalises them before hashing.

    meta: email trimmed (and "." at the ends) and lowercased; phone digits with country code.
    google (Data Manager): email lowercased without whitespace, gmail dots and "+tag" removed;
    phone E.164 with "+". x: email trimmed and lowercased; phone digits with country code.
    tiktok: email lowercased without whitespace and "+tag"; phone digits with country code.
    snapchat: email trimmed and lowercased; phone digits with country code, no "+" or leading 0.
    """
    texts = []
    if person.email:
        texts.append(_EMAIL_RULES[platform](person.email))
    e164 = _e164(person.phone) if person.phone else None
    if e164:
        texts.append(e164 if platform == "google" else e164[1:])
    return {hashlib.sha256(text.encode()).hexdigest() for text in texts}


def _gmail(raw: str) -> str:
    email = "".join(raw.split()).lower()
    local, _, domain = email.rpartition("@")
    if domain in ("gmail.com", "googlemail.com"):
        return f"{local.split('+', 1)[0].replace('.', '')}@{domain}"
    return email


def _no_tag(raw: str) -> str:
    email = "".join(raw.split()).lower()
    local, at, domain = email.partition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}"


_EMAIL_RULES = {
    "meta": lambda raw: raw.strip(" \t\r\n\0\x0b.").lower(),
    "google": _gmail,
    "x": lambda raw: raw.strip().lower(),
    "tiktok": _no_tag,
    "snapchat": lambda raw: raw.strip().lower(),
}


def _e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "CO")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _hash_index(platform: str, people: list[Person]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for i, person in enumerate(people):
        for digest in member_hashes(platform, person):
            index.setdefault(digest, []).append(i)
    return index
