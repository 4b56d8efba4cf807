"""The unfitted pipeline and what the fitted one does with unusual input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from adflux.jobs.areas import AREA_BY_KEY
from adflux.segmentation.features import candidate_features
from adflux.segmentation.pipeline import (
    CATEGORY_WEIGHT,
    MINIBATCH_THRESHOLD,
    build_pipeline,
    build_preprocessor,
)
from adflux.segmentation.training import predict_segments

ROW = {
    "age": 29,
    "city": "Bogotá",
    "education_level": "profesional",
    "years_experience": 5,
    "area": "tecnologia",
    "desired_salary_cop": 7_000_000,
    "remote_preference": "remoto",
    "languages": ["es", "en"],
    "skills": ["Python", "SQL"],
}


def test_build_pipeline_is_unfitted_and_picks_the_estimator_by_size() -> None:
    small = build_pipeline(5, n_rows=10_000)
    with pytest.raises(NotFittedError):
        check_is_fitted(small)
    assert isinstance(small.named_steps["cluster"], KMeans)
    assert small.named_steps["cluster"].n_clusters == 5
    big = build_pipeline(5, n_rows=MINIBATCH_THRESHOLD + 1, random_state=3)
    assert isinstance(big.named_steps["cluster"], MiniBatchKMeans)
    assert big.named_steps["cluster"].random_state == 3
    # Warm-started from known centres, Lloyd at any size, with a single init.
    warm = build_pipeline(2, n_rows=10 * MINIBATCH_THRESHOLD, init=np.zeros((2, 3)))
    assert isinstance(warm.named_steps["cluster"], KMeans)
    assert warm.named_steps["cluster"].n_init == 1
    with pytest.raises(ValueError):
        build_pipeline(0, n_rows=10)


def test_design_matrix_is_sparse_weighted_one_hot_plus_scaled_numbers(planted_frame) -> None:
    preprocessor = build_preprocessor()
    matrix = preprocessor.fit_transform(planted_frame)
    assert sp.issparse(matrix)
    names = list(preprocessor.get_feature_names_out())
    area = names.index(f"profile__area_{AREA_BY_KEY['tecnologia'].label}")
    values = matrix[:, area].toarray().ravel()
    assert set(np.unique(values)) <= {0.0, CATEGORY_WEIGHT}
    age = matrix[:, names.index("numeric__age")].toarray().ravel()
    assert abs(age.mean()) < 1e-6 and age.std() == pytest.approx(1.0, rel=1e-3)
    assert "city_infrequent_sklearn" in " ".join(names)  # the "otra" bucket of small cities
    assert len([n for n in names if n.startswith("city__")]) == 16


def test_unknown_categories_missing_values_and_one_row_predict(trained) -> None:
    pipeline = trained.pipeline
    odd = {
        **ROW,
        "city": "Macondo",
        "area": "astronautica",
        "education_level": "posdoctorado",
        "remote_preference": None,
        "years_experience": None,
        "desired_salary_cop": None,
        "age": None,
        "languages": None,
        "skills": None,
    }
    labels = predict_segments(pipeline, [odd])
    assert labels.shape == (1,) and 0 <= labels[0] < trained.k
    one = predict_segments(pipeline, [ROW])
    assert one.shape == (1,)
    matrix = pipeline.named_steps["features"].transform(candidate_features([odd]))
    assert np.all(np.isfinite(matrix.toarray()))


def test_prediction_agrees_with_the_training_labels(trained, planted_columns) -> None:
    predicted = predict_segments(trained.pipeline, planted_columns)
    assert np.mean(predicted == trained.labels) > 0.99
