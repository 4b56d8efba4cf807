"""Simulated candidates and job openings (pure, numpy-vectorised, no database).

Determinism: every candidate row ``i`` is a function of ``(seed, personas, i)`` only. Random numbers
are drawn per block of ``BLOCK_SIZE`` rows from ``SeedSequence([seed, block])``, so
``generate_candidates(n, start=s)`` and any ``iter_candidate_chunks(chunk_size=...)`` return the
same rows whatever the chunking. Faker is used only to build the name/company pools (reference.py).

Column types (columnar dict): strings are Python ``list[str]``; ``age`` int64 array;
``years_experience`` and ``desired_salary_cop`` float64 arrays with NaN where missing (~3 % each,
to exercise imputation); ``marketing_consent`` bool array; ``last_active_at`` datetime64[s] array in
UTC; ``languages``/``skills`` lists of shared, immutable tuples of str. ``candidate_records`` turns
the columns into plain-Python tuples (None for missing, aware datetimes) for database loaders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from adflux.datagen import personas as personas_mod
from adflux.datagen import reference as ref
from adflux.jobs.areas import AREA_KEYS, AREA_LABELS, AREAS

CANDIDATE_COLUMNS = (
    "external_ref",
    "full_name",
    "email",
    "phone",
    "age",
    "city",
    "department",
    "education_level",
    "years_experience",
    "area",
    "desired_salary_cop",
    "remote_preference",
    "languages",
    "skills",
    "last_active_at",
    "marketing_consent",
    "persona",
)
JOB_COLUMNS = (
    "external_ref",
    "title",
    "description",
    "company",
    "city",
    "department",
    "area",
    "seniority",
    "employment_type",
    "remote_mode",
    "salary_min_cop",
    "salary_max_cop",
    "currency",
    "skills",
    "status",
)

BLOCK_SIZE = 10_000
# Fixed "today" so that the same seed gives the same last_active_at on any day it is run.
DEFAULT_AS_OF = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
MISSING_SHARE = 0.03
CONSENT_SHARE = 0.85
SECOND_FIRST_NAME_SHARE = 0.35
MEAN_DAYS_SINCE_ACTIVE = 45.0
SALARY_NOISE_SIGMA = 0.18
MAX_SKILLS = 9
SKILL_POOL_PER_SIZE = 64

NATIONAL_EDUCATION = {
    "bachiller": 0.30,
    "tecnico": 0.18,
    "tecnologo": 0.17,
    "profesional": 0.25,
    "especializacion": 0.07,
    "maestria": 0.025,
    "doctorado": 0.005,
}
NATIONAL_REMOTE = {"presencial": 0.60, "hibrido": 0.30, "remoto": 0.10}


def _probabilities(choices: Sequence[str], weights: Mapping[str, float]) -> np.ndarray:
    vector = np.array([weights.get(c, 0.0) for c in choices], dtype=float)
    return vector / vector.sum()


def _mixed_cumulative(
    choices: Sequence[str],
    per_persona: Sequence[Mapping[str, float]],
    national: np.ndarray,
    noise: float,
) -> np.ndarray:
    """Cumulative distribution per persona, mixing in ``noise`` of the national distribution."""
    rows = []
    for weights in per_persona:
        own = _probabilities(choices, weights) if weights else national
        rows.append((1.0 - noise) * own + noise * national)
    cumulative = np.cumsum(np.array(rows), axis=1)
    cumulative[:, -1] = 1.0  # guard against rounding: u < 1 always falls in the last bucket
    return cumulative


@dataclass(frozen=True, slots=True)
class _Tables:
    """Everything the vectorised draws index into, precomputed once per persona count."""

    persona_names: np.ndarray
    persona_cum: np.ndarray
    area_cum: np.ndarray
    city_cum: np.ndarray
    education_cum: np.ndarray
    remote_cum: np.ndarray
    experience: np.ndarray  # (P, 4): mean, sd, min, max
    age_gap: np.ndarray
    salary_factor: np.ndarray
    english: np.ndarray
    skills_mean: np.ndarray


@lru_cache(maxsize=16)
def _tables(personas: int) -> _Tables:
    chosen = personas_mod.planted(personas)
    weights = np.array([p.weight for p in chosen])
    population = np.array([c.population for c in ref.CITIES], dtype=float)
    national_city = population / population.sum()
    national_area = np.full(len(AREA_KEYS), 1.0 / len(AREA_KEYS))
    return _Tables(
        persona_names=np.array([p.name for p in chosen], dtype=object),
        persona_cum=np.cumsum(weights / weights.sum()),
        area_cum=_mixed_cumulative(
            AREA_KEYS, [p.areas for p in chosen], national_area, personas_mod.AREA_NOISE
        ),
        city_cum=_mixed_cumulative(
            ref.CITY_NAMES, [p.cities for p in chosen], national_city, personas_mod.CITY_NOISE
        ),
        education_cum=_mixed_cumulative(
            ref.EDUCATION_LEVELS,
            [p.education for p in chosen],
            _probabilities(ref.EDUCATION_LEVELS, NATIONAL_EDUCATION),
            personas_mod.EDUCATION_NOISE,
        ),
        remote_cum=_mixed_cumulative(
            ref.REMOTE_PREFERENCES,
            [p.remote for p in chosen],
            _probabilities(ref.REMOTE_PREFERENCES, NATIONAL_REMOTE),
            personas_mod.REMOTE_NOISE,
        ),
        experience=np.array([p.experience for p in chosen]),
        age_gap=np.array([p.age_gap for p in chosen]),
        salary_factor=np.array([p.salary_factor for p in chosen]),
        english=np.array([p.english for p in chosen]),
        skills_mean=np.array([p.skills for p in chosen]),
    )


@dataclass(frozen=True, slots=True)
class _Pools:
    first_names: np.ndarray  # (2, FIRST_NAME_POOL): female, male
    first_slugs: np.ndarray
    last_names: np.ndarray
    last_slugs: np.ndarray
    skills: np.ndarray  # (areas, MAX_SKILLS, SKILL_POOL_PER_SIZE) of tuples
    languages: np.ndarray  # (len(LANGUAGE_SETS),) of tuples
    digits3: np.ndarray
    digits4: np.ndarray


def _object_array(items: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = list(items)
    return array


@lru_cache(maxsize=1)
def _pools() -> _Pools:
    names = ref.name_pools()
    size = min(len(names.female_first_names), len(names.male_first_names))
    given = (names.female_first_names[:size], names.male_first_names[:size])
    rng = np.random.default_rng(ref.POOL_SEED)
    skills = np.empty((len(AREAS), MAX_SKILLS, SKILL_POOL_PER_SIZE), dtype=object)
    for a, area in enumerate(AREAS):
        for size in range(1, MAX_SKILLS + 1):
            take = min(size, len(area.skills))
            for j in range(SKILL_POOL_PER_SIZE):
                picked = rng.choice(len(area.skills), size=take, replace=False)
                skills[a, size - 1, j] = tuple(area.skills[i] for i in picked)
    return _Pools(
        first_names=np.stack([_object_array(firsts) for firsts in given]),
        first_slugs=np.stack([_object_array([ref.ascii_slug(n) for n in f]) for f in given]),
        last_names=_object_array(names.last_names),
        last_slugs=_object_array([ref.ascii_slug(n).replace(".", "") for n in names.last_names]),
        skills=skills,
        languages=_object_array(ref.LANGUAGE_SETS),
        digits3=_object_array([f"{i:03d}" for i in range(1000)]),
        digits4=_object_array([f"{i:04d}" for i in range(10_000)]),
    )


def _categorical(cumulative: np.ndarray, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn from row ``group``'s cumulative distribution with uniform ``u``."""
    return (u[:, None] >= cumulative[group]).sum(axis=1)


