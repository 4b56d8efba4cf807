"""Choosing k: the knee detector, the documented rule, and ranges."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from adflux.segmentation.selection import (
    KMetrics,
    choose_k,
    fit_kmeans,
    knee,
    select_k,
    validate_k_range,
)


def _metrics(k: int, silhouette: float, stability: float) -> KMetrics:
    return KMetrics(
        k=k,
        inertia=100.0 / k,
        silhouette=silhouette,
        davies_bouldin=1.0,
        calinski_harabasz=10.0,
        stability=stability,
        stability_between_resamples=stability,
        stability_vs_full=stability,
        smallest_cluster_share=0.1,
        seconds=0.0,
    )


def test_rule_discounts_silhouette_by_stability() -> None:
    metrics = [
        _metrics(2, 0.14, 1.00),  # a trivial split that every resample reproduces
        _metrics(6, 0.19, 0.99),
        _metrics(7, 0.20, 0.80),  # better silhouette, but a resample cuts a group elsewhere
        _metrics(10, 0.18, 0.87),
    ]
    k, reason = choose_k(metrics)
    assert k == 6
    assert reason.startswith("k=6: highest silhouette x stability") and "next k=7" in reason


def test_a_less_than_perfectly_stable_k_still_beats_a_trivial_one() -> None:
    # 10 overlapping personas: the right k is only 0.87 stable, k=2 is perfectly stable.
    assert choose_k([_metrics(2, 0.138, 1.0), _metrics(10, 0.186, 0.87)])[0] == 10


def test_ties_go_to_the_smaller_k() -> None:
    assert choose_k([_metrics(5, 0.2, 0.9), _metrics(4, 0.2, 0.9)])[0] == 4


def test_knee_of_an_elbow_curve() -> None:
    ks = list(range(2, 11))
    inertia = [100, 70, 45, 22, 20, 18.5, 17, 16, 15]  # elbow at 5
    assert knee(ks, inertia) == 5
    assert knee(ks, [10.0] * 9) is None
    assert knee([2, 3], [5.0, 4.0]) is None


@pytest.mark.parametrize("bad", [(1, 5), (5, 4), (2, 31)])
def test_k_range_limits(bad: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="k range"):
        validate_k_range(bad)


def _without_time(metrics: KMetrics) -> KMetrics:
    return replace(metrics, seconds=0.0)


def _blobs(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [8, 0], [0, 8]], dtype=float)
    return np.vstack([c + rng.normal(size=(400, 2)) for c in centres])


def test_select_k_finds_three_blobs_and_is_deterministic() -> None:
    points = _blobs()
    first = select_k(points, k_range=(2, 6), random_state=1)
    again = select_k(points, k_range=(2, 6), random_state=1)
    assert first.k == 3 and first.rule == "max_silhouette_x_stability"
    assert [_without_time(m) for m in first.metrics] == [_without_time(m) for m in again.metrics]
    assert [m.k for m in first.metrics] == [2, 3, 4, 5, 6]
    assert set(first.centers) == {2, 3, 4, 5, 6} and first.centers[3].shape == (3, 2)


def test_fixed_k_is_honoured_and_still_measured() -> None:
    selection = select_k(_blobs(), k=5)
    assert selection.k == 5 and selection.rule == "fixed"
    assert [m.k for m in selection.metrics] == [5]
    with pytest.raises(ValueError):
        select_k(_blobs()[:6], k_range=(2, 5))


def test_seeded_fit_reaches_the_best_partition() -> None:
    points = _blobs(2)
    model = fit_kmeans(points, 3, random_state=0)
    assert sorted(np.bincount(model.labels_)) == [400, 400, 400]
