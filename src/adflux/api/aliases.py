"""The seed document's endpoints, kept as aliases of the /api/v1 resources."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, pre_load, validate

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.campaigns import (
    ACKNOWLEDGE_WARNINGS_DESCRIPTION,
    WarningSchema,
    refuse_forbidden_narrowing,
)
from adflux.api.schemas import ID_IN_PATH, ErrorSchema
from adflux.api.segments import CandidateSegmentSchema
from adflux.auth.models import Role
from adflux.campaigns import service
from adflux.campaigns.compliance import ACKNOWLEDGEABLE_WARNINGS
from adflux.extensions import db
from adflux.segmentation import assignment

blp = Blueprint("aliases", __name__, description="The seed document's endpoints")


class PublishSchema(Schema):
    platforms = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        required=True,
        validate=validate.Length(min=1, max=4),
    )
    segment_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), load_default=list)
    acknowledge_warnings = fields.List(
        fields.String(validate=validate.OneOf(ACKNOWLEDGEABLE_WARNINGS)),
        load_default=list,
        validate=validate.Length(max=len(ACKNOWLEDGEABLE_WARNINGS)),
        metadata={"description": ACKNOWLEDGE_WARNINGS_DESCRIPTION},
    )

    @pre_load
    def _employment_rules(self, data: Any, **_: Any) -> Any:
        return refuse_forbidden_narrowing(data)


class ProcessingSchema(Schema):
    status = fields.String(required=True)
    campaign_id = fields.Integer(required=True)
    warnings = fields.List(fields.Nested(WarningSchema), required=True)


@blp.route("/publish/<int:job_id>")
class Publish(MethodView):
    @requires(Role.OPERATOR)
    @blp.arguments(PublishSchema)
    @blp.response(202, ProcessingSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data: dict[str, Any], job_id: int) -> dict[str, Any]:
        """Publish a job on the given platforms (creates a campaign); 202 processing.

        The employment-ad rules of POST /api/v1/campaigns apply: age, gender, postal-code or
        other forbidden narrowing is refused naming the rule, and a segment flagged as an age
        proxy needs `acknowledge_warnings: ["segment_age_proxy"]`; `warnings` lists them.
        """
        campaign, _ = service.create_campaign(db_session=db.session, job_id=job_id, **data)
        return {"status": "processing", "campaign_id": campaign.id, "warnings": campaign.warnings}


@blp.route(f"/segment/<{ID_IN_PATH}:candidate_id>")
class CandidateSegment(MethodView):
    @blp.response(200, CandidateSegmentSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(503, schema=ErrorSchema)
    def get(self, candidate_id: int) -> Any:
        """The segment of a candidate (predicted by the active model if not assigned yet)."""
        return assignment.segment_of_candidate(db_session=db.session, candidate_id=candidate_id)
