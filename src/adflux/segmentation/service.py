"""Segmentation use cases: start and run a training, read runs and segments, a candidate's segment.

A training is a ``SegmentationRun`` (a model version). ``start_training`` stores it pending and
queues the task after commit; ``run_training`` (the task) reads the candidates in bulk, trains,
writes segments and memberships, and only then activates the run in one short transaction. The
active run is never touched before that, and a failed run leaves it in place. One training at a
time: checked first for a clear message, enforced by a partial unique index on ``in_flight``.

scikit-learn, pandas and matplotlib are imported inside the functions that train, predict or draw:
this module is imported by the API, the dashboard and every server command, and most of those
processes never need a model (importing them costs about 1.5 s and 90 MB per process).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import sqlalchemy as sa
from flask import current_app

from adflux.audit import service as audit
from adflux.background.dispatch import send_task
from adflux.candidates.models import Candidate
from adflux.context import actor_var
from adflux.db import DbSession, utcnow
from adflux.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Code, Message, render
from adflux.pagination import Page, paginate
from adflux.segmentation.models import RunStatus, Segment, SegmentationRun, SegmentMembership

log = logging.getLogger(__name__)

TRAIN_TASK = "adflux.train_segmentation"
K_LIMITS = (2, 20)
DEFAULT_K_RANGE = (2, 10)
# A training stores its progress at least every few seconds (the longest silent step, the final
# fit on a million candidates, takes well under a minute); this long without any means its
# worker is gone, and the run no longer blocks a new training.
STALE_AFTER = timedelta(minutes=10)
MODELS_DIR = "models"
ERROR_MAX_CHARS = 2000

# A step is a catalog msgid; its parameters fill it where it is shown (adflux.i18n.messages).
Progress = Callable[..., None]


# --- starting a training -------------------------------------------------------------------


def start_training(
    *,
    db_session: DbSession,
    k: int | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
) -> SegmentationRun:
    """Store a pending run and queue its training after commit (the caller answers 202)."""
    run = create_run(db_session=db_session, k=k, k_range=k_range)
    if not send_task(TRAIN_TASK, run.id):
        # Nothing would ever pick this run up, and it would block every later training.
        _record_failure(db_session, run.id, "the task queue was unavailable; nothing was trained")
        raise ServiceUnavailable("the task queue is unavailable; try the training again shortly")
    return run


def create_run(
    *,
    db_session: DbSession,
    k: int | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
) -> SegmentationRun:
    """Validate and store a pending, in-flight run; the caller queues it or runs it itself."""
    low, high = _validated_range(db_session, k, k_range)
    _release_abandoned(db_session)
    in_flight = get_in_flight_run(db_session=db_session)
    if in_flight is not None:
        raise _already_training(in_flight.id, in_flight.status)
    run = SegmentationRun(
        status=RunStatus.PENDING.value,
        in_flight=True,
        k_min=low,
        k_max=high,
        params={"k_requested": k, "k_range": [low, high]},
        created_by=actor_var.get(),
        progress=_progress(N_("queued"), 0.0),
    )
    db_session.add(run)
    try:
        db_session.flush()
        audit.record(
            db_session=db_session,
            action="segmentation.train",
            entity_type="segmentation_run",
            entity_id=run.id,
            details={"k": k, "k_range": [low, high]},
        )
        db_session.commit()
    except sa.exc.IntegrityError:
        # Another request stored its run between our check and our insert: the index said no.
        db_session.rollback()
        raise _already_training(None, None) from None
    return run


def _already_training(run_id: int | None, status: str | None) -> Conflict:
    if run_id is None or status is None:
        return Conflict(
            "a training is running; only one training runs at a time, wait for it to finish"
        )
    return Conflict(
        "segmentation run %(run_id)s is already %(status)s; only one training runs at a time, "
        "wait for it to finish",
        run_id=run_id,
        status=Code("run_status", status),
    )


def _validated_range(
    db_session: DbSession, k: int | None, k_range: tuple[int, int]
) -> tuple[int, int]:
    """(k_min, k_max) to evaluate; a fixed k evaluates only itself."""
    lowest, highest = K_LIMITS
    allowed = Message(
        "must be a whole number from %(lowest)s to %(highest)s", lowest=lowest, highest=highest
    )
    problems: dict[str, list[str | Message]] = {}

    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
            problems[name] = [allowed]

    if k is not None:
        check("k", k)
    check("k_min", k_range[0])
    check("k_max", k_range[1])
    if not problems and k_range[0] > k_range[1]:
        problems["k_max"] = [Message("must be at least k_min (%(k_min)s)", k_min=k_range[0])]
    if problems:
        raise ValidationFailed("invalid number of segments", fields=problems)
    low, high = (k, k) if k is not None else (int(k_range[0]), int(k_range[1]))
    # k-means over a sample, and its stability over halves of it, need two candidates per segment.
    needed = 2 * high
    count = int(db_session.scalar(sa.select(sa.func.count()).select_from(Candidate)) or 0)
    if count < needed:
        field = "k" if k is not None else "k_max"
        raise ValidationFailed(
            "not enough candidates to train %(segments)s segments",
            fields={field: [N_("needs %(needed)s candidates, %(count)s exist")]},
            segments=high,
            needed=needed,
            count=count,
        )
    return low, high


def _release_abandoned(db_session: DbSession) -> None:
    """Fail an in-flight run whose worker stopped reporting progress, so it no longer blocks."""
    run = get_in_flight_run(db_session=db_session)
    if run is not None and _abandoned(run):
        minutes = int(STALE_AFTER.total_seconds() // 60)
        log.warning("segmentation run %s made no progress for %s min: failing it", run.id, minutes)
        _record_failure(
            db_session, run.id, f"abandoned: no progress for {minutes} minutes (worker stopped)"
        )


def progress_in(progress: dict[str, Any] | None, language: str) -> dict[str, Any]:
    """A run's progress as a reader sees it: its step in `language`, parameters filled."""
    shown = dict(progress or {})
    params = shown.pop("step_params", None) or {}
    if shown.get("step"):
        shown["step"] = render(shown["step"], params, language)
    return shown


