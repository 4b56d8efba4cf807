"""Segments: the active run's segments as cards, its picture and metrics, earlier runs."""

from __future__ import annotations

from flask import jsonify, render_template
from werkzeug.wrappers import Response

from adflux.extensions import db
from adflux.reporting import service as reporting
from adflux.web import charts
from adflux.web.blueprint import bp
from adflux.web.errors import not_found
from adflux.web.forms import TrainForm
from adflux.web.i18n import translate
from adflux.web.profiles import age_proxy_warning, distinctive, number, traits


@bp.get("/segments")
def segments_page() -> str:
    detail = reporting.active_run_detail(db_session=db.session)
    run, segments = detail if detail else (None, [])
    names = {s.cluster_index: s.name for s in segments}
    total = sum(s.size for s in segments)
    return render_template(
        "web/segments.html",
        run=run,
        segments=segments,
        total=total,
        colours={s.cluster_index: charts.colour(s.cluster_index) for s in segments},
        proxy={s.id: age_proxy_warning(s.profile) for s in segments},
        scatter=charts.scatter(run.projection, names) if run else None,
        silhouette=_metric_chart(run, "silhouette"),
        elbow=_metric_chart(run, "inertia"),
        runs=reporting.recent_runs(db_session=db.session),
        in_flight=reporting.in_flight_run(db_session=db.session),
        train_form=TrainForm(),
        can_train=False,
        traits=traits,
        distinctive=distinctive,
        pnum=number,
    )


@bp.get("/segments/runs/<int:run_id>/live.json")
def segment_run_live(run_id: int) -> Response:
    run = reporting.get_run(db_session=db.session, run_id=run_id)
    if run is None:
        raise not_found()
    return jsonify(
        {
            "id": run.id,
            "status": run.status,
            "in_flight": run.in_flight,
            "progress": run.progress or {},
            "error": run.error,
            "label": translate(
                "segments.progress", id=run.id, status=translate(f"run.status.{run.status}")
            ),
        }
    )


def _metric_chart(run, name: str) -> charts.LineChart | None:  # type: ignore[no-untyped-def]
    if run is None:
        return None
    return charts.line_chart(charts.per_k(run.metrics, name), chosen_k=run.k)
