"""Training a segmentation (pure): feature frame in, fitted pipeline + labels + evidence out.

Scale: the preprocessor is fitted on all rows (O(n), sparse output), k is chosen on a random
sample of ``SELECTION_SAMPLE`` rows (selection.py), and the final model is fitted on all rows
with Lloyd iterations starting from the chosen k's centres on the sample (a few passes; see
``pipeline.MINIBATCH_THRESHOLD``). No step is quadratic in the number of candidates.

Segments are numbered by size (cluster_index 0 is the largest), so the same data and parameters
give the same numbering, and the picture and the tables read the same way run after run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.pipeline import Pipeline

from adflux.i18n.catalogs import N_
from adflux.segmentation.features import FEATURE_NAMES, candidate_features
from adflux.segmentation.pipeline import CATEGORY_WEIGHT, build_clusterer, build_preprocessor
from adflux.segmentation.selection import (
    SILHOUETTE_SAMPLE,
    Progress,
    Selection,
    select_k,
    validate_k_range,
)

SELECTION_SAMPLE = 30_000
MIN_ROWS_PER_SEGMENT = 10  # fewer candidates than this per possible segment: refuse to train
PROJECTION_SAMPLE = 3_000
ALGORITHM = "kmeans"


@dataclass(frozen=True, slots=True)
class Projection:
    """2-D PCA picture of a sample of the training rows."""

    x: np.ndarray
    y: np.ndarray
    labels: np.ndarray
    rows: np.ndarray  # positions of the plotted points in the training frame
    explained_variance_ratio: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (coordinates rounded to 4 decimals: 3,000 points stay ~60 kB)."""
        return {
            "x": np.round(self.x, 4).tolist(),
            "y": np.round(self.y, 4).tolist(),
            "labels": self.labels.tolist(),
            "rows": self.rows.tolist(),
            "explained_variance_ratio": list(self.explained_variance_ratio),
        }


@dataclass(frozen=True, slots=True)
class TrainingResult:
    pipeline: Pipeline
    labels: np.ndarray  # cluster index of every training row, in input order
    k: int
    selection: Selection
    metrics: dict[str, Any]  # the chosen k on all rows
    projection: Projection
    timings: dict[str, float]
    params: dict[str, Any]
    n_rows: int
    features: tuple[str, ...] = field(default=FEATURE_NAMES)

    def metrics_document(self) -> dict[str, Any]:
        """What a SegmentationRun stores in ``metrics``: per-k table, rule, chosen-k figures."""
        return {
            "per_k": self.selection.metrics_as_dicts(),
            "rule": self.selection.rule,
            "reason": self.selection.reason,
            "knee_k": self.selection.knee_k,
            "chosen": self.metrics,
        }


def _order_by_size(model: Any, labels: np.ndarray) -> np.ndarray:
    """Renumber clusters by decreasing size (ties by old index); returns the new labels."""
    sizes = np.bincount(labels, minlength=model.n_clusters)
    order = np.argsort(-sizes, kind="stable")
    new_index = np.empty_like(order)
    new_index[order] = np.arange(len(order))
    model.cluster_centers_ = model.cluster_centers_[order]
    model.labels_ = new_index[labels]
    return np.asarray(model.labels_)


def _projection(matrix: Any, labels: np.ndarray, *, random_state: int) -> Projection:
    n = matrix.shape[0]
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(n, min(n, PROJECTION_SAMPLE), replace=False))
    sample = matrix[rows]
    dense = sample.toarray() if sp.issparse(sample) else np.asarray(sample)
    components = min(2, dense.shape[1], len(rows))
    pca = PCA(n_components=components, random_state=random_state)
    points = pca.fit_transform(dense)
    if components < 2:  # one row or one feature: pad so the picture still has two axes
        points = np.hstack([points, np.zeros((len(rows), 2 - components))])
    ratio = [*pca.explained_variance_ratio_.tolist(), 0.0, 0.0][:2]
    return Projection(
        x=points[:, 0],
        y=points[:, 1],
        labels=labels[rows],
        rows=rows,
        explained_variance_ratio=(float(ratio[0]), float(ratio[1])),
    )