def _abandoned(run: SegmentationRun) -> bool:
    stamp = (run.progress or {}).get("updated_at")
    heartbeat = datetime.fromisoformat(stamp) if stamp else (run.started_at or run.created_at)
    return heartbeat is not None and utcnow() - heartbeat > STALE_AFTER


def _progress(step: str, fraction: float, **params: object) -> dict[str, Any]:
    """What the API and the dashboard show of a training in flight: the step is a catalog
    msgid, rendered with its parameters in the reader's language (step_text)."""
    fraction = round(min(max(fraction, 0.0), 1.0), 3)
    return {
        "step": step,
        "step_params": params,
        "fraction": fraction,
        "percent": round(fraction * 100),
        "updated_at": utcnow().isoformat(),
    }


# --- running a training --------------------------------------------------------------------


class _Reporter:
    """Stores progress on the run (committing; throttled) and echoes it to the caller."""

    MIN_STEP = 0.02
    MIN_SECONDS = 2.0

    def __init__(self, db_session: DbSession, run_id: int, echo: Progress | None):
        self._db_session = db_session
        self._run_id = run_id
        self._echo = echo
        self._last: tuple[str, float, float] = ("", -1.0, 0.0)

    def __call__(self, step: str, fraction: float, *, store: bool = True, **params: object) -> None:
        if self._echo is not None:
            # A message: the caller shows it in its reader's language.
            self._echo(Message(step, **params), fraction)
        last_step, last_fraction, last_at = self._last
        now = time.monotonic()
        quiet = fraction - last_fraction < self.MIN_STEP and now - last_at < self.MIN_SECONDS
        if not store or (step == last_step and quiet):
            return
        self._db_session.execute(
            sa.update(SegmentationRun)
            .where(SegmentationRun.id == self._run_id)
            .values(progress=_progress(step, fraction, **params))
        )
        self._db_session.commit()
        self._last = (step, fraction, now)


def run_training(
    *,
    db_session: DbSession,
    run_id: int,
    progress: Progress | None = None,
    random_state: int = 0,
) -> SegmentationRun | None:
    """Train run ``run_id`` and activate it; None when it is not this caller's to run.

    Safe to call twice: a run that succeeded, failed or is being trained by a live worker is left
    alone; a running one whose worker went silent (``STALE_AFTER``) is taken over from scratch.
    On failure the run is marked failed with the error and the exception propagates.
    """
    run = _claim(db_session, run_id)
    if run is None:
        return None
    artifact: Path | None = None
    try:
        artifact = _artifact_path(run_id)
        _train_and_store(db_session, run, _Reporter(db_session, run_id, progress), random_state)
    except BaseException as exc:
        db_session.rollback()
        _record_failure(db_session, run_id, _describe(exc))
        if artifact is not None:
            for leftover in (artifact, artifact.with_suffix(".json")):
                leftover.unlink(missing_ok=True)
        raise
    return db_session.get(SegmentationRun, run_id)


def _claim(db_session: DbSession, run_id: int) -> SegmentationRun | None:
    run = db_session.scalar(
        sa.select(SegmentationRun).where(SegmentationRun.id == run_id).with_for_update()
    )
    if run is None or not run.in_flight or run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
        db_session.commit()  # releases the row lock; nothing was changed
        return None
    if run.status == RunStatus.RUNNING and not _abandoned(run):
        db_session.commit()
        return None
    if run.status == RunStatus.RUNNING:
        log.warning("segmentation run %s was abandoned by its worker: starting it again", run_id)
    run.status = RunStatus.RUNNING.value
    run.started_at = utcnow()
    run.error = None
    run.progress = _progress(N_("starting"), 0.0)
    db_session.commit()
    return run


