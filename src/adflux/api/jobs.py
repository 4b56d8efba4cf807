"""/api/v1/jobs: list, read, create, update, and pause, close or reopen job openings."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from adflux.api.auth import read_only, requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    ApiSchema,
    ArgsSchema,
    ErrorSchema,
    MessageText,
    PageArgsSchema,
    PageMetaSchema,
    WarningSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.extensions import db
from adflux.jobs import service
from adflux.jobs.models import EMPLOYMENT_TYPES, REMOTE_MODES, SENIORITIES, JobStatus
from adflux.targeting import people
from adflux.targeting import service as targeting

blp = Blueprint("jobs", __name__, url_prefix="/jobs", description="Job openings")

_salary = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10_000_000_000))


class JobSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    external_ref = fields.String(validate=validate.Length(min=1, max=64))
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    company = fields.String(required=True, validate=validate.Length(min=1, max=200))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    department = fields.String(required=True, validate=validate.Length(min=1, max=100))
    area = fields.String(required=True, validate=validate.Length(min=1, max=100))
    seniority = fields.String(required=True, validate=validate.OneOf(SENIORITIES))
    employment_type = fields.String(required=True, validate=validate.OneOf(EMPLOYMENT_TYPES))
    remote_mode = fields.String(required=True, validate=validate.OneOf(REMOTE_MODES))
    salary_min_cop = _salary
    salary_max_cop = _salary
    currency = fields.String(dump_only=True)
    skills = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)),
        load_default=list,
        validate=validate.Length(max=30),
    )
    status = fields.String(dump_only=True)
    feed = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The job feed it was imported from; none: created here."},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class JobUpdateSchema(JobSchema):
    """The same fields, every one optional; the external reference never changes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, exclude=("external_ref",), **kwargs)


class JobListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in JobStatus]))
    city = fields.String(validate=validate.Length(max=100))
    area = fields.String(validate=validate.Length(max=100))
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "title"})


class JobPageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(JobSchema), required=True)


@blp.route("")
class Jobs(MethodView):
    @read_only
    @blp.arguments(JobListArgsSchema, location="query")
    @blp.response(200, JobPageSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List job openings, newest id last."""
        page = service.list_jobs(
            db_session=db.session,
            limit=page_limit(args),
            offset=args["offset"],
            status=args.get("status"),
            city=args.get("city"),
            area=args.get("area"),
            search=args.get("q"),
        )
        return page_body(page)

    @requires(Role.OPERATOR)
    @blp.arguments(JobSchema)
    @blp.response(201, JobSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.rules_response(salary_max_cop="must be at least salary_min_cop")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a job opening."""
        return service.create_job(db_session=db.session, data=data)


@blp.route(f"/<{id_in_path('job')}:job_id>")
class JobById(MethodView):
    @blp.response(200, JobSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, job_id: int) -> Any:
        """Read one job opening."""
        return service.get_job_or_404(db_session=db.session, job_id=job_id)

    @requires(Role.OPERATOR)
    @blp.arguments(JobUpdateSchema)
    @blp.response(200, JobSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.rules_response(salary_max_cop="must be at least salary_min_cop")
    def patch(self, changes: dict[str, Any], job_id: int) -> Any:
        """Change some fields of a job opening."""
        return service.update_job(db_session=db.session, job_id=job_id, changes=changes)


class JobStatusChangeSchema(JobSchema):
    campaigns_paused = fields.List(
        fields.Integer(),
        dump_only=True,
        metadata={"description": "live campaigns paused on every platform by this change"},
    )
    campaigns_not_paused = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.List(MessageText())),
        dump_only=True,
        metadata={
            "description": "campaign id -> platform -> why it is still live; repeat the request "
            "to try again"
        },
    )


def _set_status(job_id: int, status: JobStatus) -> Any:
    return service.set_job_status(db_session=db.session, job_id=job_id, status=status)


