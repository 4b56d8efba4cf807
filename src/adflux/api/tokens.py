"""/api/v1/tokens: admins create, list and revoke API tokens."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import ApiSchema, ErrorSchema
from adflux.auth import service
from adflux.auth.models import Role
from adflux.extensions import db

blp = Blueprint("tokens", __name__, url_prefix="/tokens", description="API tokens (admin)")


class TokenSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=service.TOKEN_NAME_MAX),
            validate.Regexp(service.TOKEN_NAME_PATTERN, error=service.TOKEN_NAME_RULE),
        ],
        metadata={"description": service.TOKEN_NAME_RULE},
    )
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    personal_data = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Granted personal data: may ask to read candidates' names, e-mails "
            "and phones unmasked and export them, each read audited (Ley 1581 de 2012)."
        },
    )
    holder = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "Who holds the token, as people read it (e.g. 'Ana Gómez')."},
    )
    prefix = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "shown once, never again"})


@blp.route("")
class Tokens(MethodView):
    @requires(Role.ADMIN)
    @blp.response(200, TokenSchema(many=True))
    def get(self) -> Any:
        """List tokens (never their values)."""
        return service.list_tokens(db_session=db.session)

    @requires(Role.ADMIN)
    @blp.arguments(TokenSchema)
    @blp.response(201, NewTokenSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a token; the response is the only time its value is shown."""
        row, plain = service.create_token(
            db_session=db.session,
            name=data["name"],
            role=data["role"],
            personal_data=data["personal_data"],
            holder=data["holder"],
        )
        fields = (
            "id",
            "name",
            "role",
            "personal_data",
            "holder",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
        )
        return {**{name: getattr(row, name) for name in fields}, "token": plain}


@blp.route("/<string:name>/revoke")
class TokenRevoke(MethodView):
    @requires(Role.ADMIN)
    @blp.response(200, TokenSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The last active admin token")
    def post(self, name: str) -> Any:
        """Revoke a token by name; the last active admin token cannot be revoked (409)."""
        return service.revoke_token(db_session=db.session, name=name)