def _train_and_store(
    db_session: DbSession, run: SegmentationRun, report: _Reporter, random_state: int
) -> None:
    from adflux.segmentation import artifacts, bulk, profiles, training
    from adflux.segmentation.features import candidate_features

    run_id = run.id
    k_requested = (run.params or {}).get("k_requested")  # None: choose k automatically
    k_range = (run.k_min, run.k_max)
    previous = get_active_run(db_session=db_session)
    timings: dict[str, float] = {}
    started = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[name] = round(now - mark, 3)
        mark = now

    _delete_results(db_session, run_id)  # what an abandoned attempt of this run left behind
    report(N_("reading the candidates"), 0.0)
    total = int(db_session.scalar(sa.select(sa.func.count()).select_from(Candidate)) or 0)
    # The COPY holds the connection: progress is echoed only, and stored again afterwards.
    columns = bulk.read_candidates(
        db_session.connection(),
        on_rows=lambda n: report(
            N_("reading the candidates"), 0.1 * n / max(total, 1), store=False
        ),
    )
    n = len(columns["id"])
    lap("read")

    report(N_("grouping %(count)s candidates"), 0.1, count=n)
    result = training.train(
        candidate_features(columns),
        k=k_requested,
        k_range=k_range,
        random_state=random_state,
        progress=lambda step, fraction, **params: report(step, 0.1 + 0.6 * fraction, **params),
    )
    timings.update({f"train_{name}": value for name, value in result.timings.items()})
    lap("train")

    report(N_("describing the segments"), 0.72)
    # An array is a sequence of labels for these functions (the casts only tell mypy so).
    labels = cast(Sequence[int], result.labels)
    document = profiles.build_profiles(columns, labels, k=result.k)
    lap("profiles")

    report(N_("saving the model"), 0.78)
    info = artifacts.save_artifact(
        result.pipeline,
        directory=_models_dir(),
        name=_artifact_name(run_id),
        metadata={"run_id": run_id, "k": result.k, "features": list(result.features)},
    )
    lap("artifact")

    report(N_("recording each candidate's segment"), 0.8)
    # From here to the commit nothing else may commit: progress is echoed only.
    segments = [
        Segment(
            run_id=run_id,
            cluster_index=profile["cluster_index"],
            name=profile["name"],
            size=profile["size"],
            profile=profile,
        )
        for profile in document["segments"]
    ]
    db_session.add_all(segments)
    db_session.flush()
    segment_of_index = np.zeros(result.k, dtype=np.int64)
    for segment in segments:
        segment_of_index[segment.cluster_index] = segment.id
    bulk.write_memberships(
        db_session.connection(),
        run_id=run_id,
        candidate_ids=columns["id"],
        segment_ids=segment_of_index[result.labels],
        on_rows=lambda done: report(
            N_("recording each candidate's segment"), 0.8 + 0.15 * done / n, store=False
        ),
    )
    lap("memberships")

    report(N_("comparing with the active segmentation"), 0.96, store=False)
    stability = _agreement_with(db_session, previous, run_id)
    lap("agreement")

    projection = result.projection.as_dict()
    projection["candidate_ids"] = columns["id"][result.projection.rows].tolist()
    stored = db_session.get(SegmentationRun, run_id)
    assert stored is not None  # claimed by this caller, never deleted
    stored.k = result.k
    stored.features = list(result.features)
    stored.params = {
        **(stored.params or {}),
        **result.params,
        "artifact_sha256": info.sha256,
        "artifact_bytes": info.size_bytes,
    }
    stored.metrics = {
        **result.metrics_document(),
        "age_proxy": document["age_proxy"],
        "vs_previous": stability,
    }
    stored.candidate_count = n
    stored.artifact_path = f"{MODELS_DIR}/{info.path.name}"
    stored.projection = projection
    stored.timings = {**timings, "total": round(time.perf_counter() - started, 3)}
    db_session.commit()
    _activate(db_session, run_id)


def _agreement_with(
    db_session: DbSession, previous: SegmentationRun | None, run_id: int
) -> dict[str, Any] | None:
    """Adjusted Rand index between the previous active run and this one, on shared candidates."""
    from adflux.segmentation.bulk import shared_labels
    from adflux.segmentation.training import agreement

    if previous is None:
        return None
    before, after = cast(
        tuple[Sequence[int], Sequence[int]],
        shared_labels(db_session, before_run=previous.id, after_run=run_id),
    )
    ari = round(agreement(before, after), 4) if len(before) else None
    return {
        "previous_run_id": previous.id,
        "adjusted_rand_index": ari,
        "common_candidates": len(before),
    }


