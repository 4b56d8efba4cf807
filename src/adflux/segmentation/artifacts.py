"""Saving and loading fitted segmentation pipelines (joblib + a JSON manifest).

``<name>.joblib`` holds the fitted Pipeline; ``<name>.json`` records the artefact format, the
library versions it was written with, its SHA-256 and free metadata (run id, k, features).
Loading checks the digest (against the manifest, and against the one the caller stored in the
database when given) and refuses a pickle written by another scikit-learn version: unpickling
across versions can silently change predictions, and retraining is cheap. A pickle runs code when
loaded, so only files this service wrote under its own artefact directory should ever be loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

FORMAT_VERSION = 1
_CHUNK = 1 << 20


class ArtifactError(Exception):
    """The artefact is missing, corrupt, or was written by an incompatible version."""


@dataclass(frozen=True, slots=True)
class ArtifactInfo:
    path: Path
    manifest_path: Path
    sha256: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class LoadedArtifact:
    pipeline: Pipeline
    manifest: dict[str, Any]


def _versions() -> dict[str, str]:
    return {
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(target: Path, write: Any) -> None:
    """Write through a temporary file in the same directory, then rename over the target."""
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def manifest_path_for(path: Path) -> Path:
    return path.with_suffix(".json")


def save_artifact(
    pipeline: Pipeline, *, directory: Path, name: str, metadata: dict[str, Any] | None = None
) -> ArtifactInfo:
    """Write ``directory/name.joblib`` and its manifest atomically; returns path and digest."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid artefact name: {name!r}")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.joblib"
    _atomic_write(path, lambda handle: joblib.dump(pipeline, handle, compress=3))
    digest, size = _sha256(path), path.stat().st_size
    manifest = {
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "sha256": digest,
        "size_bytes": size,
        "metadata": metadata or {},
    }
    manifest_path = manifest_path_for(path)
    encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
    _atomic_write(manifest_path, lambda handle: handle.write(encoded))
    return ArtifactInfo(
        path=path,
        manifest_path=manifest_path,
        sha256=digest,
        size_bytes=size,
    )


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest next to an artefact; ArtifactError when missing or unreadable."""
    try:
        manifest = json.loads(manifest_path_for(path).read_text())
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"cannot read the manifest of {path.name}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ArtifactError(f"the manifest of {path.name} is not an object")
    return manifest


def load_artifact(path: Path, *, expected_sha256: str | None = None) -> LoadedArtifact:
    """Load a pipeline after checking format, library version and SHA-256."""
    manifest = read_manifest(path)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path.name} has format {manifest.get('format_version')}, expected {FORMAT_VERSION}"
        )
    written_with = manifest.get("versions", {}).get("scikit-learn")
    if written_with != sklearn.__version__:
        raise ArtifactError(
            f"{path.name} was written with scikit-learn {written_with}, this is "
            f"{sklearn.__version__}: retrain the segmentation"
        )
    try:
        actual = _sha256(path)
    except OSError as exc:
        raise ArtifactError(f"cannot read {path.name}: {exc}") from exc
    for label, expected in (("manifest", manifest.get("sha256")), ("database", expected_sha256)):
        if expected is not None and expected != actual:
            raise ArtifactError(f"{path.name} does not match its {label} SHA-256")
    pipeline = joblib.load(path)
    if not isinstance(pipeline, Pipeline):
        raise ArtifactError(f"{path.name} does not hold a scikit-learn Pipeline")
    return LoadedArtifact(pipeline=pipeline, manifest=manifest)
