"""The unfitted scikit-learn pipeline: features -> sparse design matrix -> k-means.

Design matrix (about 52 columns, about 10 non-zeros per row, so it stays sparse at any size):
- city: one-hot of the 15 most frequent cities plus one "otra" column for the rest and for
  cities never seen in training (``handle_unknown="infrequent_if_exist"``);
- area, education level, remote preference: one-hot, unknown values ignored (all zeros);
- numeric fields: median imputation, then standardisation.

The one-hot blocks are multiplied by ``CATEGORY_WEIGHT``. Unweighted, the six standardised numbers
(age, experience, salary, ...) carry most of the variance and k-means cuts candidates by age and
seniority, which is neither what a recruiter targets nor what separates the planted personas.
Adjusted Rand index against 6 planted personas at k=6 (20,000 generated candidates): weight 1
0.43, 2 0.91, 3 0.93, 4 0.92. With weight 3, two candidates in different areas are as far apart
as two whose ages differ by about four standard deviations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from adflux.segmentation.features import NUMERIC_FEATURES

CATEGORY_WEIGHT = 3.0
CITY_MAX_CATEGORIES = 16  # 15 named cities + "otra"
MISSING_CATEGORY = "desconocido"
# A cold fit (k-means++ restarts) on more rows than this uses MiniBatchKMeans: ten Lloyd restarts
# over millions of rows are what does not scale. A warm fit (``init`` = centres found on a sample,
# as training does) always uses Lloyd: from good centres it converges in a few passes, and on
# 1,000,000 candidates it took 0.3 s against 6.4 s for MiniBatchKMeans, with a lower inertia.
MINIBATCH_THRESHOLD = 200_000
MINIBATCH_SIZE = 4096
N_INIT = 10  # k-means++ restarts: fewer lets one-hot data land in visibly worse local minima


def _one_hot(*, handle_unknown: str, **options: Any) -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY)),
            ("encode", OneHotEncoder(handle_unknown=handle_unknown, **options)),
        ]
    )


def build_preprocessor(*, category_weight: float = CATEGORY_WEIGHT) -> ColumnTransformer:
    """Unfitted ColumnTransformer from the feature frame to a sparse float64 matrix."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    return ColumnTransformer(
        [
            (
                "city",
                _one_hot(handle_unknown="infrequent_if_exist", max_categories=CITY_MAX_CATEGORIES),
                ["city"],
            ),
            (
                "profile",
                _one_hot(handle_unknown="ignore"),
                ["area", "education_level", "remote_preference"],
            ),
            ("numeric", numeric, list(NUMERIC_FEATURES)),
        ],
        transformer_weights={
            "city": category_weight,
            "profile": category_weight,
            "numeric": 1.0,
        },
        sparse_threshold=1.0,  # always sparse: the matrix is ~20 % dense, 1M rows stay ~150 MB
        verbose_feature_names_out=True,
    )


def build_clusterer(
    k: int,
    *,
    n_rows: int,
    random_state: int = 0,
    init: np.ndarray | str = "k-means++",
) -> KMeans | MiniBatchKMeans:
    """KMeans, or MiniBatchKMeans for a cold fit above MINIBATCH_THRESHOLD rows."""
    if isinstance(init, np.ndarray):
        return KMeans(n_clusters=k, init=init, n_init=1, random_state=random_state)
    if n_rows > MINIBATCH_THRESHOLD:
        return MiniBatchKMeans(
            n_clusters=k,
            init=init,
            n_init=3,
            batch_size=MINIBATCH_SIZE,
            random_state=random_state,
        )
    return KMeans(n_clusters=k, init=init, n_init=N_INIT, random_state=random_state)


def build_pipeline(
    k: int,
    *,
    n_rows: int,
    random_state: int = 0,
    init: np.ndarray | str = "k-means++",
    category_weight: float = CATEGORY_WEIGHT,
) -> Pipeline:
    """Unfitted Pipeline(features -> cluster) for ``k`` segments over ``n_rows`` candidates."""
    if k < 1:
        raise ValueError("k must be >= 1")
    return Pipeline(
        [
            ("features", build_preprocessor(category_weight=category_weight)),
            (
                "cluster",
                build_clusterer(k, n_rows=n_rows, random_state=random_state, init=init),
            ),
        ]
    )