def _chosen_metrics(
    matrix: Any, labels: np.ndarray, model: Any, k: int, *, random_state: int
) -> dict[str, Any]:
    rng = np.random.default_rng(random_state + 7)
    n = matrix.shape[0]
    rows = np.sort(rng.choice(n, min(n, SILHOUETTE_SAMPLE), replace=False))
    several = len(np.unique(labels[rows])) > 1
    sizes = np.bincount(labels, minlength=k)
    sample = matrix[rows]
    dense = sample.toarray() if sp.issparse(sample) else np.asarray(sample)
    return {
        "k": k,
        "inertia": float(getattr(model, "inertia_", np.nan)),
        "silhouette_sampled": float(silhouette_score(dense, labels[rows])) if several else 0.0,
        "silhouette_sample_size": len(rows),
        "sizes": sizes.tolist(),
    }


def train(
    frame: pd.DataFrame,
    *,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    random_state: int = 0,
    sample_size: int = SELECTION_SAMPLE,
    category_weight: float = CATEGORY_WEIGHT,
    progress: Progress | None = None,
) -> TrainingResult:
    """Fit a segmentation on a feature frame (``features.candidate_features``).

    Raises ValueError for a k range outside ``selection.K_LIMITS`` or too few candidates.
    """
    report: Progress = progress or (lambda step, fraction, **params: None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    n = len(frame)

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 3)
        return now

    high = validate_k_range((k, k) if k is not None else k_range)[1]
    if n < MIN_ROWS_PER_SEGMENT * high:
        raise ValueError(
            f"{n} candidates are too few to train up to k={high}: "
            f"at least {MIN_ROWS_PER_SEGMENT * high} are needed"
        )
    report(N_("preparing the candidates' features"), 0.0)
    preprocessor = build_preprocessor(category_weight=category_weight)
    matrix = preprocessor.fit_transform(frame)
    mark = lap("features", started)

    rng = np.random.default_rng(random_state)
    sample_rows = np.sort(rng.choice(n, min(n, sample_size), replace=False))
    selection = select_k(
        matrix[sample_rows],
        k_range=k_range,
        k=k,
        random_state=random_state,
        progress=lambda step, fraction, **params: report(step, 0.05 + 0.75 * fraction, **params),
    )
    mark = lap("selection", mark)

    report(N_("forming %(k)s segments of %(count)s candidates"), 0.8, k=selection.k, count=n)
    model = build_clusterer(
        selection.k, n_rows=n, random_state=random_state, init=selection.centers[selection.k]
    )
    model.fit(matrix)
    labels = _order_by_size(model, np.asarray(model.labels_))
    mark = lap("final_fit", mark)

    report(N_("measuring the segments"), 0.9)
    metrics = _chosen_metrics(matrix, labels, model, selection.k, random_state=random_state)
    projection = _projection(matrix, labels, random_state=random_state)
    lap("projection_and_metrics", mark)
    timings["total"] = round(time.perf_counter() - started, 3)
    report(N_("done"), 1.0)
    return TrainingResult(
        pipeline=Pipeline([("features", preprocessor), ("cluster", model)]),
        labels=labels,
        k=selection.k,
        selection=selection,
        metrics=metrics,
        projection=projection,
        timings=timings,
        params={
            "algorithm": ALGORITHM,
            "estimator": type(model).__name__,
            "k_requested": k,
            "k_range": [int(k_range[0]), int(k_range[1])],
            "random_state": random_state,
            "selection_sample": len(sample_rows),
            "category_weight": category_weight,
        },
        n_rows=n,
    )


def predict_segments(
    pipeline: Pipeline, rows: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]]
) -> np.ndarray:
    """Cluster index of candidates given as columns or row dicts (one row works)."""
    return np.asarray(pipeline.predict(candidate_features(rows)))


def agreement(previous: Sequence[int], current: Sequence[int]) -> float:
    """Adjusted Rand index between two runs' labels of the same candidates (1 = same segments)."""
    return float(adjusted_rand_score(previous, current))
