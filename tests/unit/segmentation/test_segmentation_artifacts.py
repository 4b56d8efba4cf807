"""Persisting a fitted pipeline: round trip, digests, versions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from adflux.segmentation.artifacts import (
    ArtifactError,
    load_artifact,
    manifest_path_for,
    save_artifact,
)


def test_round_trip_predicts_the_same(trained, planted_frame, tmp_path: Path) -> None:
    info = save_artifact(
        trained.pipeline, directory=tmp_path / "models", name="run-7", metadata={"run_id": 7}
    )
    assert info.path == tmp_path / "models" / "run-7.joblib" and info.size_bytes > 0
    loaded = load_artifact(info.path, expected_sha256=info.sha256)
    assert loaded.manifest["metadata"] == {"run_id": 7}
    assert loaded.manifest["versions"]["scikit-learn"]
    sample = planted_frame.head(300)
    assert np.array_equal(loaded.pipeline.predict(sample), trained.pipeline.predict(sample))
    assert [p.name for p in info.path.parent.iterdir() if p.name.startswith(".")] == []


def test_a_modified_file_is_refused(trained, tmp_path: Path) -> None:
    info = save_artifact(trained.pipeline, directory=tmp_path, name="run-1")
    with info.path.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ArtifactError, match="manifest SHA-256"):
        load_artifact(info.path)


def test_the_digest_stored_in_the_database_is_checked(trained, tmp_path: Path) -> None:
    info = save_artifact(trained.pipeline, directory=tmp_path, name="run-2")
    with pytest.raises(ArtifactError, match="database SHA-256"):
        load_artifact(info.path, expected_sha256="0" * 64)


def test_another_scikit_learn_version_is_refused(trained, tmp_path: Path) -> None:
    info = save_artifact(trained.pipeline, directory=tmp_path, name="run-3")
    manifest = json.loads(info.manifest_path.read_text())
    manifest["versions"]["scikit-learn"] = "0.24.2"
    info.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="retrain"):
        load_artifact(info.path)


def test_missing_manifest_or_file_and_bad_names(trained, tmp_path: Path) -> None:
    info = save_artifact(trained.pipeline, directory=tmp_path, name="run-4")
    manifest_path_for(info.path).unlink()
    with pytest.raises(ArtifactError, match="manifest"):
        load_artifact(info.path)
    with pytest.raises(ArtifactError):
        load_artifact(tmp_path / "absent.joblib")
    for name in ("", "../escape", ".hidden"):
        with pytest.raises(ValueError):
            save_artifact(trained.pipeline, directory=tmp_path, name=name)
