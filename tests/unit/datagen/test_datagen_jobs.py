"""The job-opening generator and the reference data it draws from."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from adflux import geo
from adflux.datagen import JOB_COLUMNS, generate_jobs
from adflux.datagen import reference as ref
from adflux.jobs import areas


@pytest.fixture(scope="module")
def jobs() -> list[dict]:
    return generate_jobs(400, seed=5)


def test_columns_and_refs(jobs: list[dict]) -> None:
    assert all(tuple(job) == JOB_COLUMNS for job in jobs)
    assert [job["external_ref"] for job in jobs[:2]] == ["job-000000", "job-000001"]


def test_deterministic_and_independent_of_start(jobs: list[dict]) -> None:
    assert generate_jobs(400, seed=5) == jobs
    assert generate_jobs(10, seed=5, start=390) == jobs[390:]
    assert generate_jobs(400, seed=6) != jobs


def test_spanish_titles_and_multi_sentence_descriptions(jobs: list[dict]) -> None:
    for job in jobs:
        area = areas.AREA_BY_LABEL[job["area"]]
        titles = (*area.junior_titles, *area.titles, *area.lead_titles)
        assert job["title"].removesuffix(" senior") in titles
        assert job["company"] in job["description"]
        assert len(re.findall(r"[.!?](\s|$)", job["description"])) >= 4
        assert set(job["skills"]) <= set(area.skills) and len(job["skills"]) == 4


def test_money_places_and_statuses(jobs: list[dict]) -> None:
    for job in jobs:
        assert job["currency"] == "COP"
        assert ref.SMMLV_COP <= job["salary_min_cop"] <= job["salary_max_cop"] <= 60_000_000
        assert ref.DEPARTMENT_BY_CITY[job["city"]] == job["department"]
        assert job["seniority"] in ref.SENIORITIES
        assert job["employment_type"] in ref.EMPLOYMENT_TYPES
        assert job["remote_mode"] in ref.REMOTE_PREFERENCES
    statuses = Counter(job["status"] for job in jobs)
    assert statuses["open"] > 0.8 * len(jobs) and statuses["closed"] > 0
    assert Counter(job["city"] for job in jobs).most_common(1)[0][0] == "Bogotá"


def test_salary_bands_grow_with_seniority() -> None:
    for area in areas.AREA_KEYS:
        bands = [ref.salary_band_cop(area, s) for s in ref.SENIORITIES]
        assert all(low >= ref.SMMLV_COP and high > low for low, high in bands)
        assert [b[0] for b in bands] == sorted(b[0] for b in bands)
    assert (
        ref.salary_band_cop("tecnologia", "senior")[0]
        > ref.salary_band_cop("servicios_generales", "senior")[1]
    )


def test_reference_vocabulary_matches_the_data_model() -> None:
    from adflux.candidates.models import EDUCATION_LEVELS, REMOTE_PREFERENCES
    from adflux.jobs.models import EMPLOYMENT_TYPES, REMOTE_MODES, SENIORITIES

    assert ref.EDUCATION_LEVELS == EDUCATION_LEVELS
    assert ref.REMOTE_PREFERENCES == REMOTE_PREFERENCES == REMOTE_MODES
    assert ref.SENIORITIES == SENIORITIES
    assert ref.EMPLOYMENT_TYPES == EMPLOYMENT_TYPES


def test_reference_data_is_large_enough_and_consistent() -> None:
    assert len(ref.CITIES) >= 25 and len(set(ref.CITY_NAMES)) == len(ref.CITIES)
    assert len(areas.AREAS) >= 20 and len(set(areas.AREA_KEYS)) == len(areas.AREAS)
    pools = ref.name_pools()
    assert len(pools.last_names) >= 250 and len(pools.female_first_names) >= 200
    assert len(set(ref.company_pool())) == ref.COMPANY_POOL
    assert ref.ascii_slug("María José Núñez") == "maria.jose.nunez"


def test_every_generated_city_is_a_targetable_city_with_the_same_department():
    """Generated jobs and candidates, imported feeds and radius targeting name a city's
    department alike: one spelling, geo's."""
    for city in ref.CITIES:
        found = geo.find_city(city.name)
        assert found is not None, city.name
        assert (found.name, found.department) == (city.name, city.department)
