"""The seed document's endpoints, kept as aliases of the /api/v1 resources.

Each is served by the same service, with the same token check and the same errors as the
resource it aliases; ``/job_openings`` is the jobs resource itself, mounted a second time.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from adflux.api import jobs
from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.campaigns import AudienceRulesSchema
from adflux.api.schemas import MAX_ID, ErrorSchema, WarningSchema, id_in_path
from adflux.api.segments import CandidateSegmentSchema
from adflux.auth.models import Role
from adflux.campaigns import service
from adflux.extensions import db
from adflux.platforms.registry import ADAPTERS
from adflux.segmentation import assignment

blp = Blueprint("aliases", __name__, description="The seed document's endpoints")

# The seed's job-openings resource: list, create and one by id, by the views of /api/v1/jobs.
blp.route("/job_openings", endpoint="JobOpenings")(jobs.Jobs)


@blp.route(f"/job_openings/<{id_in_path('job')}:job_id>")
class JobOpeningById(jobs.JobById):
    # The seed reads one job opening; changes go through /api/v1/jobs.
    methods: ClassVar[set[str]] = {"GET"}


class PublishSchema(AudienceRulesSchema):
    platforms = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        required=True,
        validate=validate.Length(min=1, max=len(ADAPTERS)),  # each platform once at most
    )
    segment_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
        load_default=list,
        validate=validate.Length(max=20),
    )


class ProcessingSchema(Schema):
    status = fields.String(required=True)
    campaign_id = fields.Integer(required=True)
    warnings = fields.List(fields.Nested(WarningSchema), required=True)


@blp.route(f"/publish/<{id_in_path('job')}:job_id>")
class Publish(MethodView):
    @requires(Role.OPERATOR)
    @blp.arguments(PublishSchema)
    @blp.response(202, ProcessingSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.rules_response(
        job_id="the job must be open",
        platforms="each a platform this deployment can publish on (GET /api/v1/platforms)",
        segment_ids="segments of the active segmentation run",
    )
    def post(self, data: dict[str, Any], job_id: int) -> dict[str, Any]:
        """Publish a job on the given platforms (creates a campaign); 202 processing.

        The employment-ad rules of POST /api/v1/campaigns apply: age, gender, postal-code or
        other forbidden narrowing is refused naming the rule, and a segment flagged as an age
        proxy needs `acknowledge_warnings: ["segment_age_proxy"]`; `warnings` lists them.
        """
        campaign, _ = service.create_campaign(db_session=db.session, job_id=job_id, **data)
        return {"status": "processing", "campaign_id": campaign.id, "warnings": campaign.warnings}


@blp.route(f"/segment/<{id_in_path('candidate')}:candidate_id>")
class CandidateSegment(MethodView):
    @blp.response(200, CandidateSegmentSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(503, schema=ErrorSchema)
    def get(self, candidate_id: int) -> Any:
        """The segment of a candidate (predicted by the active model if not assigned yet)."""
        return assignment.segment_of_candidate(db_session=db.session, candidate_id=candidate_id)
