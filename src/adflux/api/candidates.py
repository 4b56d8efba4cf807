"""/api/v1/candidates: list (by city, area, segment), read, create, correct and erase candidates."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    MAX_ID,
    ApiSchema,
    ErrorSchema,
    PageArgsSchema,
    PageMetaSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.candidates import service
from adflux.candidates.models import EDUCATION_LEVELS, REMOTE_PREFERENCES
from adflux.extensions import db

blp = Blueprint("candidates", __name__, url_prefix="/candidates", description="Candidates")


class TrimmedEmail(fields.Email):
    """An email with surrounding whitespace forgiven (a pasted "  ana@x.co "); the service stores
    it normalised (candidates.service.normalize_email)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs)


class CandidateSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    external_ref = fields.String(validate=validate.Length(min=1, max=64))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = TrimmedEmail(
        required=True,
        validate=validate.Length(max=254),
        metadata={
            "description": "Unique per candidate. Surrounding spaces are trimmed and the address "
            "is stored lower-cased."
        },
    )
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^\+?[0-9 ()-]{7,20}$"))
    age = fields.Integer(required=True, validate=validate.Range(min=14, max=100))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    department = fields.String(required=True, validate=validate.Length(min=1, max=100))
    education_level = fields.String(required=True, validate=validate.OneOf(EDUCATION_LEVELS))
    years_experience = fields.Float(allow_none=True, validate=validate.Range(min=0, max=70))
    area = fields.String(required=True, validate=validate.Length(min=1, max=100))
    desired_salary_cop = fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=10_000_000_000)
    )
    remote_preference = fields.String(required=True, validate=validate.OneOf(REMOTE_PREFERENCES))
    languages = fields.List(
        fields.String(validate=validate.Length(min=2, max=10)), load_default=list
    )
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=60)), load_default=list)
    last_active_at = fields.DateTime(allow_none=True)
    marketing_consent = fields.Boolean(load_default=False)
    created_at = fields.DateTime(dump_only=True)


class CandidateUpdateSchema(CandidateSchema):
    """The same fields, every one optional; the external reference never changes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, exclude=("external_ref",), **kwargs)


class CandidateListArgsSchema(PageArgsSchema):
    city = fields.String(validate=validate.Length(max=100))
    area = fields.String(validate=validate.Length(max=100))
    segment_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    consenting = fields.Boolean()


class CandidatePageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(CandidateSchema), required=True)


@blp.route("")
class Candidates(MethodView):
    @blp.arguments(CandidateListArgsSchema, location="query")
    @blp.response(200, CandidatePageSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List candidates, optionally those of one segment."""
        page = service.list_candidates(
            db_session=db.session,
            limit=page_limit(args),
            offset=args["offset"],
            city=args.get("city"),
            area=args.get("area"),
            segment_id=args.get("segment_id"),
            consenting=args.get("consenting"),
        )
        return page_body(page)

    @requires(Role.OPERATOR)
    @blp.arguments(CandidateSchema)
    @blp.response(201, CandidateSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a candidate."""
        return service.create_candidate(db_session=db.session, data=data)


@blp.route(f"/<{id_in_path('candidate')}:candidate_id>")
class CandidateById(MethodView):
    @blp.response(200, CandidateSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, candidate_id: int) -> Any:
        """Read one candidate."""
        return service.get_candidate_or_404(db_session=db.session, candidate_id=candidate_id)

    @requires(Role.OPERATOR)
    @blp.arguments(CandidateUpdateSchema)
    @blp.response(200, CandidateSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def patch(self, changes: dict[str, Any], candidate_id: int) -> Any:
        """Correct a candidate, or withdraw (or give) marketing consent.

        Withdrawing consent, or changing the email or phone, removes the candidate's old hashes
        from every platform audience that holds them: the call to each platform is made right
        after this request, retried, and re-tried by the scheduled audience refresh (15 min).
        """
        return service.update_candidate(
            db_session=db.session, candidate_id=candidate_id, changes=changes
        )

    @requires(Role.ADMIN)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema)
    def delete(self, candidate_id: int) -> None:
        """Erase a candidate on request (Ley 1581 de 2012), and remove them from every audience."""
        service.delete_candidate(db_session=db.session, candidate_id=candidate_id)
