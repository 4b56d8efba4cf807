"""Segments: the active run's segments as cards, its picture and metrics, earlier runs, and
training a new run with live progress."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from werkzeug.wrappers import Response

from adflux.auth.models import Role
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.i18n.http import code_label, gettext, request_language
from adflux.segmentation import service as segmentation
from adflux.segmentation.models import SegmentationRun
from adflux.web import charts
from adflux.web.blueprint import bp
from adflux.web.forms import TrainForm
from adflux.web.helpers import flash_domain_error, flash_form_errors
from adflux.web.profiles import Trait, age_proxy_warning, distinctive, number, traits
from adflux.web.session import requires
from adflux.web.templating import area_label

RUNS_SHOWN = 10


@bp.get("/segments")
def segments_page() -> str:
    run, segments = segmentation.list_active_segments(db_session=db.session)
    names = {s.cluster_index: s.name for s in segments}
    return render_template(
        "web/segments.html",
        run=run,
        segments=segments,
        total=sum(s.size for s in segments),
        colours={s.cluster_index: charts.colour(s.cluster_index) for s in segments},
        proxy={s.id: age_proxy_warning(s.profile) for s in segments},
        scatter=charts.scatter(run.projection, names) if run else None,
        silhouette=_metric_chart(run, "silhouette"),
        elbow=_metric_chart(run, "inertia"),
        runs=segmentation.list_runs(db_session=db.session, limit=RUNS_SHOWN).items,
        in_flight=segmentation.get_in_flight_run(db_session=db.session),
        train_form=TrainForm(),
        traits=traits,
        distinctive=distinctive,
        trait_label=_trait_label,
        pnum=number,
        progress_in=segmentation.progress_in,
    )


@bp.post("/segments/train")
@requires(Role.OPERATOR)
def segments_train() -> Response:
    form = TrainForm()
    if not form.validate():
        flash_form_errors(form)
        return redirect(url_for("web.segments_page"))
    try:
        run = segmentation.start_training(
            db_session=db.session,
            k_range=(form.k_min.data or 2, form.k_max.data or 10),
        )
    except AdfluxError as exc:
        db.session.rollback()
        flash_domain_error(exc)
    else:
        flash(
            gettext("Training #%(id)s started; the active run stays until it finishes.", id=run.id),
            "success",
        )
    return redirect(url_for("web.segments_page"))


@bp.get("/segments/runs/<int:run_id>/live.json")
def segment_run_live(run_id: int) -> Response:
    run = segmentation.get_run_or_404(db_session=db.session, run_id=run_id)
    return jsonify(
        {
            "id": run.id,
            "status": run.status,
            "in_flight": run.in_flight,
            "progress": segmentation.progress_in(run.progress, request_language()),
            "error": run.error,
            "label": gettext(
                "Training #%(id)s: %(status)s",
                id=run.id,
                status=code_label("run_status", run.status),
            ),
        }
    )


def _trait_label(trait: Trait) -> str:
    if trait.kind == "area":  # profiles hold an area by the label rows store
        return area_label(trait.value)
    return code_label(trait.kind, trait.value) if trait.kind else trait.value


def _metric_chart(run: SegmentationRun | None, name: str) -> charts.LineChart | None:
    if run is None:
        return None
    return charts.line_chart(charts.per_k(run.metrics, name), chosen_k=run.k)