def _activate(db_session: DbSession, run_id: int) -> None:
    """The one short transaction that swaps the active run."""
    # Deactivate first: the partial unique index allows one active run at any instant.
    db_session.execute(
        sa.update(SegmentationRun)
        .where(SegmentationRun.is_active.is_(True), SegmentationRun.id != run_id)
        .values(is_active=False)
    )
    db_session.execute(
        sa.update(SegmentationRun)
        .where(SegmentationRun.id == run_id)
        .values(
            is_active=True,
            in_flight=False,
            status=RunStatus.SUCCEEDED.value,
            finished_at=utcnow(),
            progress=_progress(N_("done"), 1.0),
        )
    )
    audit.record(
        db_session=db_session,
        action="segmentation.activate",
        entity_type="segmentation_run",
        entity_id=run_id,
    )
    db_session.commit()


def _delete_results(db_session: DbSession, run_id: int) -> None:
    # Explicit deletes: SQLite does not enforce the ON DELETE CASCADE of the foreign keys.
    db_session.execute(sa.delete(SegmentMembership).where(SegmentMembership.run_id == run_id))
    db_session.execute(sa.delete(Segment).where(Segment.run_id == run_id))


def _record_failure(db_session: DbSession, run_id: int, error: str) -> None:
    """Mark the run failed and release the in-flight slot; the active run is not touched."""
    try:
        _delete_results(db_session, run_id)
        db_session.execute(
            sa.update(SegmentationRun)
            .where(SegmentationRun.id == run_id)
            .values(
                status=RunStatus.FAILED.value,
                in_flight=False,
                error=error[:ERROR_MAX_CHARS],
                finished_at=utcnow(),
                progress=_progress(N_("failed"), 1.0),
            )
        )
        db_session.commit()
    except Exception:
        db_session.rollback()
        # The run stays in flight until STALE_AFTER releases it; say why it is stuck.
        log.exception("could not record the failure of segmentation run %s", run_id)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"


def _models_dir() -> Path:
    return Path(current_app.config["ADFLUX_SETTINGS"].data_dir) / MODELS_DIR


def _artifact_name(run_id: int) -> str:
    return f"segmentation-run-{run_id}"


def _artifact_path(run_id: int) -> Path:
    return _models_dir() / f"{_artifact_name(run_id)}.joblib"


# --- reading runs and segments -------------------------------------------------------------


def get_active_run(*, db_session: DbSession) -> SegmentationRun | None:
    return db_session.scalar(sa.select(SegmentationRun).where(SegmentationRun.is_active.is_(True)))


def get_in_flight_run(*, db_session: DbSession) -> SegmentationRun | None:
    return db_session.scalar(sa.select(SegmentationRun).where(SegmentationRun.in_flight.is_(True)))


def list_runs(*, db_session: DbSession, limit: int, offset: int = 0) -> Page[SegmentationRun]:
    """Runs, newest first."""
    query = sa.select(SegmentationRun).order_by(SegmentationRun.id.desc())
    return paginate(db_session, query, limit=limit, offset=offset)


def get_run(*, db_session: DbSession, run_id: int) -> SegmentationRun | None:
    return db_session.get(SegmentationRun, run_id)


def get_run_or_404(*, db_session: DbSession, run_id: int) -> SegmentationRun:
    run = get_run(db_session=db_session, run_id=run_id)
    if run is None:
        raise NotFound("segmentation run %(run_id)s does not exist", run_id=run_id)
    return run


def list_active_segments(*, db_session: DbSession) -> tuple[SegmentationRun | None, list[Segment]]:
    """The active run and its segments, largest first (cluster index 0 is the largest)."""
    run = get_active_run(db_session=db_session)
    return run, (list(run.segments) if run is not None else [])


def get_segment_or_404(*, db_session: DbSession, segment_id: int) -> Segment:
    segment = db_session.get(Segment, segment_id)
    if segment is None:
        raise NotFound("segment %(segment_id)s does not exist", segment_id=segment_id)
    return segment


def get_projection(*, db_session: DbSession, run_id: int) -> dict[str, Any]:
    """The run's stored 2-D picture with its segment names by cluster index."""
    run = get_run_or_404(db_session=db_session, run_id=run_id)
    if not run.projection:
        raise NotFound(
            "segmentation run %(run_id)s has no projection (%(status)s)",
            run_id=run_id,
            status=Code("run_status", run.status),
        )
    names = {segment.cluster_index: segment.name for segment in run.segments}
    return {"run_id": run.id, **run.projection, "names": names}


def render_projection_png(*, db_session: DbSession, run_id: int) -> bytes:
    """The run's picture as a labelled PNG scatter plot."""
    from adflux.segmentation.plots import render_projection_png as render

    projection = get_projection(db_session=db_session, run_id=run_id)
    return render(projection, projection["names"], title=f"Segmentación #{run_id} (PCA)")
