"""Choosing the number of segments k (pure; runs on a sample of the design matrix).

For every k in the range we fit k-means on the selection sample and record: inertia (plus a knee
detector over the inertia curve, reported, not used by the rule); silhouette, Davies-Bouldin and
Calinski-Harabasz on a fixed sub-sample of ``SILHOUETTE_SAMPLE`` rows; and **stability**: k-means
is refitted on ``STABILITY_RESAMPLES`` random halves of the sample (subsampling without
replacement: a bootstrap's duplicated rows would only add weight, not information) and the fits
are compared on a fixed evaluation set with the adjusted Rand index (ARI), both with each other
and with the fit on the whole sample; stability is the lower of the two means.

The rule (``choose_k``): the k with the highest **silhouette x stability**, i.e. the most
separated segmentation discounted by how often a resample of the same candidates reproduces it
(ties go to the smaller k). Measured on generated candidates (100,000 rows, 2, 4, 6, 8 and 10
planted personas x 3 seeds = 15 data sets, k = 2..10), it finds the planted count 15 times out of
15, where the classic rules alone score: highest silhouette 12 (it splits a persona that has a
sub-group, e.g. developers vs. data analysts: silhouettes tie within 0.001, but the cut through the
group moves from one resample to the next), lowest Davies-Bouldin 9, highest Calinski-Harabasz 6
(always k=2), the inertia knee 6, "largest k with stability >= 0.95" 6, and "highest silhouette
among k with stability >= 0.95" 13 (with 10 personas, two of which overlap, the right k is only
0.87 stable and a hard threshold falls back to k=2, ARI 0.07).

Every fit is "seeded": k-means++ with ``SEED_RESTARTS`` restarts on a ``SEED_SAMPLE``-row
sub-sample, then Lloyd iterations on all the rows from the best of those centres. On one-hot data
plain k-means++ lands in a visibly worse local minimum in half of its runs or more (4 of 12 runs
found the best partition of 8 personas); the seeded fit found it 31 times out of 32, for the price
of one extra small fit. Without it, stability would measure the optimiser's noise, not the data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from threadpoolctl import threadpool_limits

from adflux.i18n.catalogs import N_

STABILITY_RESAMPLES = 4
STABILITY_EVAL_SIZE = 10_000
SILHOUETTE_SAMPLE = 5_000  # silhouette is O(m^2): always on this many rows, never on all
SEED_SAMPLE = 2_000
SEED_RESTARTS = 30
K_LIMITS = (2, 30)

# A step is a catalog msgid; its parameters fill it where it is shown (adflux.i18n.messages).
Progress = Callable[..., None]


@dataclass(frozen=True, slots=True)
class KMetrics:
    """Quality figures of one k on the selection sample."""

    k: int
    inertia: float
    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    stability: float
    stability_between_resamples: float
    stability_vs_full: float
    smallest_cluster_share: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen k, why, and what every k scored (centres kept to warm-start the final fit)."""

    k: int
    rule: str
    reason: str
    knee_k: int | None
    metrics: tuple[KMetrics, ...]
    centers: dict[int, np.ndarray] = field(repr=False)

    def metrics_as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(m) for m in self.metrics]


def validate_k_range(k_range: tuple[int, int]) -> tuple[int, int]:
    """Return the range if ``K_LIMITS[0] <= low <= high <= K_LIMITS[1]``, else ValueError."""
    low, high = int(k_range[0]), int(k_range[1])
    if not K_LIMITS[0] <= low <= high <= K_LIMITS[1]:
        raise ValueError(
            f"k range must satisfy {K_LIMITS[0]} <= min <= max <= {K_LIMITS[1]}, got {low}-{high}"
        )
    return low, high


def _dense(matrix: Any) -> np.ndarray:
    return np.asarray(matrix.toarray() if sp.issparse(matrix) else matrix)


def fit_kmeans(matrix: Any, k: int, *, random_state: int) -> KMeans:
    """Seeded k-means: many cheap k-means++ restarts on a sub-sample, then Lloyd on all rows."""
    n = matrix.shape[0]
    rng = np.random.default_rng(random_state)
    if n > SEED_SAMPLE:
        seeds = matrix[np.sort(rng.choice(n, SEED_SAMPLE, replace=False))]
    else:
        seeds = matrix
    # Dense for the many small restarts (sparse products cost more than they save at 2,000 rows);
    # one thread for the reason given in select_k.
    with threadpool_limits(limits=1):
        seed_fit = KMeans(n_clusters=k, n_init=SEED_RESTARTS, random_state=random_state)
        seed_fit.fit(_dense(seeds))
        return KMeans(n_clusters=k, init=seed_fit.cluster_centers_, n_init=1).fit(matrix)


def knee(ks: Sequence[int], inertias: Sequence[float]) -> int | None:
    """Elbow of a decreasing curve: the point farthest below the chord joining its ends.

    For a convex decreasing curve this is the Kneedle knee (Satopää et al., 2011) without the
    smoothing step, which a 9-point curve does not need. None when the curve is too short or flat.
    """
    if len(ks) < 3:
        return None
    x = np.asarray(ks, dtype=float)
    y = np.asarray(inertias, dtype=float)
    if y.max() == y.min():
        return None
    x_norm = (x - x[0]) / (x[-1] - x[0])
    y_norm = (y - y.min()) / (y.max() - y.min())
    distance = (1.0 - x_norm) - y_norm
    best = int(np.argmax(distance))
    return int(ks[best]) if distance[best] > 0 else None


