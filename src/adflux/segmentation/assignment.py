"""A candidate's segment in the active run: its stored membership, or predicted by the run's model.

New candidates are assigned when they are created (``assign_new_candidate``, in the creating
transaction; ``assign_candidates`` for a file's worth at once); candidates without a membership
yet are predicted on read and marked so. The fitted pipeline is loaded from its artefact once per
process and run, after its digest is checked. scikit-learn is imported only when a prediction is
needed (see ``service``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import sqlalchemy as sa
from flask import current_app

from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.errors import NotFound, ServiceUnavailable
from adflux.segmentation import service
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CandidateSegment:
    candidate_id: int
    run_id: int
    segment: Segment
    # "assigned": stored membership (training or creation); "predicted": by the model just now.
    source: Literal["assigned", "predicted"]


def segment_of_candidate(*, db_session: DbSession, candidate_id: int) -> CandidateSegment:
    """The candidate's segment in the active run, predicted by its model if not assigned yet."""
    candidate = db_session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("candidate %(candidate_id)s does not exist", candidate_id=candidate_id)
    run = service.get_active_run(db_session=db_session)
    if run is None:
        raise NotFound("no segmentation is active yet; train one with 'adflux segment train'")
    assigned = db_session.scalar(
        sa.select(Segment)
        .join(SegmentMembership, SegmentMembership.segment_id == Segment.id)
        .where(SegmentMembership.run_id == run.id, SegmentMembership.candidate_id == candidate_id)
    )
    if assigned is not None:
        return CandidateSegment(candidate_id, run.id, assigned, "assigned")
    return CandidateSegment(candidate_id, run.id, _predict(db_session, run, candidate), "predicted")


def assign_new_candidate(
    *, db_session: DbSession, candidate: Candidate
) -> SegmentMembership | None:
    """Add the new candidate's membership of the active run (in the caller's transaction).

    None when no run is active or its model cannot be loaded here: the candidate is then
    predicted when asked for, and assigned by the next training.
    """
    run = service.get_active_run(db_session=db_session)
    if run is None:
        return None
    try:
        segment = _predict(db_session, run, candidate)
    except ServiceUnavailable as exc:
        log.warning("candidate %s left unassigned: %s", candidate.id, exc.message)
        return None
    membership = SegmentMembership(run_id=run.id, candidate_id=candidate.id, segment_id=segment.id)
    db_session.add(membership)
    return membership


def _predict(db_session: DbSession, run: SegmentationRun, candidate: Candidate) -> Segment:
    from adflux.segmentation.features import SOURCE_FIELDS
    from adflux.segmentation.training import predict_segments

    row = {name: getattr(candidate, name) for name in SOURCE_FIELDS}
    index = int(predict_segments(_pipeline_of(run), [row])[0])
    segment = db_session.scalar(
        sa.select(Segment).where(Segment.run_id == run.id, Segment.cluster_index == index)
    )
    if segment is None:  # a cluster left empty by the training has no segment row
        raise ServiceUnavailable(
            "the model of segmentation run %(run_id)s predicted an empty segment %(index)s",
            run_id=run.id,
            index=index,
        )
    return segment


def _pipeline_of(run: SegmentationRun) -> Pipeline:
    from adflux.segmentation.artifacts import ArtifactError

    if not run.artifact_path:
        raise ServiceUnavailable("segmentation run %(run_id)s has no stored model", run_id=run.id)
    path = Path(current_app.config["ADFLUX_SETTINGS"].data_dir) / run.artifact_path
    try:
        return _load_pipeline(str(path), (run.params or {}).get("artifact_sha256"))
    except ArtifactError as exc:
        raise ServiceUnavailable(
            "the model of segmentation run %(run_id)s cannot be used: %(problem)s",
            run_id=run.id,
            problem=str(exc),
        ) from None


@lru_cache(maxsize=4)
def _load_pipeline(path: str, sha256: str | None) -> Pipeline:
    """A run's fitted pipeline, loaded (and its digest checked) once per process."""
    from adflux.segmentation.artifacts import load_artifact

    return load_artifact(Path(path), expected_sha256=sha256).pipeline


# Ids per IN list: under SQLite's limit on bound variables.
_ID_BATCH = 10_000


def assign_candidates(*, db_session: DbSession, candidate_ids: Sequence[int]) -> int:
    """Put these candidates (new, or with changed profiles) in their segment of the active run,
    predicted by its model in one call, in the caller's transaction; how many were assigned.

    0 when no run is active or its model cannot be loaded here, as for ``assign_new_candidate``:
    they are then predicted when asked for, and assigned by the next training.
    """
    run = service.get_active_run(db_session=db_session)
    if run is None or not candidate_ids:
        return 0
    from adflux.segmentation.bulk import write_memberships
    from adflux.segmentation.features import SOURCE_FIELDS
    from adflux.segmentation.training import predict_segments

    try:
        pipeline = _pipeline_of(run)
    except ServiceUnavailable as exc:
        log.warning("%d candidates left unassigned: %s", len(candidate_ids), exc.message)
        return 0
    segment_of_cluster = dict(
        db_session.execute(
            sa.select(Segment.cluster_index, Segment.id).where(Segment.run_id == run.id)
        ).all()
    )
    fields = [getattr(Candidate, name) for name in SOURCE_FIELDS]
    assigned = 0
    ids = list(candidate_ids)
    for start in range(0, len(ids), _ID_BATCH):
        chunk = ids[start : start + _ID_BATCH]
        rows = db_session.execute(
            sa.select(Candidate.id, *fields).where(Candidate.id.in_(chunk)).order_by(Candidate.id)
        ).all()
        if not rows:
            continue
        columns = {name: [row[i + 1] for row in rows] for i, name in enumerate(SOURCE_FIELDS)}
        clusters = predict_segments(pipeline, columns)
        # A cluster the training left empty has no segment: those stay predicted on read.
        pairs = [
            (row[0], segment_of_cluster[int(cluster)])
            for row, cluster in zip(rows, clusters, strict=True)
            if int(cluster) in segment_of_cluster
        ]
        db_session.execute(
            sa.delete(SegmentMembership).where(
                SegmentMembership.run_id == run.id, SegmentMembership.candidate_id.in_(chunk)
            )
        )
        assigned += write_memberships(
            db_session.connection(),
            run_id=run.id,
            candidate_ids=np.array([p[0] for p in pairs], dtype=np.int64),
            segment_ids=np.array([p[1] for p in pairs], dtype=np.int64),
        )
    return assigned
