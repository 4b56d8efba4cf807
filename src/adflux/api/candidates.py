"""/api/v1/candidates: list (by city, area, segment), read, create, correct and erase candidates;
export them. Names, e-mails and phones are masked unless a granted token asks (candidates/
personal_data.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from marshmallow import fields, validate

from adflux.api.auth import caller, read_only, requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    MAX_ID,
    ApiSchema,
    ArgsSchema,
    ErrorSchema,
    PageArgsSchema,
    PageMetaSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.candidates import personal_data, service
from adflux.candidates.models import EDUCATION_LEVELS, REMOTE_PREFERENCES
from adflux.extensions import db
from adflux.segmentation import service as segmentation_service

blp = Blueprint("candidates", __name__, url_prefix="/candidates", description="Candidates")


class TrimmedEmail(fields.Email):
    """An email with surrounding whitespace forgiven (a pasted "  ana@x.co "); the service stores
    it normalised (candidates.service.normalize_email)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs)


_MASKED = (
    " Masked (initials, `p***@hotmail.com`, `305 *** **14`) unless a token granted personal data "
    "asks with `reveal=true` and a `purpose`."
)


class CandidateSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    external_ref = fields.String(validate=validate.Length(min=1, max=64))
    full_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Personal data." + _MASKED},
    )
    email = TrimmedEmail(
        required=True,
        validate=validate.Length(max=254),
        metadata={
            "description": "Unique per candidate. Surrounding spaces are trimmed and the address "
            "is stored lower-cased. Personal data." + _MASKED
        },
    )
    phone = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^\+?[0-9 ()-]{7,20}$"),
        metadata={"description": "Personal data." + _MASKED},
    )
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
    personal_data = fields.String(
        dump_only=True,
        validate=validate.OneOf(["masked", "revealed"]),
        metadata={"description": "Whether full_name, email and phone are masked or revealed."},
    )


class CandidateReadSchema(CandidateSchema):
    """A candidate as answered: the personal fields may be masked, so they are documented as the
    text they are (`p***@hotmail.com` is no e-mail address, `305 *** **14` no phone number)."""

    full_name = fields.String(dump_only=True, metadata={"description": "Personal data." + _MASKED})
    email = fields.String(  # type: ignore[assignment]  # an answer's e-mail may be masked
        dump_only=True, metadata={"description": "Personal data." + _MASKED}
    )
    phone = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Personal data." + _MASKED}
    )


