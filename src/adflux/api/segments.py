"""/api/v1/segmentations (training runs) and /api/v1/segments (the active run's segments)."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    ApiSchema,
    ErrorSchema,
    PageArgsSchema,
    PageMetaSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.extensions import db
from adflux.i18n.http import request_language
from adflux.segmentation import assignment, service

runs_blp = Blueprint(
    "segmentations",
    __name__,
    url_prefix="/segmentations",
    description="Segmentation runs: each training is a model version; one is active",
)
blp = Blueprint("segments", __name__, description="Candidate segments of the active run")


class TrainSchema(ApiSchema):
    k = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(*service.K_LIMITS),
        metadata={"description": "a fixed number of segments; omit to choose it automatically"},
    )
    k_min = fields.Integer(
        load_default=service.DEFAULT_K_RANGE[0],
        validate=validate.Range(*service.K_LIMITS),
    )
    k_max = fields.Integer(
        load_default=service.DEFAULT_K_RANGE[1],
        validate=validate.Range(*service.K_LIMITS),
    )


class RunSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "pending, running, succeeded or failed"})
    in_flight = fields.Boolean()
    is_active = fields.Boolean()
    algorithm = fields.String()
    k = fields.Integer(allow_none=True, metadata={"description": "the chosen number of segments"})
    k_min = fields.Integer()
    k_max = fields.Integer()
    candidate_count = fields.Integer(allow_none=True)
    progress = fields.Method(
        "_progress",
        metadata={
            "description": "step (in the request's language), fraction and percent while training"
        },
    )
    metrics = fields.Dict(metadata={"description": "per_k table, rule, chosen k, age proxy"})

    def _progress(self, run: Any) -> dict[str, Any]:
        return service.progress_in(run.progress, request_language())

    ari_vs_previous = fields.Method(
        "_ari",
        allow_none=True,
        metadata={"description": "adjusted Rand index against the run active before this one"},
    )
    timings = fields.Dict(metadata={"description": "seconds per step"})
    params = fields.Dict()
    features = fields.List(fields.String())
    error = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)

    def _ari(self, run: Any) -> float | None:
        compared = (run.metrics or {}).get("vs_previous") or {}
        return compared.get("adjusted_rand_index")  # type: ignore[no-any-return]


class RunListItemSchema(RunSchema):
    class Meta:
        exclude = ("metrics", "params", "features")


class RunBriefSchema(RunSchema):
    class Meta:
        fields = ("id", "k", "algorithm", "candidate_count", "finished_at")


class RunPageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(RunListItemSchema), required=True)


class ProjectionSchema(Schema):
    run_id = fields.Integer()
    x = fields.List(fields.Float())
    y = fields.List(fields.Float())
    labels = fields.List(fields.Integer(), metadata={"description": "cluster index per point"})
    candidate_ids = fields.List(fields.Integer())
    explained_variance_ratio = fields.List(fields.Float())
    names = fields.Dict(keys=fields.String(), values=fields.String())


class SegmentSchema(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    cluster_index = fields.Integer()
    name = fields.String()
    size = fields.Integer()
    share = fields.Function(lambda s: (s.profile or {}).get("share"), allow_none=True)
    age_proxy_warning = fields.Function(
        lambda s: bool(((s.profile or {}).get("age_proxy") or {}).get("warning")),
        metadata={"description": "age alone (or experience) picks this segment out"},
    )
    profile = fields.Dict()


class SegmentBriefSchema(SegmentSchema):
    class Meta:
        exclude = ("profile",)


class SegmentListSchema(Schema):
    run = fields.Nested(RunBriefSchema, allow_none=True)
    items = fields.List(fields.Nested(SegmentSchema), required=True)


class CandidateSegmentSchema(Schema):
    candidate_id = fields.Integer()
    run_id = fields.Integer()
    source = fields.String(
        metadata={"description": "assigned (stored membership) or predicted (by the model now)"}
    )
    segment = fields.Nested(SegmentBriefSchema)


@runs_blp.route("")
class Runs(MethodView):
    @runs_blp.arguments(PageArgsSchema, location="query")
    @runs_blp.response(200, RunPageSchema)
    @runs_blp.alt_response(422, schema=ErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List segmentation runs, newest first."""
        page = service.list_runs(
            db_session=db.session, limit=page_limit(args), offset=args["offset"]
        )
        return page_body(page)

    @requires(Role.OPERATOR)
    @runs_blp.arguments(TrainSchema, required=False)
    @runs_blp.response(202, RunSchema)
    @runs_blp.alt_response(409, schema=ErrorSchema, description="A training is already running")
    @runs_blp.rules_response(
        k="at most half the number of candidates",
        k_max="at least k_min, and at most half the number of candidates",
    )
    @runs_blp.alt_response(503, schema=ErrorSchema, description="The task queue is unavailable")
    def post(self, data: dict[str, Any]) -> Any:
        """Train a new segmentation in the background (202 + Location of the run).

        The active segmentation stays active until the new one succeeds.
        """
        run = service.start_training(
            db_session=db.session, k=data["k"], k_range=(data["k_min"], data["k_max"])
        )
        return run, 202, {"Location": url_for("segmentations.RunById", run_id=run.id)}


@runs_blp.route(f"/<{id_in_path('segmentation run')}:run_id>")
class RunById(MethodView):
    @runs_blp.response(200, RunSchema)
    @runs_blp.alt_response(404, schema=ErrorSchema)
    def get(self, run_id: int) -> Any:
        """A run: status, progress, metrics per k, chosen k, timings, agreement with the last."""
        return service.get_run_or_404(db_session=db.session, run_id=run_id)


@runs_blp.route(f"/<{id_in_path('segmentation run')}:run_id>/projection")
class RunProjection(MethodView):
    @runs_blp.response(200, ProjectionSchema)
    @runs_blp.alt_response(404, schema=ErrorSchema)
    def get(self, run_id: int) -> Any:
        """The run's 2-D PCA picture of a sample of candidates, with segment names."""
        return service.get_projection(db_session=db.session, run_id=run_id)


@runs_blp.route(f"/<{id_in_path('segmentation run')}:run_id>/projection.png")
class RunProjectionImage(MethodView):
    @runs_blp.doc(
        responses={
            "200": {
                "description": "Labelled scatter plot",
                "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
    @runs_blp.alt_response(404, schema=ErrorSchema)
    def get(self, run_id: int) -> Response:
        """The run's picture as a PNG scatter plot with a legend of segment names."""
        png = service.render_projection_png(db_session=db.session, run_id=run_id)
        return Response(png, mimetype="image/png")


@blp.route("/segments")
class Segments(MethodView):
    @blp.response(200, SegmentListSchema)
    def get(self) -> dict[str, Any]:
        """The active run's segments, largest first, with their profiles."""
        run, segments = service.list_active_segments(db_session=db.session)
        return {"run": run, "items": segments}


@blp.route(f"/segments/<{id_in_path('segment')}:segment_id>")
class SegmentById(MethodView):
    @blp.response(200, SegmentSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, segment_id: int) -> Any:
        """One segment (of any run) with its profile."""
        return service.get_segment_or_404(db_session=db.session, segment_id=segment_id)


@blp.route(f"/candidates/<{id_in_path('candidate')}:candidate_id>/segment")
class CandidateSegment(MethodView):
    @blp.response(200, CandidateSegmentSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(503, schema=ErrorSchema, description="The active model cannot be loaded")
    def get(self, candidate_id: int) -> Any:
        """A candidate's segment in the active run (predicted if not assigned yet)."""
        return assignment.segment_of_candidate(db_session=db.session, candidate_id=candidate_id)