@blp.route(f"/<{id_in_path('job')}:job_id>/close")
class JobClose(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(200, JobStatusChangeSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, job_id: int) -> Any:
        """Close a job opening (filled or withdrawn): no new campaigns, live ones paused."""
        return _set_status(job_id, JobStatus.CLOSED)


@blp.route(f"/<{id_in_path('job')}:job_id>/pause")
class JobPause(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(200, JobStatusChangeSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="A closed job: reopen it first")
    def post(self, job_id: int) -> Any:
        """Put a job opening on hold: no new campaigns, live ones paused on every platform."""
        return _set_status(job_id, JobStatus.PAUSED)


@blp.route(f"/<{id_in_path('job')}:job_id>/reopen")
class JobReopen(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(200, JobStatusChangeSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, job_id: int) -> Any:
        """Open a paused or closed job again; its paused campaigns stay paused until resumed."""
        return _set_status(job_id, JobStatus.OPEN)


class FitReasonSchema(ApiSchema):
    code = fields.String(
        dump_only=True,
        metadata={
            "description": "a segment's: area | place | experience | salary | education | "
            "no_members | no_segments | no_fit; a place's: job_city | near_city | concentrated"
        },
    )
    share = fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "a segment's: share of its consenting members; a place's: share of "
            "the job's area's consenting candidates who live there"
        },
    )
    message = MessageText(
        dump_only=True, metadata={"description": "In the request's language (Accept-Language)"}
    )


class SegmentFitSchema(ApiSchema):
    segment_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    score = fields.Float(dump_only=True, metadata={"description": "0 to 1, higher fits better"})
    reach = fields.Integer(dump_only=True, metadata={"description": "consenting members"})
    fits = fields.Boolean(
        dump_only=True, metadata={"description": "score at or above the fit threshold"}
    )
    reasons = fields.List(fields.Nested(FitReasonSchema), dump_only=True)


class PlaceSchema(ApiSchema):
    city = fields.String(dump_only=True)
    km_from_job = fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={"description": "null when the job's city is not in the coordinates table"},
    )
    fitting_candidates = fields.Integer(
        dump_only=True,
        metadata={"description": "consenting candidates of the job's area who live there"},
    )
    reason = fields.Nested(FitReasonSchema, dump_only=True)


class PlacesSchema(ApiSchema):
    country_wide = fields.Boolean(
        dump_only=True, metadata={"description": "the ads cover the whole country (no cities)"}
    )
    cities = fields.List(
        fields.Nested(PlaceSchema),
        dump_only=True,
        metadata={
            "description": "the job's city first (on-site and hybrid jobs), then nearby cities "
            "where its trade lives, most candidates first; for a remote job, the cities where "
            "its trade concentrates"
        },
    )


class PeopleAudienceSchema(ApiSchema):
    size = fields.Integer(dump_only=True, attribute="size_requested")
    reach = fields.Integer(dump_only=True, metadata={"description": "the people chosen (<= size)"})
    mean_score = fields.Float(dump_only=True, metadata={"description": "0 to 1"})
    reasons = fields.List(fields.Nested(FitReasonSchema), dump_only=True)
    warning = fields.Nested(
        WarningSchema,
        dump_only=True,
        allow_none=True,
        attribute="age_warning",
        metadata={"description": "job_audience_age_skew when age alone sets the people apart"},
    )


class JobAudienceArgsSchema(ArgsSchema):
    people = fields.Integer(
        load_default=people.DEFAULT_JOB_AUDIENCE_SIZE,
        validate=validate.Range(min=people.JOB_AUDIENCE_MIN, max=people.JOB_AUDIENCE_MAX),
        metadata={"description": "the size of the job's own audience to preview"},
    )


class JobAudienceSchema(ApiSchema):
    job_id = fields.Integer(dump_only=True)
    segments = fields.List(
        fields.Nested(SegmentFitSchema),
        dump_only=True,
        metadata={"description": "the active segmentation's segments, best fit first"},
    )
    no_fit_reason = fields.Nested(
        FitReasonSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "why no segment is recommended; null when one fits"},
    )
    places = fields.Nested(
        PlacesSchema,
        dump_only=True,
        metadata={"description": "where the job's campaigns aim, each city with its reason"},
    )
    keywords = fields.List(
        fields.String(),
        dump_only=True,
        metadata={
            "description": "what the job's campaigns target as keywords: the title's trades, "
            "the job's skills, the skills of fitting segments of its area, its area"
        },
    )
    people = fields.Nested(
        PeopleAudienceSchema,
        dump_only=True,
        metadata={"description": "the job's own audience: its N most likely candidates"},
    )


@blp.route(f"/<{id_in_path('job')}:job_id>/audience")
class JobAudience(MethodView):
    @blp.arguments(JobAudienceArgsSchema, location="query")
    @blp.response(200, JobAudienceSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args: dict[str, Any], job_id: int) -> Any:
        """The segments most likely to apply to this job, scored from their consenting members,
        the places and keywords its campaigns aim at, and the job's own audience of its
        `people` most likely candidates."""
        audience = targeting.job_audience(db_session=db.session, job_id=job_id)
        chosen = people.job_audience_preview(
            db_session=db.session, job_id=job_id, size=args["people"]
        )
        return {**dataclasses.asdict(audience), "people": chosen}
