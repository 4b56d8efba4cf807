"""Rows -> feature frame: only profile fields, cleaned, never ids, contact data or personas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adflux.segmentation.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    NUMERIC_FEATURES,
    SOURCE_FIELDS,
    candidate_features,
)

ROW = {
    "age": 31,
    "city": "Bogotá",
    "education_level": "profesional",
    "years_experience": 4.0,
    "area": "tecnologia",
    "desired_salary_cop": 6_000_000,
    "remote_preference": "remoto",
    "languages": ["es", "en"],
    "skills": ["Python", "SQL", "Docker"],
}


def test_features_never_include_identity_contact_consent_or_persona() -> None:
    forbidden = {
        "id",
        "external_ref",
        "full_name",
        "email",
        "phone",
        "persona",
        "marketing_consent",
        "last_active_at",
    }
    assert not forbidden & set(FEATURE_NAMES)
    assert not forbidden & set(SOURCE_FIELDS)
    frame = candidate_features([{**ROW, "persona": "x", "email": "a@b.co", "full_name": "Ana"}])
    assert list(frame.columns) == list(FEATURE_NAMES)


def test_values_of_one_row() -> None:
    frame = candidate_features([ROW])
    row = frame.iloc[0]
    assert row["city"] == "Bogotá" and row["area"] == "tecnologia"
    assert row["age"] == 31
    assert row["log_years_experience"] == pytest.approx(math.log1p(4.0))
    assert row["log_desired_salary"] == pytest.approx(math.log(6_000_000))
    assert (row["language_count"], row["skill_count"], row["speaks_english"]) == (2, 3, 1)


def test_missing_blank_and_impossible_values_become_missing() -> None:
    bad = {
        "age": 7,
        "city": "  ",
        "education_level": None,
        "years_experience": -2,
        "area": float("nan"),
        "desired_salary_cop": 0,
        "remote_preference": 3,
        "languages": None,
        "skills": [],
    }
    row = candidate_features([bad]).iloc[0]
    for name in (*CATEGORICAL_FEATURES, "age", "log_years_experience", "log_desired_salary"):
        assert row[name] is np.nan or (isinstance(row[name], float) and math.isnan(row[name]))
    assert (row["language_count"], row["skill_count"], row["speaks_english"]) == (0, 0, 0)


def test_columns_and_row_dicts_give_the_same_frame(planted_columns: dict) -> None:
    n = 50
    rows = [{f: planted_columns[f][i] for f in SOURCE_FIELDS} for i in range(n)]
    by_rows = candidate_features(rows)
    by_columns = candidate_features({f: planted_columns[f][:n] for f in SOURCE_FIELDS})
    assert by_rows.equals(by_columns)


def test_text_is_stripped_and_numeric_dtypes_are_float(planted_frame) -> None:
    frame = candidate_features([{**ROW, "city": " Medellín "}])
    assert frame.iloc[0]["city"] == "Medellín"
    assert all(planted_frame[name].dtype == float for name in NUMERIC_FEATURES)
    assert all(planted_frame[name].dtype == object for name in CATEGORICAL_FEATURES)


def test_precomputed_list_counts_give_the_same_frame(planted_columns: dict) -> None:
    base = {f: planted_columns[f][:200] for f in SOURCE_FIELDS}
    counted = {f: v for f, v in base.items() if f not in ("languages", "skills")}
    counted["language_count"] = [len(v) for v in base["languages"]]
    counted["speaks_english"] = [("en" in v) for v in base["languages"]]
    counted["skill_count"] = [len(v) for v in base["skills"]]
    assert candidate_features(counted).equals(candidate_features(base))
    counted["skill_count"] = [None] * 200
    assert (candidate_features(counted)["skill_count"] == 0).all()
