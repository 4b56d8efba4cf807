"""Training end to end on generated candidates (in memory)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from adflux.segmentation.features import FEATURE_NAMES
from adflux.segmentation.training import PROJECTION_SAMPLE, agreement, train


def test_automatic_k_is_the_planted_persona_count(trained, planted_columns) -> None:
    assert trained.k == len(set(planted_columns["persona"])) == 4
    assert trained.selection.rule == "max_silhouette_x_stability"
    assert adjusted_rand_score(planted_columns["persona"], trained.labels) >= 0.9


def test_result_carries_the_evidence_a_run_stores(trained) -> None:
    document = trained.metrics_document()
    json.dumps(document)  # JSON-ready as it is
    assert [row["k"] for row in document["per_k"]] == [2, 3, 4, 5, 6]
    for row in document["per_k"]:
        assert {"inertia", "silhouette", "davies_bouldin", "calinski_harabasz", "stability"} <= set(
            row
        )
    assert document["chosen"]["k"] == trained.k and sum(document["chosen"]["sizes"]) == 4_000
    assert set(trained.timings) >= {"features", "selection", "final_fit", "total"}
    assert trained.params["k_range"] == [2, 6] and trained.params["random_state"] == 0
    assert trained.features == FEATURE_NAMES
    assert "persona" not in trained.pipeline.named_steps["features"].feature_names_in_


def test_segments_are_numbered_by_decreasing_size(trained, planted_frame) -> None:
    sizes = np.bincount(trained.labels)
    assert list(sizes) == sorted(sizes, reverse=True)
    # The renumbering is applied to the model too: predicting the training rows agrees.
    assert np.array_equal(trained.pipeline.predict(planted_frame), trained.labels)


def test_projection_is_a_small_labelled_sample(trained) -> None:
    projection = trained.projection
    assert len(projection.x) == len(projection.y) == len(projection.labels) <= PROJECTION_SAMPLE
    assert np.array_equal(projection.labels, trained.labels[projection.rows])
    stored = projection.as_dict()
    assert len(json.dumps(stored)) < 200_000
    assert 0 < sum(stored["explained_variance_ratio"]) <= 1


def test_same_data_and_parameters_give_the_same_segments(planted_frame, trained) -> None:
    again = train(planted_frame, k_range=(2, 6), random_state=0)
    assert np.array_equal(again.labels, trained.labels)
    assert again.metrics == trained.metrics
    assert agreement(trained.labels, again.labels) == 1.0


def test_fixed_k_and_missing_values(planted_frame) -> None:
    frame = planted_frame.head(1_500).copy()
    frame.loc[::7, ["age", "log_years_experience", "city", "area"]] = np.nan
    result = train(frame, k=3)
    assert result.k == 3 and result.selection.rule == "fixed"
    assert set(np.unique(result.labels)) == {0, 1, 2}


def test_too_few_candidates_or_a_bad_range_are_refused(planted_frame) -> None:
    with pytest.raises(ValueError, match="too few"):
        train(planted_frame.head(50), k_range=(2, 10))
    with pytest.raises(ValueError, match="too few"):
        train(planted_frame.head(0))
    with pytest.raises(ValueError, match="k range"):
        train(planted_frame, k_range=(1, 4))
    with pytest.raises(ValueError, match="k range"):
        train(planted_frame, k=40)