def _block(tables: _Tables, seed: int, block: int) -> dict[str, np.ndarray]:
    """Latent draws (indices and numbers) for rows [block*BLOCK_SIZE, (block+1)*BLOCK_SIZE)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, block]))
    n = BLOCK_SIZE
    u = rng.random((n, 8))
    persona = np.searchsorted(tables.persona_cum, u[:, 0], side="right")
    persona = np.minimum(persona, len(tables.persona_cum) - 1)
    area = _categorical(tables.area_cum, persona, u[:, 1])
    city = _categorical(tables.city_cum, persona, u[:, 2])
    education = _categorical(tables.education_cum, persona, u[:, 3])
    remote = _categorical(tables.remote_cum, persona, u[:, 4])
    english = u[:, 5] < tables.english[persona]
    consent = u[:, 6] < CONSENT_SHARE
    language_u = u[:, 7]
    mean, sd, low, high = tables.experience[persona].T
    years = np.clip(rng.normal(mean, sd), low, high)
    gap = rng.gamma(1.5, tables.age_gap[persona] / 1.5)
    salary_noise = rng.lognormal(0.0, SALARY_NOISE_SIGMA, n)
    skill_count = np.clip(np.rint(rng.normal(tables.skills_mean[persona], 1.2)), 1, MAX_SKILLS)
    missing = rng.random((n, 2)) < MISSING_SHARE
    return {
        "persona": persona,
        "area": area,
        "city": city,
        "education": education,
        "remote": remote,
        "english": english,
        "consent": consent,
        "language_u": language_u,
        "years": years,
        "gap": gap,
        "salary_noise": salary_noise,
        "skill_count": skill_count.astype(np.int64),
        "skill_pick": rng.integers(0, SKILL_POOL_PER_SIZE, n),
        "missing_years": missing[:, 0],
        "missing_salary": missing[:, 1],
        "seconds_inactive": rng.exponential(MEAN_DAYS_SINCE_ACTIVE * 86_400.0, n),
        # Name picks are uniforms, scaled to the pool sizes later: the pools come from Faker.
        "first": rng.random(n),
        "second_first": rng.random(n),
        "has_second_first": rng.random(n) < SECOND_FIRST_NAME_SHARE,
        "male": rng.random(n) < 0.5,
        "last1": rng.random(n),
        "last2": rng.random(n),
        "domain": rng.random(n),
        "phone_prefix": rng.integers(0, len(ref.MOBILE_PREFIXES), n),
        "phone3": rng.integers(0, 1000, n),
        "phone4": rng.integers(0, 10_000, n),
    }


def _latent(tables: _Tables, seed: int, start: int, n: int) -> dict[str, np.ndarray]:
    first_block, last_block = start // BLOCK_SIZE, (start + n - 1) // BLOCK_SIZE
    blocks = [_block(tables, seed, b) for b in range(first_block, last_block + 1)]
    offset = start - first_block * BLOCK_SIZE
    return {key: np.concatenate([b[key] for b in blocks])[offset : offset + n] for key in blocks[0]}


def _language_sets(english: np.ndarray, u: np.ndarray) -> np.ndarray:
    # LANGUAGE_SETS = es | es+en | es+en+fr | es+en+pt | es+pt
    with_english = np.where(u < 0.85, 1, np.where(u < 0.93, 2, 3))
    without_english = np.where(u < 0.95, 0, 4)
    return np.where(english, with_english, without_english)


def _salaries(tables: _Tables, latent: dict[str, np.ndarray], areas: np.ndarray) -> np.ndarray:
    junior = np.array([a.junior_salary_cop for a in AREAS], dtype=float)[areas]
    # Pay grows with experience and flattens after ~12 years (the "lead" factor of the bands).
    growth = np.minimum(1.0 + 0.17 * latent["years"], ref.SENIORITY_SALARY_FACTOR["lead"])
    raw = junior * growth * tables.salary_factor[latent["persona"]] * latent["salary_noise"]
    salary = np.maximum(np.rint(raw / 50_000.0) * 50_000.0, ref.SMMLV_COP)
    return np.where(latent["missing_salary"], np.nan, salary)


def _ages(latent: dict[str, np.ndarray], education: np.ndarray) -> np.ndarray:
    finish = np.array([ref.EDUCATION_FINISH_AGE[e] for e in ref.EDUCATION_LEVELS])[education]
    return np.clip(np.rint(finish + latent["years"] + latent["gap"]), 16, 75).astype(np.int64)


def generate_candidates(
    n: int, *, seed: int, personas: int = 6, start: int = 0, as_of: datetime = DEFAULT_AS_OF
) -> dict[str, Any]:
    """Candidates ``start .. start+n-1`` as columns named like the Candidate model's fields."""
    if n < 0 or start < 0:
        raise ValueError("n and start must be >= 0")
    if n == 0:
        return _empty_candidates()
    tables, pools = _tables(personas), _pools()
    latent = _latent(tables, seed, start, n)
    index = range(start, start + n)
    area, city, education = latent["area"], latent["city"], latent["education"]

    gender = latent["male"].astype(np.int64)
    first_i = (latent["first"] * pools.first_names.shape[1]).astype(np.int64)
    second_i = (latent["second_first"] * pools.first_names.shape[1]).astype(np.int64)
    last1_i = (latent["last1"] * len(pools.last_names)).astype(np.int64)
    last2_i = (latent["last2"] * len(pools.last_names)).astype(np.int64)
    first = pools.first_names[gender, first_i]
    second_names = pools.first_names[gender, second_i]
    second = np.where(latent["has_second_first"] & (second_i != first_i), second_names, "")
    given = [f"{a} {b}" if b else a for a, b in zip(first.tolist(), second.tolist(), strict=True)]
    last1 = pools.last_names[last1_i].tolist()
    last2 = pools.last_names[last2_i].tolist()
    full_names = [f"{g} {a} {b}" for g, a, b in zip(given, last1, last2, strict=True)]

    domain_cum = np.cumsum(ref.EMAIL_DOMAIN_WEIGHTS)
    domain_index = np.minimum(np.searchsorted(domain_cum, latent["domain"], side="right"), 7)
    domains = _object_array(ref.EMAIL_DOMAINS)[domain_index].tolist()
    # The row index makes every address unique; surnames never contain digits, so no collisions.
    emails = [
        f"{f}.{s}{i}@{d}"
        for f, s, i, d in zip(
            pools.first_slugs[gender, first_i].tolist(),
            pools.last_slugs[last1_i].tolist(),
            index,
            domains,
            strict=True,
        )
    ]
    prefixes = np.array(ref.MOBILE_PREFIXES)[latent["phone_prefix"]].astype(str).tolist()
    phones = [
        f"{p} {a} {b}"
        for p, a, b in zip(
            prefixes,
            pools.digits3[latent["phone3"]].tolist(),
            pools.digits4[latent["phone4"]].tolist(),
            strict=True,
        )
    ]

    years = np.round(latent["years"], 1)
    as_of_utc = np.datetime64(as_of.astimezone(UTC).replace(tzinfo=None), "s")
    inactive = np.minimum(latent["seconds_inactive"], 730 * 86_400).astype("timedelta64[s]")
    city_names = _object_array(ref.CITY_NAMES)
    departments = _object_array([c.department for c in ref.CITIES])
    return {
        "external_ref": [f"cand-{i:09d}" for i in index],
        "full_name": full_names,
        "email": emails,
        "phone": phones,
        "age": _ages(latent, education),
        "city": city_names[city].tolist(),
        "department": departments[city].tolist(),
        "education_level": _object_array(ref.EDUCATION_LEVELS)[education].tolist(),
        "years_experience": np.where(latent["missing_years"], np.nan, years),
        "area": _object_array(AREA_LABELS)[area].tolist(),
        "desired_salary_cop": _salaries(tables, latent, area),
        "remote_preference": _object_array(ref.REMOTE_PREFERENCES)[latent["remote"]].tolist(),
        "languages": pools.languages[
            _language_sets(latent["english"], latent["language_u"])
        ].tolist(),
        "skills": pools.skills[area, latent["skill_count"] - 1, latent["skill_pick"]].tolist(),
        "last_active_at": as_of_utc - inactive,
        "marketing_consent": latent["consent"],
        "persona": tables.persona_names[latent["persona"]].tolist(),
    }


