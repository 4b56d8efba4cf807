"""Small generated data sets and one training shared by the segmentation unit tests."""

from __future__ import annotations

import pandas as pd
import pytest

from adflux.datagen.generator import generate_candidates
from adflux.segmentation.features import candidate_features
from adflux.segmentation.training import TrainingResult, train

PLANTED = 4


@pytest.fixture(scope="session")
def planted_columns() -> dict:
    """4,000 candidates with 4 planted personas."""
    return generate_candidates(4_000, seed=3, personas=PLANTED)


@pytest.fixture(scope="session")
def planted_frame(planted_columns: dict) -> pd.DataFrame:
    return candidate_features(planted_columns)


@pytest.fixture(scope="session")
def trained(planted_frame: pd.DataFrame) -> TrainingResult:
    """The automatic choice of k over 2..6 (a narrower range than production keeps tests fast)."""
    return train(planted_frame, k_range=(2, 6), random_state=0)
