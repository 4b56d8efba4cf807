"""What a recruiter reads about each segment (pure; JSON-ready dicts).

Per segment: size and share, median age and experience, salary p10-p90, top cities, areas,
education levels and remote preference, consenting candidates, the traits that most distinguish it
from the whole population, a generated Spanish name, and the **age proxy** check.

Age proxy: employment ads must not be targeted by age (Meta's special ad category EMPLOYMENT, and
the same rule elsewhere), so a segment that age alone would pick out is a risk even though age is
only one of its features. For each segment we measure how well age, and years of experience (which
stands in for age), separate its members from everybody else, as the ROC AUC of that single field
(0.5 = no information). A segment is flagged when either AUC is >= ``AGE_PROXY_AUC`` or
<= 1 - ``AGE_PROXY_AUC``: at 0.8, a random member is older (or younger) than a random non-member
four times out of five. For the run as a whole we report the correlation ratio eta^2 (share of the
variance of age explained by the segments) and flag it at ``AGE_PROXY_ETA2``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from adflux.jobs.areas import AREA_BY_KEY, AREA_BY_LABEL
from adflux.segmentation.features import SOURCE_FIELDS, candidate_features
from adflux.vocabulary import EDUCATION_LEVELS

PROFILE_FIELDS = (*SOURCE_FIELDS, "marketing_consent")
AGE_PROXY_AUC = 0.8
AGE_PROXY_ETA2 = 0.25
PROXY_FIELDS = ("age", "years_experience")
SALARY_QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
TOP_VALUES = 3
SKILL_SAMPLE = 100_000  # skills are lists: counted on a fixed sample, not on millions of rows
DISTINGUISHING = 5
MIN_SHARE_TO_DISTINGUISH = 0.10
CITY_SHARE_TO_NAME = 0.35
AREA_SHARE_TO_NAME = 0.45
REMOTE_SHARE_TO_NAME = 0.5
REMOTE_WORDS = {"presencial": "presencial", "hibrido": "híbrido", "remoto": "remoto"}
FIELD_LABELS = {
    "city": "ciudad",
    "area": "área",
    "education_level": "educación",
    "remote_preference": "modalidad",
    "age": "edad",
    "years_experience": "experiencia",
    "desired_salary_cop": "salario deseado",
    "speaks_english": "habla inglés",
    "skill_count": "número de habilidades",
}
CATEGORICAL = ("city", "area", "education_level", "remote_preference")
NUMERIC = ("age", "years_experience", "desired_salary_cop", "speaks_english", "skill_count")


def _number(value: Any) -> float | None:
    result = float(value)
    return None if math.isnan(result) else round(result, 3)


def _money(value: Any) -> int | None:
    result = float(value)
    return None if math.isnan(result) else round(result)


def _columns(
    rows: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]],
) -> Mapping[str, Sequence[Any]]:
    if isinstance(rows, Mapping):
        return rows
    records = list(rows)
    return {f: [r.get(f) for r in records] for f in PROFILE_FIELDS}


def _frame(rows: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    features = candidate_features(rows)
    return pd.DataFrame(
        {
            "city": features["city"],
            "area": features["area"],
            "education_level": features["education_level"],
            "remote_preference": features["remote_preference"],
            "age": features["age"],
            "years_experience": np.expm1(features["log_years_experience"]),
            "desired_salary_cop": np.exp(features["log_desired_salary"]),
            "speaks_english": features["speaks_english"],
            "skill_count": features["skill_count"],
            "consent": np.asarray(rows["marketing_consent"], dtype=object) == True,  # noqa: E712
        }
    )


def _auc_by_segment(values: np.ndarray, labels: np.ndarray, k: int) -> list[float | None]:
    """ROC AUC of ``values`` for "is in segment s" vs the rest, for every s (NaN rows ignored)."""
    known = ~np.isnan(values)
    ranks = rankdata(values[known])  # average ranks: ties count one half, as in the AUC
    member_labels = labels[known]
    total = len(ranks)
    rank_sums = np.bincount(member_labels, weights=ranks, minlength=k)
    counts = np.bincount(member_labels, minlength=k)
    result: list[float | None] = []
    for s in range(k):
        n1, n0 = counts[s], total - counts[s]
        if n1 == 0 or n0 == 0:
            result.append(None)
            continue
        result.append(round(float((rank_sums[s] - n1 * (n1 + 1) / 2) / (n1 * n0)), 4))
    return result


def correlation_ratio(values: np.ndarray, labels: np.ndarray) -> float | None:
    """eta^2: between-segment share of the variance of ``values`` (NaN rows ignored)."""
    known = ~np.isnan(values)
    x, groups = values[known], labels[known]
    if len(x) < 2 or x.var() == 0:
        return None
    means = np.bincount(groups, weights=x) / np.maximum(np.bincount(groups), 1)
    between = np.sum(np.bincount(groups) * (means - x.mean()) ** 2)
    return round(float(between / (x.var() * len(x))), 4)


def separates(auc: float | None) -> bool:
    """Whether one field's AUC alone tells a group from the rest (``AGE_PROXY_AUC``, either way):
    the age-proxy verdict, for a segment here and for any other audience built from candidates."""
    return auc is not None and (auc >= AGE_PROXY_AUC or auc <= 1 - AGE_PROXY_AUC)


def group_auc(values: np.ndarray, in_group: np.ndarray) -> float | None:
    """ROC AUC of ``values`` for "in the group" vs the rest (NaN rows ignored): the segments'
    measure, for a group that is not a segment (above 0.5: the group holds the larger values)."""
    return _auc_by_segment(values, np.asarray(in_group, dtype=np.int64), 2)[1]


def _proxy(age_auc: float | None, experience_auc: float | None) -> dict[str, Any]:
    flagged = [
        field
        for field, auc in (("age", age_auc), ("years_experience", experience_auc))
        if separates(auc)
    ]
    message = None
    if flagged:
        names = " y ".join(FIELD_LABELS[f] for f in flagged)
        message = (
            f"La {names} por sí sola distingue este segmento (AUC >= {AGE_PROXY_AUC}): "
            "en anuncios de empleo no se puede segmentar por edad; revise su uso."
        )
    return {
        "age_auc": age_auc,
        "years_experience_auc": experience_auc,
        "threshold_auc": AGE_PROXY_AUC,
        "warning": bool(flagged),
        "fields": flagged,
        "message": message,
    }


def _shares(frame: pd.DataFrame, column: str, labels: np.ndarray) -> pd.DataFrame:
    """Rows: segments; columns: values; cells: share of the segment holding that value."""
    table = pd.crosstab(labels, frame[column].fillna("desconocido"))
    return table.div(table.sum(axis=1), axis=0)


def _seniority(median_years: float | None) -> str:
    if median_years is None:
        return ""
    if median_years < 1.0:
        return "recién egresados"
    if median_years < 3.0:
        return "junior"
    if median_years < 7.0:
        return "semi senior"
    return "senior"


def _people(area: str) -> str:
    known = AREA_BY_LABEL.get(area) or AREA_BY_KEY.get(area)
    return known.people if known else f"Perfiles de {area.replace('_', ' ')}"


def segment_name(profile: Mapping[str, Any]) -> str:
    """Readable Spanish name, e.g. 'Desarrolladores senior · Bogotá · remoto'."""
    areas = profile["top_areas"]
    if areas and areas[0]["share"] >= AREA_SHARE_TO_NAME:
        who = _people(areas[0]["value"])
    elif areas:
        who = f"{_people(areas[0]['value'])} y afines"
    else:
        who = "Candidatos"
    seniority = _seniority(profile["years_experience"]["median"])
    parts = [f"{who} {seniority}".strip()]
    cities = profile["top_cities"]
    parts.append(
        cities[0]["value"]
        if cities and cities[0]["share"] >= CITY_SHARE_TO_NAME
        else "varias ciudades"
    )
    remote = max(profile["top_remote"], key=lambda r: r["share"], default=None)
    if remote and remote["share"] >= REMOTE_SHARE_TO_NAME and remote["value"] in REMOTE_WORDS:
        parts.append(REMOTE_WORDS[remote["value"]])
    return " · ".join(parts)


def _unique_names(profiles: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for profile in profiles:
        name = segment_name(profile)
        if name in seen:
            education = profile["top_education"][0]["value"] if profile["top_education"] else ""
            name = f"{name} · {education}" if education else name
        while name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        seen[name] = 1
        profile["name"] = name


def _distinguishing(
    shares: dict[str, pd.DataFrame],
    population: dict[str, pd.Series],
    frame: pd.DataFrame,
    means: pd.DataFrame,
    segment: int,
) -> list[dict[str, Any]]:
    """Traits ranked by a standardised difference from the population (categories and numbers)."""
    traits: list[tuple[float, dict[str, Any]]] = []
    for column in CATEGORICAL:
        row = shares[column].loc[segment]
        for value, share in row.items():
            base = float(population[column].get(value, 0.0))
            if share < MIN_SHARE_TO_DISTINGUISH or base <= 0 or base >= 1 or share <= base:
                continue
            score = (share - base) / math.sqrt(base * (1 - base))
            traits.append(
                (
                    score,
                    {
                        "field": column,
                        "value": value,
                        "segment_share": round(float(share), 4),
                        "population_share": round(base, 4),
                        "lift": round(float(share / base), 2),
                    },
                )
            )
    for column in NUMERIC:
        spread = float(frame[column].std())
        if not spread or math.isnan(spread):
            continue
        value, base = float(means.loc[segment, column]), float(frame[column].mean())
        effect = (value - base) / spread
        traits.append(
            (
                abs(effect),
                {
                    "field": column,
                    "direction": "higher" if effect > 0 else "lower",
                    "segment_mean": round(value, 3),
                    "population_mean": round(base, 3),
                    "effect_size": round(effect, 3),
                },
            )
        )
    traits.sort(key=lambda item: -item[0])
    return [trait for _, trait in traits[:DISTINGUISHING]]


def _top_skills(skills: Sequence[Any], labels: np.ndarray, k: int) -> list[list[dict[str, Any]]]:
    """Per segment: the skills most often listed (share of members listing it, lift)."""
    n = len(labels)
    rows = np.arange(n)
    if n > SKILL_SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(n, SKILL_SAMPLE, replace=False))
    per_segment = [Counter[str]() for _ in range(k)]
    members = np.zeros(k, dtype=np.int64)
    for row in rows.tolist():
        segment = labels[row]
        members[segment] += 1
        per_segment[segment].update(set(skills[row] or ()))
    overall = sum(per_segment, Counter[str]())
    result = []
    for segment in range(k):
        top = sorted(per_segment[segment].items(), key=lambda item: (-item[1], item[0]))
        result.append(
            [
                {
                    "value": skill,
                    "share": round(count / members[segment], 4),
                    "lift": round((count / members[segment]) / (overall[skill] / len(rows)), 2),
                }
                for skill, count in top[:TOP_VALUES]
            ]
        )
    return result


def _top(row: pd.Series, population: pd.Series, n: int | None) -> list[dict[str, Any]]:
    ordered = row[row > 0].sort_values(ascending=False, kind="stable")
    if n is not None:
        ordered = ordered.head(n)
    return [
        {
            "value": value,
            "share": round(float(share), 4),
            "lift": round(float(share / population[value]), 2) if population.get(value) else None,
        }
        for value, share in ordered.items()
    ]


def build_profiles(
    rows: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]],
    labels: Sequence[int],
    *,
    k: int,
) -> dict[str, Any]:
    """Profiles of segments 0..k-1 from candidate rows (PROFILE_FIELDS) and their labels.

    Returns ``{"segments": [profile, ...], "age_proxy": {...run-level...}}``.
    """
    columns = _columns(rows)
    frame = _frame(columns)
    label_array = np.asarray(labels, dtype=np.int64)
    if len(label_array) != len(frame):
        raise ValueError("labels and rows differ in length")
    n = len(frame)
    sizes = np.bincount(label_array, minlength=k)
    grouped = frame.groupby(label_array)
    medians = grouped[["age", "years_experience"]].median()
    salary = grouped["desired_salary_cop"].quantile(list(SALARY_QUANTILES.values())).unstack()
    means = grouped[list(NUMERIC)].mean()
    consenting = np.bincount(label_array, weights=frame["consent"].to_numpy(float), minlength=k)
    shares = {c: _shares(frame, c, label_array) for c in CATEGORICAL}
    population = {
        c: frame[c].fillna("desconocido").value_counts(normalize=True) for c in CATEGORICAL
    }
    age_auc = _auc_by_segment(frame["age"].to_numpy(float), label_array, k)
    experience_auc = _auc_by_segment(frame["years_experience"].to_numpy(float), label_array, k)
    education_order = {level: i for i, level in enumerate(EDUCATION_LEVELS)}
    # Skills are optional: a caller that passed precomputed counts has no lists to count.
    skills = _top_skills(columns["skills"], label_array, k) if "skills" in columns else [[]] * k

    profiles: list[dict[str, Any]] = []
    for s in range(k):
        if sizes[s] == 0:
            continue
        education = _top(shares["education_level"].loc[s], population["education_level"], None)
        education.sort(key=lambda e: (-e["share"], education_order.get(e["value"], 99)))
        profiles.append(
            {
                "cluster_index": s,
                "size": int(sizes[s]),
                "share": round(float(sizes[s] / n), 4),
                "age": {"median": _number(medians.loc[s, "age"])},
                "years_experience": {"median": _number(medians.loc[s, "years_experience"])},
                "desired_salary_cop": {
                    name: _money(salary.loc[s, q]) for name, q in SALARY_QUANTILES.items()
                },
                "top_cities": _top(shares["city"].loc[s], population["city"], TOP_VALUES),
                "top_areas": _top(shares["area"].loc[s], population["area"], TOP_VALUES),
                "top_education": education,
                "top_skills": skills[s],
                "top_remote": _top(
                    shares["remote_preference"].loc[s], population["remote_preference"], None
                ),
                "english_share": _number(means.loc[s, "speaks_english"]),
                "consenting": int(consenting[s]),
                "distinguishing": _distinguishing(shares, population, frame, means, s),
                "age_proxy": _proxy(age_auc[s], experience_auc[s]),
            }
        )
    _unique_names(profiles)
    eta = {f: correlation_ratio(frame[f].to_numpy(float), label_array) for f in PROXY_FIELDS}
    flagged = [f for f, value in eta.items() if value is not None and value >= AGE_PROXY_ETA2]
    return {
        "segments": profiles,
        "age_proxy": {
            "eta_squared": eta,
            "threshold_eta_squared": AGE_PROXY_ETA2,
            "warning": bool(flagged),
            "fields": flagged,
            "segments_flagged": [p["cluster_index"] for p in profiles if p["age_proxy"]["warning"]],
        },
    }
