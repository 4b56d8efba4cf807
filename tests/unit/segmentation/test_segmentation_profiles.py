"""Segment profiles, names and the age-proxy warning."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adflux.jobs.areas import AREA_BY_KEY
from adflux.segmentation.profiles import (
    AGE_PROXY_AUC,
    build_profiles,
    correlation_ratio,
    group_auc,
    segment_name,
    separates,
)


@pytest.fixture(scope="module")
def profiles(trained, planted_columns) -> dict:
    return build_profiles(planted_columns, trained.labels, k=trained.k)


def test_sizes_shares_and_consent_add_up(profiles, trained, planted_columns) -> None:
    segments = profiles["segments"]
    assert [s["cluster_index"] for s in segments] == list(range(trained.k))
    assert sum(s["size"] for s in segments) == len(trained.labels)
    assert sum(s["share"] for s in segments) == pytest.approx(1.0, abs=1e-3)
    assert sum(s["consenting"] for s in segments) == int(planted_columns["marketing_consent"].sum())
    json.dumps(profiles)


def test_each_profile_reads_like_its_persona(profiles) -> None:
    by_area = {s["top_areas"][0]["value"]: s for s in profiles["segments"]}
    developers = by_area[AREA_BY_KEY["tecnologia"].label]
    assert developers["name"].startswith("Desarrolladores senior · Bogotá")
    assert developers["top_cities"][0] == {**developers["top_cities"][0], "value": "Bogotá"}
    salary = developers["desired_salary_cop"]
    assert salary["p10"] < salary["p25"] < salary["median"] < salary["p75"] < salary["p90"]
    assert developers["top_skills"] and developers["top_skills"][0]["value"]
    top_trait = developers["distinguishing"][0]
    assert top_trait["field"] == "area" and top_trait["lift"] > 2
    assert {r["value"] for r in developers["top_remote"]} <= {"presencial", "hibrido", "remoto"}
    names = [s["name"] for s in profiles["segments"]]
    assert len(set(names)) == len(names)


def test_age_proxy_flags_the_young_graduates(profiles) -> None:
    by_area = {s["top_areas"][0]["value"]: s for s in profiles["segments"]}
    graduates = by_area[AREA_BY_KEY["administracion"].label]["age_proxy"]
    assert graduates["warning"] is True and "years_experience" in graduates["fields"]
    assert graduates["years_experience_auc"] <= 1 - AGE_PROXY_AUC
    assert profiles["age_proxy"]["eta_squared"]["age"] is not None


def test_a_segmentation_made_of_age_alone_is_flagged_and_one_that_ignores_age_is_not() -> None:
    rng = np.random.default_rng(0)
    n = 2_000
    ages = rng.integers(18, 65, n)
    columns = {
        "age": ages,
        "city": ["Cali"] * n,
        "education_level": ["tecnico"] * n,
        "years_experience": np.clip(ages - 20, 0, None).astype(float),
        "area": ["salud"] * n,
        "desired_salary_cop": np.full(n, 2_000_000.0),
        "remote_preference": ["presencial"] * n,
        "languages": [("es",)] * n,
        "skills": [("Bioseguridad",)] * n,
        "marketing_consent": np.ones(n, dtype=bool),
    }
    by_age = (ages >= 40).astype(int)
    flagged = build_profiles(columns, by_age, k=2)
    assert flagged["age_proxy"]["warning"] is True
    assert all(s["age_proxy"]["warning"] for s in flagged["segments"])
    assert flagged["segments"][0]["age_proxy"]["message"].startswith("La edad")

    random_split = rng.integers(0, 2, n)
    clean = build_profiles(columns, random_split, k=2)
    assert clean["age_proxy"]["warning"] is False
    assert not any(s["age_proxy"]["warning"] for s in clean["segments"])


def test_correlation_ratio_bounds() -> None:
    values = np.array([1.0, 1.0, 5.0, 5.0, np.nan])
    assert correlation_ratio(values, np.array([0, 0, 1, 1, 1])) == 1.0
    assert correlation_ratio(values, np.array([0, 1, 0, 1, 0])) == 0.0
    assert correlation_ratio(np.ones(4), np.array([0, 1, 0, 1])) is None


def test_name_parts_follow_the_profile() -> None:
    profile = {
        "top_areas": [{"value": "logistica", "share": 0.8}],
        "years_experience": {"median": 6.0},
        "top_cities": [{"value": "Barranquilla", "share": 0.2}],
        "top_remote": [{"value": "presencial", "share": 0.4}, {"value": "hibrido", "share": 0.3}],
    }
    assert segment_name(profile) == "Operarios de logística semi senior · varias ciudades"
    profile["top_areas"] = [{"value": "nueva_area", "share": 0.3}]
    assert segment_name(profile).startswith("Perfiles de nueva area y afines")


def test_row_dicts_work_too(trained, planted_columns) -> None:
    rows = [{field: planted_columns[field][i] for field in planted_columns} for i in range(300)]
    result = build_profiles(rows, trained.labels[:300], k=trained.k)
    assert sum(s["size"] for s in result["segments"]) == 300
    with pytest.raises(ValueError, match="length"):
        build_profiles(rows, trained.labels[:10], k=trained.k)


def test_precomputed_counts_without_skill_lists(trained, planted_columns) -> None:
    columns = {f: v for f, v in planted_columns.items() if f not in ("languages", "skills")}
    columns["language_count"] = [len(v) for v in planted_columns["languages"]]
    columns["speaks_english"] = [("en" in v) for v in planted_columns["languages"]]
    columns["skill_count"] = [len(v) for v in planted_columns["skills"]]
    result = build_profiles(columns, trained.labels, k=trained.k)
    assert all(s["top_skills"] == [] for s in result["segments"])
    assert [s["name"] for s in result["segments"]] == [
        s["name"] for s in build_profiles(planted_columns, trained.labels, k=trained.k)["segments"]
    ]


def test_a_group_is_measured_as_a_segment_is() -> None:
    # Ages 20..29 in the group, 40..59 outside: every member is younger than every non-member.
    values = np.array([*range(20, 30), *range(40, 60)], dtype=float)
    in_group = np.array([1] * 10 + [0] * 20)
    assert group_auc(values, in_group) == 0.0
    assert group_auc(values, 1 - in_group) == 1.0
    # Ties count one half, and a group of everyone (or no one) has no AUC.
    assert group_auc(np.array([30.0, 30.0]), np.array([1, 0])) == 0.5
    assert group_auc(values, np.ones(30)) is None
    assert [separates(a) for a in (AGE_PROXY_AUC, 0.79, 0.21, 1 - AGE_PROXY_AUC, None)] == [
        True,
        False,
        False,
        True,
        False,
    ]
