"""/api/v1/applications: the job site sends the applications it receives (token role
`applications`), one at a time or in batches (`adflux import-applications`)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import ValidationError, fields, validate

from adflux.api.auth import one_statement, requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import ApiSchema, ErrorSchema
from adflux.auth.models import Role
from adflux.campaigns.tracking import UTM_KEYS
from adflux.db import self_committing_connection
from adflux.extensions import db
from adflux.results import applications as service
from adflux.results.applications import BATCH_MAX, Receipt

blp = Blueprint(
    "applications",
    __name__,
    url_prefix="/applications",
    description="Applications from the job site, with the tracking code of the ad that brought "
    "them (token role `applications`, or admin)",
)

_UTM = "as the job site read it from the link the applicant arrived by; unknown codes are kept "
_UTM += "and the application is stored unattributed"


class ApplicationSchema(ApiSchema):
    application_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The job site's own id: a resend of the same id counts once."},
    )
    job_ref = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The job's external_ref (an unknown one is stored anyway)."},
    )
    candidate_ref = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The applicant's candidate external_ref, when they have one."},
    )
    applied_at = fields.AwareDateTime(
        required=True, metadata={"description": "ISO-8601 with its UTC offset."}
    )
    utm_source = fields.String(allow_none=True, metadata={"description": f"Platform, {_UTM}."})
    utm_medium = fields.String(allow_none=True, metadata={"description": _UTM})
    utm_campaign = fields.String(allow_none=True, metadata={"description": f"adflux-<id>, {_UTM}."})
    utm_content = fields.String(
        allow_none=True, metadata={"description": f"seg-<id>[-<id>...] or job, {_UTM}."}
    )


class ReceiptSchema(ApiSchema):
    application_id = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf([service.ACCEPTED, service.DUPLICATE]),
        metadata={"description": "accepted: stored now; duplicate: stored before, unchanged."},
    )
    attributed = fields.Boolean(
        required=True, metadata={"description": "Tied to an ad (a campaign's publication)."}
    )


class BatchSchema(ApiSchema):
    applications = fields.List(
        # Any value per item: each is checked on its own and answered on its own (a bad item
        # does not refuse the batch), so no item is invalid for the batch as a whole.
        fields.Raw(
            allow_none=True,
            metadata={"description": "An application, as POST /applications takes it."},
        ),
        required=True,
        validate=validate.Length(min=1, max=BATCH_MAX),
    )


class BatchItemSchema(ApiSchema):
    index = fields.Integer(required=True, metadata={"description": "Position in the batch."})
    application_id = fields.String(allow_none=True)
    status = fields.String(
        required=True, validate=validate.OneOf([service.ACCEPTED, service.DUPLICATE, "refused"])
    )
    attributed = fields.Boolean(allow_none=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Why a refused item was refused, by field."},
    )


class BatchResultSchema(ApiSchema):
    accepted = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    unattributed = fields.Integer(
        required=True, metadata={"description": "Of the accepted, those tied to no ad."}
    )
    refused = fields.Integer(required=True)
    items = fields.List(fields.Nested(BatchItemSchema), required=True)


def _arguments(data: dict[str, Any]) -> dict[str, Any]:
    tracking = {key: data[key] for key in UTM_KEYS if data.get(key) is not None}
    return {
        "application_id": data["application_id"],
        "job_ref": data["job_ref"],
        "candidate_ref": data["candidate_ref"],
        "applied_at": data["applied_at"],
        "tracking": tracking,
    }


def _receipt_body(receipt: Receipt) -> dict[str, Any]:
    return {
        "application_id": receipt.application_id,
        "status": receipt.status,
        "attributed": receipt.attributed,
    }


def _flat_errors(messages: Any) -> dict[str, list[str]]:
    """marshmallow's messages by field (an item that is no object gets them under `_schema`)."""
    if not isinstance(messages, dict):
        messages = {"_schema": messages}
    return {
        str(name): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
        for name, msgs in messages.items()
    }


@blp.route("")
class Applications(MethodView):
    @one_statement
    @requires(Role.APPLICATIONS)
    @blp.arguments(ApplicationSchema)
    @blp.response(202, ReceiptSchema)
    @blp.rules_response(applied_at=service.APPLIED_AT_RULE)
    def post(self, data: dict[str, Any]) -> Any:
        """Record one application; a resend of its id answers `duplicate` and changes nothing."""
        with self_committing_connection(db.session()) as connection:
            receipt = service.record_application(connection=connection, **_arguments(data))
        return _receipt_body(receipt)


@blp.route("/batch")
class ApplicationsBatch(MethodView):
    @requires(Role.APPLICATIONS)
    @blp.arguments(BatchSchema)
    @blp.response(200, BatchResultSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Record up to 1,000 applications, each answered on its own: every valid one is stored,
        an invalid one is refused with its errors (by field), a known id is a duplicate."""
        schema = ApplicationSchema()
        valid: list[tuple[int, dict[str, Any]]] = []
        items: list[dict[str, Any] | None] = []
        for index, raw in enumerate(data["applications"]):
            try:
                loaded = schema.load(raw)
                if problem := service.applied_at_problem(loaded["applied_at"]):
                    raise ValidationError({"applied_at": [problem]})
            except ValidationError as exc:
                raw_id = raw.get("application_id") if isinstance(raw, dict) else None
                items.append(
                    {
                        "index": index,
                        "application_id": raw_id if isinstance(raw_id, str) else None,
                        "status": "refused",
                        "attributed": None,
                        "errors": _flat_errors(exc.messages),
                    }
                )
                continue
            valid.append((index, _arguments(loaded)))
            items.append(None)
        receipts = service.record_applications(
            db_session=db.session, applications=[args for _, args in valid]
        )
        for (index, _), receipt in zip(valid, receipts, strict=True):
            items[index] = {"index": index, **_receipt_body(receipt)}
        answered = [item for item in items if item is not None]
        accepted = [i for i in answered if i["status"] == service.ACCEPTED]
        return {
            "accepted": len(accepted),
            "duplicates": sum(i["status"] == service.DUPLICATE for i in answered),
            "unattributed": sum(not i["attributed"] for i in accepted),
            "refused": sum(i["status"] == "refused" for i in answered),
            "items": answered,
        }