def _empty_candidates() -> dict[str, Any]:
    columns: dict[str, Any] = {name: [] for name in CANDIDATE_COLUMNS}
    columns.update(
        age=np.empty(0, dtype=np.int64),
        years_experience=np.empty(0),
        desired_salary_cop=np.empty(0),
        last_active_at=np.empty(0, dtype="datetime64[s]"),
        marketing_consent=np.empty(0, dtype=bool),
    )
    return columns


def iter_candidate_chunks(
    n: int,
    *,
    seed: int,
    personas: int = 6,
    chunk_size: int = 50_000,
    as_of: datetime = DEFAULT_AS_OF,
) -> Iterator[dict[str, Any]]:
    """``generate_candidates`` in chunks of at most ``chunk_size`` rows: memory stays bounded."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be > 0")
    for start in range(0, n, chunk_size):
        size = min(chunk_size, n - start)
        yield generate_candidates(size, seed=seed, personas=personas, start=start, as_of=as_of)


def _none_where(values: np.ndarray, missing: np.ndarray) -> list[Any]:
    column = values.astype(object)
    column[missing] = None
    return column.tolist()


def candidate_records(columns: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Rows as plain-Python tuples in CANDIDATE_COLUMNS order, for database loaders.

    Missing numbers become None, ``desired_salary_cop`` an int, ``last_active_at`` an aware UTC
    datetime; ``languages``/``skills`` stay tuples (JSON serialises them as arrays).
    """
    years = np.asarray(columns["years_experience"], dtype=float)
    salary = np.asarray(columns["desired_salary_cop"], dtype=float)
    salary_missing = np.isnan(salary)
    seconds = np.asarray(columns["last_active_at"]).astype("datetime64[s]").astype(np.int64)
    prepared = {
        **{name: columns[name] for name in CANDIDATE_COLUMNS},
        "age": np.asarray(columns["age"]).tolist(),
        "years_experience": _none_where(years, np.isnan(years)),
        "desired_salary_cop": _none_where(
            np.where(salary_missing, 0, salary).astype(np.int64), salary_missing
        ),
        "last_active_at": [datetime.fromtimestamp(s, UTC) for s in seconds.tolist()],
        "marketing_consent": np.asarray(columns["marketing_consent"]).tolist(),
    }
    return zip(*(prepared[name] for name in CANDIDATE_COLUMNS), strict=True)


