"""/api/v1/platforms: which ad platforms this deployment can publish on."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from adflux.api.blueprint import Blueprint
from adflux.campaigns import service
from adflux.extensions import db

blp = Blueprint("platforms", __name__, url_prefix="/platforms", description="Ad platforms")


class PlatformSchema(Schema):
    name = fields.String()
    display_name = fields.String()
    configured = fields.Boolean()
    available = fields.Boolean()
    ready = fields.Boolean(
        metadata={"description": "A campaign on this platform can be published from here now."}
    )
    reason = fields.String()


@blp.route("")
class Platforms(MethodView):
    @blp.response(200, PlatformSchema(many=True))
    def get(self) -> Any:
        """Configured adapters (credentials come from the environment and are never shown)."""
        return service.list_platforms(db_session=db.session)