class CandidateUpdateSchema(CandidateSchema):
    """The same fields, every one optional; the external reference never changes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, exclude=("external_ref",), **kwargs)


class RevealArgsSchema(ArgsSchema):
    reveal = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Show names, e-mails and phones unmasked: needs a token granted "
            "personal data and a purpose; the read is audited."
        },
    )
    purpose = fields.String(
        validate=validate.Length(
            min=personal_data.PURPOSE_MIN_LENGTH, max=personal_data.PURPOSE_MAX_LENGTH
        ),
        metadata={"description": "Why the personal data is read (kept in the audit log)."},
    )


class CandidateFilterArgsSchema(ArgsSchema):
    city = fields.String(validate=validate.Length(max=100))
    area = fields.String(validate=validate.Length(max=100))
    segment_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    consenting = fields.Boolean()


class CandidateListArgsSchema(PageArgsSchema, CandidateFilterArgsSchema, RevealArgsSchema):
    pass


class CandidateExportArgsSchema(CandidateFilterArgsSchema):
    purpose = fields.String(
        required=True,
        validate=validate.Length(
            min=personal_data.PURPOSE_MIN_LENGTH, max=personal_data.PURPOSE_MAX_LENGTH
        ),
        metadata={"description": "Why the personal data is exported (kept in the audit log)."},
    )


def _reader() -> personal_data.Reader:
    identity = caller()
    return personal_data.Reader(name=identity.name, personal_data=identity.personal_data)


def _as_read(candidates: list[Any], args: dict[str, Any]) -> list[personal_data.CandidateView]:
    """The candidates masked, or revealed (audited) when a granted token asks with a purpose."""
    if not args.get("reveal"):
        return personal_data.masked(candidates)
    return personal_data.reveal(
        db_session=db.session, reader=_reader(), candidates=candidates, purpose=args.get("purpose")
    )


class CandidatePageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(CandidateReadSchema), required=True)


@blp.route("")
class Candidates(MethodView):
    @read_only
    @blp.arguments(CandidateListArgsSchema, location="query")
    @blp.response(200, CandidatePageSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="reveal without personal data")
    @blp.alt_response(404, schema=ErrorSchema, description="no segment of that id")
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List candidates, optionally those of one segment; names, e-mails and phones masked
        unless a token granted personal data asks (`reveal=true&purpose=…`, audited)."""
        if args.get("segment_id") is not None:
            # A segment that does not exist is a mistake to report, not an empty list.
            segmentation_service.get_segment_or_404(
                db_session=db.session, segment_id=args["segment_id"]
            )
        page = service.list_candidates(
            db_session=db.session,
            limit=page_limit(args),
            offset=args["offset"],
            city=args.get("city"),
            area=args.get("area"),
            segment_id=args.get("segment_id"),
            consenting=args.get("consenting"),
        )
        return {**page_body(page), "items": _as_read(page.items, args)}

    @requires(Role.OPERATOR)
    @blp.arguments(CandidateSchema)
    @blp.response(201, CandidateReadSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a candidate (the answer masks the personal data it was sent)."""
        candidate = service.create_candidate(db_session=db.session, data=data)
        return personal_data.view(candidate, revealed=False)


@blp.route(f"/<{id_in_path('candidate')}:candidate_id>")
class CandidateById(MethodView):
    @blp.arguments(RevealArgsSchema, location="query")
    @blp.response(200, CandidateReadSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="reveal without personal data")
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args: dict[str, Any], candidate_id: int) -> Any:
        """Read one candidate; personal data masked unless a granted token asks (audited)."""
        candidate = service.get_candidate_or_404(db_session=db.session, candidate_id=candidate_id)
        return _as_read([candidate], args)[0]

    @requires(Role.OPERATOR)
    @blp.arguments(CandidateUpdateSchema)
    @blp.response(200, CandidateReadSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def patch(self, changes: dict[str, Any], candidate_id: int) -> Any:
        """Correct a candidate, or withdraw (or give) marketing consent.

        Withdrawing consent, or changing the email or phone, removes the candidate's old hashes
        from every platform audience that holds them: the call to each platform is made right
        after this request, retried, and re-tried by the scheduled audience refresh (15 min).
        """
        candidate = service.update_candidate(
            db_session=db.session, candidate_id=candidate_id, changes=changes
        )
        return personal_data.view(candidate, revealed=False)

    @requires(Role.ADMIN)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema)
    def delete(self, candidate_id: int) -> None:
        """Erase a candidate on request (Ley 1581 de 2012), and remove them from every audience."""
        service.delete_candidate(db_session=db.session, candidate_id=candidate_id)


@blp.route("/export")
class CandidateExport(MethodView):
    @blp.arguments(CandidateExportArgsSchema, location="query")
    @blp.response(200, description="CSV, one candidate per line, personal data unmasked")
    @blp.alt_response(403, schema=ErrorSchema, description="token not granted personal data")
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """Export the candidates matching the filters with their personal data, as CSV: needs a
        token granted personal data and a purpose; audited (who, which candidates, why)."""
        filters: dict[str, Any] = {
            k: args[k] for k in ("city", "area", "segment_id", "consenting") if k in args
        }
        rows = personal_data.export(
            db_session=db.session,
            reader=_reader(),
            query=service.candidates_query(**filters),
            filters=filters,
            purpose=args["purpose"],
        )
        return Response(
            stream_with_context(_csv_lines(rows)),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="candidatos.csv"'},
        )


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=personal_data.EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