def _cop(amount: int) -> str:
    """Colombian money format: 3500000 -> '$3.500.000'."""
    return "$" + f"{amount:,}".replace(",", ".")


JOB_STREAM = 0x10B5  # separates the job streams from the candidate blocks of the same seed
TECH_AREAS = frozenset({"tecnologia", "datos", "diseno"})


def _job(rng: np.random.Generator, index: int, city_p: np.ndarray) -> dict[str, Any]:
    area = AREAS[rng.integers(len(AREAS))]
    city = ref.CITIES[rng.choice(len(ref.CITIES), p=city_p)]
    seniority = ref.SENIORITIES[rng.choice(4, p=[0.35, 0.35, 0.22, 0.08])]
    if seniority == "junior":
        title = str(rng.choice(area.junior_titles))
    elif seniority == "lead":
        title = str(rng.choice(area.lead_titles))
    else:
        title = str(rng.choice(area.titles)) + (" senior" if seniority == "senior" else "")
    internship = title.startswith("Practicante")
    employment = (
        "practicas" if internship else ref.EMPLOYMENT_TYPES[rng.choice(3, p=[0.75, 0.10, 0.15])]
    )
    remote_p = [0.30, 0.45, 0.25] if area.key in TECH_AREAS else [0.75, 0.20, 0.05]
    remote = ref.REMOTE_PREFERENCES[rng.choice(3, p=remote_p)]
    low, high = ref.salary_band_cop(area.key, seniority)
    jitter = float(rng.uniform(0.9, 1.1))
    low = max(ref.SMMLV_COP, round(low * jitter / 50_000) * 50_000)
    high = max(low, round(high * jitter / 50_000) * 50_000)
    if internship:
        low = high = ref.SMMLV_COP  # the "apoyo de sostenimiento" of an apprenticeship
    skills = [area.skills[j] for j in rng.choice(len(area.skills), size=4, replace=False)]
    companies = ref.company_pool()
    company = companies[rng.integers(len(companies))]
    education = ("tecnico", "tecnologo", "profesional")[rng.integers(3)]
    context = {
        "company": company,
        "title_lower": title[0].lower() + title[1:],
        "city": city.name,
        "education": ref.EDUCATION_LABELS[education],
        "years": max(1, int(ref.SENIORITY_MIN_YEARS[seniority]) + int(rng.integers(0, 2))),
        "skill": skills[0],
        "employment": ref.EMPLOYMENT_LABELS[employment],
        "salary": f"{_cop(low)} a {_cop(high)}" if high > low else _cop(low),
    }
    duties = rng.choice(len(area.duties), size=2, replace=False)
    sentences = [
        str(rng.choice(ref.JOB_OPENERS)).format(**context),
        *(area.duties[d] for d in duties),
        str(rng.choice(ref.JOB_REQUIREMENTS)).format(**context),
        str(rng.choice(ref.JOB_OFFERS)).format(**context),
        ref.JOB_MODALITY[remote].format(**context),
    ]
    return {
        "external_ref": f"job-{index:06d}",
        "title": title,
        "description": " ".join(sentences),
        "company": company,
        "city": city.name,
        "department": city.department,
        "area": area.label,
        "seniority": seniority,
        "employment_type": employment,
        "remote_mode": remote,
        "salary_min_cop": int(low),
        "salary_max_cop": int(high),
        "currency": "COP",
        "skills": skills,
        "status": "open" if rng.random() < 0.9 else "closed",
    }


def generate_jobs(n: int, *, seed: int, start: int = 0) -> list[dict[str, Any]]:
    """Job openings ``start .. start+n-1`` as dicts named like the JobOpening model's fields.

    Each job has its own random stream ``SeedSequence([seed, JOB_STREAM, index])``, so job i is
    the same whatever ``n`` and ``start`` are.
    """
    if n < 0 or start < 0:
        raise ValueError("n and start must be >= 0")
    population = np.array([c.population for c in ref.CITIES], dtype=float)
    city_p = population / population.sum()
    return [
        _job(np.random.default_rng(np.random.SeedSequence([seed, JOB_STREAM, i])), i, city_p)
        for i in range(start, start + n)
    ]
