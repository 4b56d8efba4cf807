"""/api/v1/campaign-templates: standing campaigns over a group of jobs of a feed."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    NO_NUL_PATTERN,
    ApiSchema,
    ErrorSchema,
    MessageText,
    PageArgsSchema,
    PageMetaSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.campaign_templates import service
from adflux.campaign_templates.service import MAX_DAILY_CAP
from adflux.extensions import db
from adflux.optimisation.rules import MAX_APPLICATIONS, MAX_COP, PERIODS

blp = Blueprint(
    "campaign_templates",
    __name__,
    url_prefix="/campaign-templates",
    description="Campaign templates: a campaign for each new matching job of a job feed",
)

_text = [validate.Regexp(NO_NUL_PATTERN)]


class TemplateRuleSchema(ApiSchema):
    kind = fields.String(required=True, validate=validate.OneOf(list(service.RULE_FIELDS)))
    max_applications = fields.Integer(validate=validate.Range(min=1, max=MAX_APPLICATIONS))
    period = fields.String(validate=validate.OneOf(PERIODS))
    max_cpa_cop = fields.Integer(validate=validate.Range(min=1, max=MAX_COP))
    min_spend_cop = fields.Integer(validate=validate.Range(min=0, max=MAX_COP))


class TemplateSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), *_text])
    area = fields.String(
        allow_none=True,
        validate=[validate.Length(min=1, max=100), *_text],
        metadata={"description": "An area key or label; none: every area."},
    )
    city = fields.String(
        allow_none=True,
        validate=[validate.Length(min=1, max=100), *_text],
        metadata={"description": "A city AdFlux targets (any accents); none: every city."},
    )
    company = fields.String(
        allow_none=True,
        validate=[validate.Length(min=1, max=200), *_text],
        metadata={"description": "The company, as the feed writes it (any case)."},
    )
    feed = fields.String(
        allow_none=True,
        validate=[validate.Length(min=1, max=50), validate.Regexp(r"^[A-Za-z0-9_.-]+$")],
        metadata={"description": "Only jobs of this feed; none: every feed."},
    )
    platforms = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    daily_budget_cop = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_COP),
        metadata={"description": "Each campaign's daily budget; none: the platforms' default."},
    )
    rules = fields.List(
        fields.Nested(TemplateRuleSchema),
        load_default=list,
        validate=validate.Length(max=10),
        metadata={"description": "Rules added to each campaign it creates."},
    )
    daily_cap = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_DAILY_CAP),
        metadata={"description": "At most this many campaigns a day (Bogotá)."},
    )
    active = fields.Boolean(dump_only=True)
    created_by = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class TemplateDetailSchema(TemplateSchema):
    campaign_ids = fields.List(
        fields.Integer(), dump_only=True, metadata={"description": "the campaigns it created"}
    )


class TemplateUpdateSchema(ApiSchema):
    platforms = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        validate=validate.Length(min=1, max=10),
    )
    daily_budget_cop = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_COP))
    rules = fields.List(fields.Nested(TemplateRuleSchema), validate=validate.Length(max=10))
    daily_cap = fields.Integer(validate=validate.Range(min=1, max=MAX_DAILY_CAP))
    active = fields.Boolean(metadata={"description": "false: it creates no campaign"})


class TemplatePageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(TemplateSchema), required=True)


class FailureSchema(ApiSchema):
    template_id = fields.Integer()
    job_id = fields.Integer()
    error = MessageText(
        attribute="reason", metadata={"description": "why, in the reader's language"}
    )
    # "fields" on the wire; a Schema attribute of that name would shadow Schema.fields.
    fields_ = fields.Dict(
        attribute="fields",
        data_key="fields",
        keys=fields.String(),
        values=fields.List(MessageText()),
        metadata={"description": "field -> why, in the reader's language"},
    )


class AppliedSchema(ApiSchema):
    created = fields.List(fields.Integer(), metadata={"description": "campaign ids"})
    capped = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "template id -> jobs left for another day by its cap"},
    )
    failed = fields.List(fields.Nested(FailureSchema))


_RULES = {
    "area": "an AdFlux area (key or label)",
    "city": "a city AdFlux targets",
    "platforms": "platforms AdFlux has adapters for",
    "rules": "each has the fields its kind needs (max_applications; max_cpa_cop and "
    "min_spend_cop) and no other",
    "name": "unique",
}


def _detail(template: Any) -> dict[str, Any]:
    """The template's fields, and the campaigns it created (dumped by TemplateDetailSchema)."""
    body = {name: getattr(template, name) for name in TemplateSchema().fields}
    body["campaign_ids"] = service.template_campaign_ids(
        db_session=db.session, template_id=template.id
    )
    return body


@blp.route("")
class Templates(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, TemplatePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List campaign templates."""
        page = service.list_templates(
            db_session=db.session, limit=page_limit(args), offset=args["offset"]
        )
        return page_body(page)

    @requires(Role.OPERATOR)
    @blp.arguments(TemplateSchema)
    @blp.response(201, TemplateDetailSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.rules_response(**{k: v for k, v in _RULES.items() if k != "name"})
    def post(self, data: dict[str, Any]) -> Any:
        """Create a template: from the next feed import on, each new matching job gets a
        campaign (at most daily_cap a day)."""
        rules = [{k: v for k, v in rule.items() if v is not None} for rule in data.pop("rules")]
        template = service.create_template(db_session=db.session, rules=rules, **data)
        return _detail(template)


@blp.route(f"/<{id_in_path('campaign template')}:template_id>")
class TemplateById(MethodView):
    @blp.response(200, TemplateDetailSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, template_id: int) -> Any:
        """One template, with the campaigns it created."""
        return _detail(service.get_template_or_404(db_session=db.session, template_id=template_id))

    @requires(Role.OPERATOR)
    @blp.arguments(TemplateUpdateSchema)
    @blp.response(200, TemplateDetailSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.rules_response(platforms=_RULES["platforms"], rules=_RULES["rules"])
    def patch(self, changes: dict[str, Any], template_id: int) -> Any:
        """Change what the template creates from now on, or turn it off (`active`: false)."""
        template = service.update_template(
            db_session=db.session, template_id=template_id, changes=changes
        )
        return _detail(template)


@blp.route("/apply")
class TemplatesApply(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(200, AppliedSchema)
    def post(self) -> Any:
        """Create now the campaigns the active templates owe (what a feed import does after
        storing the jobs), within each template's daily cap."""
        applied = service.apply_templates(db_session=db.session)
        return {"created": applied.created, "capped": applied.capped, "failed": applied.failed}
