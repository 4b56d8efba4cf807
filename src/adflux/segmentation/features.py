"""Candidate rows -> the feature frame the segmentation pipeline consumes (pure).

Only profile fields are features. Ids, names, e-mail, phone, consent and the generator's hidden
``persona`` never are: they are not even read here. Raw values are cleaned (impossible numbers and
empty strings become missing) but not imputed: imputation is learned by the pipeline, so that a
one-row prediction uses the training medians.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

CATEGORICAL_FEATURES = ("city", "area", "education_level", "remote_preference")
# Experience and salary are log-scaled: what separates a junior from a mid-career candidate is
# the first few years, and salaries are log-normal; raw scales let a few veterans dominate.
NUMERIC_FEATURES = (
    "age",
    "log_years_experience",
    "log_desired_salary",
    "language_count",
    "skill_count",
    "speaks_english",
)
FEATURE_NAMES = CATEGORICAL_FEATURES + NUMERIC_FEATURES
# The candidate fields read to build the features (what the service must load from the database).
SOURCE_FIELDS = (
    "age",
    "city",
    "education_level",
    "years_experience",
    "area",
    "desired_salary_cop",
    "remote_preference",
    "languages",
    "skills",
)
# Columns may carry these counts instead of the ``languages``/``skills`` lists: a database can
# compute them (``jsonb_array_length``, ``languages ? 'en'``) far cheaper than Python parses a
# million JSON arrays.
PRECOMPUTED_LIST_FIELDS = ("language_count", "speaks_english", "skill_count")
AGE_RANGE = (14, 100)  # the Candidate table's own constraint; anything else is a data error


def _columns(rows: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    if isinstance(rows, Mapping):
        precomputed = all(field in rows for field in PRECOMPUTED_LIST_FIELDS)
        wanted = [f for f in SOURCE_FIELDS if not (precomputed and f in ("languages", "skills"))]
        if precomputed:
            wanted += PRECOMPUTED_LIST_FIELDS
        return {field: rows[field] for field in wanted}
    records = list(rows)
    return {field: [r.get(field) for r in records] for field in SOURCE_FIELDS}


def _clean(value: Any) -> Any:
    text = value.strip() if isinstance(value, str) else ""
    return text if text else np.nan


def _category(values: Sequence[Any]) -> np.ndarray:
    """Strings stripped; None, NaN and blanks become NaN, which the pipeline's imputer fills."""
    # A column holds a few dozen distinct values: clean those once, not a million times.
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    cleaned = np.empty(len(uniques) + 1, dtype=object)
    cleaned[:-1] = [_clean(u) for u in uniques]
    cleaned[-1] = np.nan  # code -1: missing
    return cleaned[codes]


def _number(values: Sequence[Any], *, low: float, high: float) -> np.ndarray:
    array = np.array(
        [np.nan if v is None else v for v in values] if isinstance(values, list) else values,
        dtype=float,
    )
    return np.where((array >= low) & (array <= high), array, np.nan)


def _counts(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Length of each list and whether it holds "en"; None counts as an empty list."""
    count = np.fromiter((len(v) if v else 0 for v in values), dtype=float, count=len(values))
    english = np.fromiter((bool(v) and "en" in v for v in values), dtype=float, count=len(values))
    return count, english


def candidate_features(
    rows: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]],
) -> pd.DataFrame:
    """Feature frame (columns FEATURE_NAMES) from columns or row dicts with SOURCE_FIELDS.

    Columns may give PRECOMPUTED_LIST_FIELDS in place of ``languages`` and ``skills``.
    """
    columns = _columns(rows)
    years = _number(columns["years_experience"], low=0.0, high=80.0)
    salary = _number(columns["desired_salary_cop"], low=1.0, high=math.inf)
    if "languages" in columns:
        languages, english = _counts(columns["languages"])
        skills, _ = _counts(columns["skills"])
    else:
        # Missing counts read as empty lists, exactly as the list path treats None.
        languages, english, skills = (
            np.nan_to_num(_number(columns[field], low=0, high=math.inf))
            for field in PRECOMPUTED_LIST_FIELDS
        )
        english = np.minimum(english, 1.0)
    categorical = {
        name: pd.Series(_category(columns[name]), dtype=object) for name in CATEGORICAL_FEATURES
    }
    numeric = {
        "age": _number(columns["age"], low=AGE_RANGE[0], high=AGE_RANGE[1]),
        "log_years_experience": np.log1p(years),
        "log_desired_salary": np.log(salary),
        "language_count": languages,
        "skill_count": skills,
        "speaks_english": english,
    }
    return pd.DataFrame({**categorical, **numeric})
