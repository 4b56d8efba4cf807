"""The training service on PostgreSQL: versions, activation, failures, one training at a time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from flask import current_app
from tests.integration.segmentation.conftest import K_RANGE, N_CANDIDATES

from adflux.candidates.models import Candidate
from adflux.db import utcnow
from adflux.errors import Conflict, ServiceUnavailable, ValidationFailed
from adflux.extensions import db
from adflux.i18n.messages import Message
from adflux.segmentation import artifacts, bulk, service, training
from adflux.segmentation.features import SOURCE_FIELDS
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

pytestmark = pytest.mark.postgres


def _scalar(query):
    return db.session.scalar(query)


def _memberships(run_id: int) -> int:
    return _scalar(
        sa.select(sa.func.count())
        .select_from(SegmentMembership)
        .where(SegmentMembership.run_id == run_id)
    )


def _active_ids() -> list[int]:
    return list(
        db.session.scalars(sa.select(SegmentationRun.id).where(SegmentationRun.is_active.is_(True)))
    )


def test_a_training_becomes_the_active_version_with_every_candidate_assigned(seeded, train):
    run = train()

    assert (run.status, run.is_active, run.in_flight, run.error) == ("succeeded", True, False, None)
    assert K_RANGE[0] <= run.k <= K_RANGE[1] and (run.k_min, run.k_max) == K_RANGE
    assert run.candidate_count == seeded == N_CANDIDATES
    assert [row["k"] for row in run.metrics["per_k"]] == [2, 3, 4]
    assert run.metrics["chosen"]["k"] == run.k and run.metrics["vs_previous"] is None
    assert {"read", "train", "profiles", "artifact", "memberships", "total"} <= set(run.timings)
    assert run.progress["step"] == "done" and run.progress["percent"] == 100
    assert len(run.projection["x"]) == len(run.projection["candidate_ids"]) > 0
    assert "persona" not in run.features and "email" not in run.features

    # Every candidate has exactly one membership, in a segment of this run.
    unassigned = _scalar(
        sa.select(sa.func.count())
        .select_from(Candidate)
        .where(
            ~sa.exists().where(
                SegmentMembership.candidate_id == Candidate.id,
                SegmentMembership.run_id == run.id,
            )
        )
    )
    assert unassigned == 0 and _memberships(run.id) == N_CANDIDATES
    segments = run.segments
    assert [s.cluster_index for s in segments] == list(range(run.k))
    for segment in segments:
        members = _scalar(
            sa.select(sa.func.count()).where(SegmentMembership.segment_id == segment.id)
        )
        assert members == segment.size == segment.profile["size"] > 0
        assert segment.name == segment.profile["name"]

    artefact = Path(current_app.config["ADFLUX_SETTINGS"].data_dir) / run.artifact_path
    assert artefact.is_file() and run.params["artifact_sha256"]


def test_the_found_segments_are_the_planted_personas(seeded, train):
    run = train()
    rows = db.session.execute(
        sa.select(Candidate.persona, Segment.cluster_index)
        .join(SegmentMembership, SegmentMembership.candidate_id == Candidate.id)
        .join(Segment, Segment.id == SegmentMembership.segment_id)
        .where(SegmentMembership.run_id == run.id)
    ).all()
    personas, labels = zip(*rows, strict=True)
    assert run.k == len(set(personas))
    assert training.agreement(personas, labels) >= 0.9


def test_a_new_run_replaces_the_active_one_and_reports_its_agreement(seeded, train):
    first = train()
    second = train()

    assert _active_ids() == [second.id]
    db.session.refresh(first)
    assert (first.status, first.is_active) == ("succeeded", False)
    # Same candidates, same parameters: the same segments, numbered the same way.
    assert second.metrics["vs_previous"] == {
        "previous_run_id": first.id,
        "adjusted_rand_index": 1.0,
        "common_candidates": N_CANDIDATES,
    }
    # Both versions keep their memberships (campaigns may target the older one's segments).
    assert _memberships(first.id) == _memberships(second.id) == N_CANDIDATES


@pytest.mark.parametrize("broken", ["training", "writing memberships"])
def test_a_failed_run_leaves_the_previous_one_active(seeded, train, monkeypatch, broken):
    first = train()

    def boom(*_args, **_kwargs):
        raise RuntimeError(f"boom in {broken}")

    if broken == "training":
        monkeypatch.setattr(training, "train", boom)
    else:
        original = bulk.write_memberships

        def write_then_fail(*args, **kwargs):
            original(*args, **kwargs)  # rows written in the transaction, then the failure
            boom()

        monkeypatch.setattr(bulk, "write_memberships", write_then_fail)

    with pytest.raises(RuntimeError, match="boom"):
        train()

    failed = db.session.scalars(
        sa.select(SegmentationRun).where(SegmentationRun.id != first.id)
    ).one()
    assert (failed.status, failed.in_flight, failed.is_active) == ("failed", False, False)
    assert failed.error == f"RuntimeError: boom in {broken}"
    assert failed.progress["step"] == "failed"
    assert _active_ids() == [first.id]
    assert _memberships(failed.id) == 0
    assert _scalar(sa.select(sa.func.count()).where(Segment.run_id == failed.id)) == 0
    models = Path(current_app.config["ADFLUX_SETTINGS"].data_dir) / service.MODELS_DIR
    assert not list(models.glob(f"segmentation-run-{failed.id}.*"))
    # The in-flight slot is free again.
    monkeypatch.undo()
    assert train().is_active


def test_a_second_training_is_refused_while_one_is_in_flight(seeded, dispatcher, monkeypatch):
    first = service.start_training(db_session=db.session, k_range=K_RANGE)
    with pytest.raises(Conflict, match=f"run {first.id} is already pending"):
        service.start_training(db_session=db.session, k_range=K_RANGE)

    # Past the check (two requests racing), the partial unique index refuses the second row.
    monkeypatch.setattr(service, "get_in_flight_run", lambda **_: None)
    with pytest.raises(Conflict, match="only one training runs at a time"):
        service.start_training(db_session=db.session, k_range=K_RANGE)

    in_flight = db.session.scalars(
        sa.select(SegmentationRun.id).where(SegmentationRun.in_flight.is_(True))
    ).all()
    assert in_flight == [first.id]
    assert len(dispatcher.take()) == 1


def test_an_abandoned_training_no_longer_blocks_a_new_one(seeded, dispatcher):
    stuck = service.start_training(db_session=db.session, k_range=K_RANGE)
    stuck.status = "running"
    stuck.progress = {
        "step": "evaluating k=3",
        "updated_at": (utcnow() - timedelta(hours=1)).isoformat(),
    }
    db.session.commit()

    fresh = service.start_training(db_session=db.session, k_range=K_RANGE)

    db.session.refresh(stuck)
    assert (stuck.status, stuck.in_flight) == ("failed", False)
    assert stuck.error.startswith("abandoned")
    assert fresh.in_flight and fresh.id != stuck.id


def test_a_redelivered_task_runs_a_training_once(seeded, train, dispatcher):
    run = train()
    before = (run.finished_at, run.artifact_path, _memberships(run.id))
    assert service.run_training(db_session=db.session, run_id=run.id) is None
    db.session.refresh(run)
    assert (run.finished_at, run.artifact_path, _memberships(run.id)) == before

    # A run a live worker is training is left to it; one whose worker went silent is taken over.
    busy = service.start_training(db_session=db.session, k_range=K_RANGE)
    busy.status, busy.progress = "running", {"updated_at": utcnow().isoformat()}
    db.session.commit()
    assert service.run_training(db_session=db.session, run_id=busy.id) is None
    busy.progress = {"updated_at": (utcnow() - timedelta(hours=1)).isoformat()}
    db.session.commit()
    taken_over = service.run_training(db_session=db.session, run_id=busy.id)
    assert taken_over is not None and taken_over.is_active
    assert _memberships(busy.id) == N_CANDIDATES


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"k": 1}, "k"),
        ({"k": 21}, "k"),
        ({"k_range": (1, 5)}, "k_min"),
        ({"k_range": (2, 25)}, "k_max"),
        ({"k_range": (6, 3)}, "k_max"),
    ],
)
def test_bad_numbers_of_segments_are_refused_naming_the_field(seeded, dispatcher, options, field):
    with pytest.raises(ValidationFailed) as caught:
        service.start_training(db_session=db.session, **options)
    assert field in caught.value.fields
    assert _scalar(sa.select(sa.func.count()).select_from(SegmentationRun)) == 0
    assert dispatcher.take() == []


def test_too_few_candidates_for_k_is_refused(app, dispatcher):
    with pytest.raises(ValidationFailed) as caught:
        service.start_training(db_session=db.session, k=3)
    assert caught.value.fields == {"k": ["needs 6 candidates, 0 exist"]}


def test_a_training_the_queue_cannot_take_is_failed_not_left_in_flight(seeded, dispatcher):
    dispatcher.broker_down = True
    with pytest.raises(ServiceUnavailable):
        service.start_training(db_session=db.session, k_range=K_RANGE)
    run = db.session.scalars(sa.select(SegmentationRun)).one()
    assert (run.status, run.in_flight) == ("failed", False)


def test_progress_is_reported_in_order_and_stored(seeded, dispatcher):
    run = service.start_training(db_session=db.session, k_range=K_RANGE)
    seen: list[tuple[Message, float]] = []
    service.run_training(
        db_session=db.session, run_id=run.id, progress=lambda s, f: seen.append((s, f))
    )
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0
    # The echo is a message, read in the caller's language; what is stored is the msgid and its
    # parameters.
    steps = [s.render("en") for s, _ in seen]
    assert "trying 3 segments" in steps and any(s.startswith("recording") for s in steps)
    assert "probando 3 segmentos" in [s.render("es") for s, _ in seen]
    db.session.refresh(run)
    assert run.progress["fraction"] == 1.0


def test_stored_memberships_are_what_the_persisted_model_predicts(seeded, train):
    run = train()
    data_dir = Path(current_app.config["ADFLUX_SETTINGS"].data_dir)
    pipeline = artifacts.load_artifact(
        data_dir / run.artifact_path, expected_sha256=run.params["artifact_sha256"]
    ).pipeline
    rows = db.session.execute(
        sa.select(Candidate, Segment.cluster_index)
        .join(SegmentMembership, SegmentMembership.candidate_id == Candidate.id)
        .join(Segment, Segment.id == SegmentMembership.segment_id)
        .where(SegmentMembership.run_id == run.id)
        .order_by(Candidate.id)
    ).all()
    candidates = [{f: getattr(c, f) for f in SOURCE_FIELDS} for c, _ in rows]
    predicted = training.predict_segments(pipeline, candidates)
    assert np.array_equal(predicted, [index for _, index in rows])