def _stability(
    matrix: Any,
    k: int,
    *,
    full_labels_on_eval: np.ndarray,
    eval_rows: np.ndarray,
    halves: Sequence[np.ndarray],
    random_state: int,
) -> tuple[float, float]:
    evaluation = matrix[eval_rows]
    labelings = [
        fit_kmeans(matrix[half], k, random_state=random_state + 1 + b).predict(evaluation)
        for b, half in enumerate(halves)
    ]
    between = [adjusted_rand_score(a, b) for a, b in combinations(labelings, 2)]
    versus_full = [adjusted_rand_score(full_labels_on_eval, a) for a in labelings]
    return float(np.mean(between)), float(np.mean(versus_full))


def evaluate_k(
    matrix: Any,
    k: int,
    *,
    random_state: int,
    silhouette_rows: np.ndarray,
    eval_rows: np.ndarray,
    halves: Sequence[np.ndarray],
) -> tuple[KMetrics, np.ndarray]:
    """Metrics of one k on the sample, and the fitted centres."""
    started = time.perf_counter()
    model = fit_kmeans(matrix, k, random_state=random_state)
    labels = model.labels_
    sil_matrix, sil_labels = matrix[silhouette_rows], labels[silhouette_rows]
    several = len(np.unique(sil_labels)) > 1
    between, versus_full = _stability(
        matrix,
        k,
        full_labels_on_eval=labels[eval_rows],
        eval_rows=eval_rows,
        halves=halves,
        random_state=random_state,
    )
    # Dense: sparse pairwise distances were 5x slower on this 5,000 x ~50 matrix.
    dense = _dense(sil_matrix)
    metrics = KMetrics(
        k=k,
        inertia=float(model.inertia_),
        silhouette=float(silhouette_score(dense, sil_labels)) if several else 0.0,
        davies_bouldin=float(davies_bouldin_score(dense, sil_labels)) if several else 0.0,
        calinski_harabasz=float(calinski_harabasz_score(dense, sil_labels)) if several else 0.0,
        stability=min(between, versus_full),
        stability_between_resamples=between,
        stability_vs_full=versus_full,
        smallest_cluster_share=float(np.bincount(labels, minlength=k).min() / len(labels)),
        seconds=time.perf_counter() - started,
    )
    return metrics, model.cluster_centers_


def choose_k(metrics: Sequence[KMetrics]) -> tuple[int, str]:
    """The documented rule: the highest silhouette x stability (ties: the smaller k)."""
    ranked = sorted(metrics, key=lambda m: (-m.silhouette * m.stability, m.k))
    best = ranked[0]
    reason = (
        f"k={best.k}: highest silhouette x stability "
        f"({best.silhouette:.3f} x {best.stability:.3f} = {best.silhouette * best.stability:.3f})"
    )
    if len(ranked) > 1:
        runner = ranked[1]
        reason += f"; next k={runner.k} ({runner.silhouette * runner.stability:.3f})"
    return best.k, reason


def select_k(
    matrix: Any,
    *,
    k_range: tuple[int, int] = (2, 10),
    k: int | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> Selection:
    """Evaluate every k in ``k_range`` (or only the fixed ``k``) on ``matrix`` and pick one."""
    n = matrix.shape[0]
    low, high = validate_k_range((k, k) if k is not None else k_range)
    if n < max(high, 2) * 2:
        raise ValueError(f"{n} rows are too few to evaluate up to k={high}")
    rng = np.random.default_rng(random_state)
    silhouette_rows = np.sort(rng.choice(n, min(n, SILHOUETTE_SAMPLE), replace=False))
    eval_rows = np.sort(rng.choice(n, min(n, STABILITY_EVAL_SIZE), replace=False))
    halves = [np.sort(rng.choice(n, n // 2, replace=False)) for _ in range(STABILITY_RESAMPLES)]
    results: list[KMetrics] = []
    centers: dict[int, np.ndarray] = {}
    candidates = list(range(low, high + 1))
    # One thread: these fits are small, and OpenMP threads competing with other processes for
    # two cores made the sweep 7x slower (73 s instead of 10.6 s on 30,000 rows, load ~7).
    with threadpool_limits(limits=1):
        for done, current in enumerate(candidates):
            if progress is not None:
                progress(N_("trying %(k)s segments"), done / len(candidates), k=current)
            metrics, fitted_centers = evaluate_k(
                matrix,
                current,
                random_state=random_state,
                silhouette_rows=silhouette_rows,
                eval_rows=eval_rows,
                halves=halves,
            )
            results.append(metrics)
            centers[current] = fitted_centers
    knee_k = knee([m.k for m in results], [m.inertia for m in results])
    if k is not None:
        chosen, rule, reason = k, "fixed", f"k={k} was requested"
    else:
        chosen, reason = choose_k(results)
        rule = "max_silhouette_x_stability"
    return Selection(
        k=chosen,
        rule=rule,
        reason=reason,
        knee_k=knee_k,
        metrics=tuple(results),
        centers=centers,
    )
