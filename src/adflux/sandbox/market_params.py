"""The market's hidden parameters and its fit of a person to a job. Hidden from AdFlux.

Drawn from the market's seed inside fixed envelopes, so each seed is a plausible market and the
same seed is the same market. See `adflux.sandbox.market` for what each one drives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from adflux.sandbox.market_world import (
    EDUCATION_RANK,
    SENIORITY_EDUCATION,
    SENIORITY_YEARS,
    Job,
    Person,
)


@dataclass(frozen=True)
class PlatformRates:
    cpm_low: int
    cpm_high: int
    ctr: float
    propensity: float


@dataclass(frozen=True)
class HiddenParameters:
    rates: dict[str, PlatformRates]
    frequency: float
    fit_weights: dict[str, float]  # area, place, experience, salary, education; sum 1
    weekday: tuple[float, ...]  # Monday first
    restatement: float

    @classmethod
    def from_seed(cls, seed: int) -> HiddenParameters:
        rng = random.Random(seed)
        # (CPM envelope, CTR envelope, propensity envelope) per platform, drawn inside.
        envelopes = {
            "meta": ((6_000, 12_000), (0.008, 0.016), (0.25, 0.45)),
            "google": ((14_000, 30_000), (0.02, 0.05), (0.35, 0.6)),
            "x": ((5_000, 10_000), (0.004, 0.01), (0.12, 0.3)),
            "tiktok": ((4_000, 9_000), (0.006, 0.012), (0.15, 0.35)),
        }
        rates = {}
        for name, ((low, high), (ctr_lo, ctr_hi), (p_lo, p_hi)) in envelopes.items():
            cpm = rng.randint(low, high)
            rates[name] = PlatformRates(
                int(cpm * 0.8), int(cpm * 1.2), rng.uniform(ctr_lo, ctr_hi), rng.uniform(p_lo, p_hi)
            )
        raw = {
            "area": rng.uniform(0.3, 0.4),
            "place": rng.uniform(0.2, 0.3),
            "experience": rng.uniform(0.12, 0.2),
            "salary": rng.uniform(0.1, 0.16),
            "education": rng.uniform(0.04, 0.08),
        }
        # Snapchat joined later: drawn from a generator of its own, so every other parameter of
        # a seed stays what it was. Cheap impressions, fewer and less intent-driven clicks
        # (research/market-calibration.md).
        snap = random.Random(f"{seed}:snapchat")
        cpm = snap.randint(3_000, 7_000)
        rates["snapchat"] = PlatformRates(
            int(cpm * 0.8), int(cpm * 1.2), snap.uniform(0.004, 0.01), snap.uniform(0.1, 0.28)
        )
        total = sum(raw.values())
        base = (1.1, 1.12, 1.06, 1.0, 0.88, 0.62, 0.7)
        return cls(
            rates=rates,
            frequency=rng.uniform(3.0, 5.0),
            fit_weights={k: v / total for k, v in raw.items()},
            weekday=tuple(w * rng.uniform(0.95, 1.05) for w in base),
            restatement=rng.uniform(0.03, 0.08),
        )


def fit(person: Person, job: Job, w: dict[str, float]) -> float:
    """How well a person fits a job, 0..1, by the weights `w` (area, place, experience,
    salary, education; summing to 1)."""
    area = 1.0 if person.area.casefold() == job.area.casefold() else 0.0
    same_city = person.city.casefold() == job.city.casefold()
    place = 1.0 if job.remote_mode == "remoto" or same_city else 0.0
    if not same_city and job.remote_mode == "hibrido":
        place = 0.3
    if person.remote_preference == "remoto" and job.remote_mode == "presencial":
        place *= 0.6
    need = SENIORITY_YEARS[job.seniority]
    years = person.years_experience
    if years is None:
        experience = 0.5
    elif years >= need:
        experience = 1.0 if years < need + 8 else 0.7
    else:
        experience = max(0.0, 1 - (need - years) / 3)
    desired, offer = person.desired_salary_cop, job.salary_max_cop
    if desired is None or not offer:
        salary = 0.7
    else:
        salary = 1.0 if desired <= offer else max(0.0, 1 - (desired - offer) / offer)
    expected = SENIORITY_EDUCATION[job.seniority]
    education = 1.0 if EDUCATION_RANK[person.education_level] >= expected else 0.5
    return (
        w["area"] * area
        + w["place"] * place
        + w["experience"] * experience
        + w["salary"] * salary
        + w["education"] * education
    )
