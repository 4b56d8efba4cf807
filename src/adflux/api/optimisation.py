"""/api/v1/campaigns/{id}/budget and /rules: the split across arms and its history, on-demand
runs, the dry run, and the campaign's rules with their firings."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    ApiSchema,
    ArgsSchema,
    ErrorSchema,
    MessageText,
    PageArgsSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.campaigns.service import campaign_today
from adflux.extensions import db
from adflux.i18n.catalogs import N_
from adflux.optimisation import dry_run, rules, service
from adflux.optimisation.models import RunTrigger

blp = Blueprint(
    "optimisation",
    __name__,
    url_prefix="/campaigns",
    description="Budget split across a campaign's arms (platform × segment), and its rules",
)

CAMPAIGN = f"/<{id_in_path('campaign')}:campaign_id>"

REASON_DESCRIPTION = "Why, in the recruiter's words, in the request's language (Accept-Language)"


class ArmBudgetSchema(Schema):
    publication_id = fields.Integer(attribute="arm.id")
    platform = fields.String(attribute="arm.platform")
    arm_key = fields.String(attribute="arm.arm_key")
    segment_id = fields.Integer(attribute="arm.segment_id", allow_none=True)
    name = fields.String(
        metadata={"description": "The arm's audience: its segment's name, or the job's audience"}
    )
    status = fields.String(attribute="arm.status")
    daily_budget_cop = fields.Integer(
        attribute="arm.daily_budget_cop", metadata={"description": "What AdFlux decided"}
    )
    held_daily_budget_cop = fields.Integer(
        attribute="arm.held_daily_budget_cop",
        allow_none=True,
        metadata={"description": "What the platform was last seen to accept"},
    )
    change_pending = fields.Boolean(attribute="arm.change_pending")
    share = fields.Float(
        metadata={"description": "Share of the running arms' budgets (0 when not running)"}
    )


class AllocationMoveSchema(Schema):
    publication_id = fields.Integer()
    from_cop = fields.Integer()
    to_cop = fields.Integer(metadata={"description": "0: the arm was paused"})
    reason = MessageText(metadata={"description": REASON_DESCRIPTION})


class AllocationRunSchema(Schema):
    id = fields.Integer()
    day = fields.Date()
    trigger = fields.String(metadata={"enum": [t.value for t in RunTrigger]})
    total_daily_cop = fields.Integer(metadata={"description": "The day's budget over all arms"})
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    moves = fields.List(fields.Nested(AllocationMoveSchema))


class AllocationRunPageSchema(Schema):
    items = fields.List(fields.Nested(AllocationRunSchema), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class BudgetSchema(Schema):
    campaign_id = fields.Integer()
    daily_budget_cop = fields.Integer(metadata={"description": "The cap per day over all arms"})
    total_budget_cop = fields.Integer(allow_none=True)
    pacing = fields.String()
    auto_allocate = fields.Boolean()
    allocation_paused_reason = MessageText(
        allow_none=True,
        metadata={
            "description": "Why the allocator leaves the campaign alone (null: it does not), in "
            "the request's language (Accept-Language)"
        },
    )
    arms = fields.List(fields.Nested(ArmBudgetSchema))
    runs = fields.Nested(AllocationRunPageSchema, metadata={"description": "Newest first"})


def _budget_body(overview: service.BudgetOverview) -> dict[str, Any]:
    campaign = overview.campaign
    return {
        "campaign_id": campaign.id,
        "daily_budget_cop": campaign.daily_budget_cop,
        "total_budget_cop": campaign.total_budget_cop,
        "pacing": campaign.pacing,
        "auto_allocate": campaign.auto_allocate,
        "allocation_paused_reason": overview.skip.reason if overview.skip else None,
        "arms": overview.arms,
        "runs": page_body(overview.runs),
    }


@blp.route(f"{CAMPAIGN}/budget")
class CampaignBudget(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, BudgetSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args: dict[str, Any], campaign_id: int) -> Any:
        """The daily budget split across the campaign's arms now, and the runs that moved it
        (each move with its reason), newest first."""
        overview = service.budget_overview(
            db.session, campaign_id, limit=page_limit(args), offset=args["offset"]
        )
        return _budget_body(overview)


@blp.route(f"{CAMPAIGN}/budget/rebalance")
class CampaignRebalance(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(201, AllocationRunSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="The campaign cannot be split now (archived, paused, automatic allocation "
        "off, not published, fewer than two running arms, no budget left today); the message "
        "says which",
    )
    def post(self, campaign_id: int) -> Any:
        """Split today's budget again now, from the latest results, and push the new budgets."""
        return service.allocate_campaign(
            db.session, campaign_id, day=campaign_today(), trigger=RunTrigger.ON_DEMAND
        )


class DryRunArgsSchema(ArgsSchema):
    days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1, max=dry_run.MAX_DAYS),
        metadata={"description": "How many of the last complete days to decide again"},
    )


class DryRunTotalSchema(Schema):
    publication_id = fields.Integer()
    platform = fields.String()
    name = fields.String()
    spent_cop = fields.Integer(metadata={"description": "What the arm really spent"})
    applications = fields.Integer(metadata={"description": "What it really brought"})
    budget_cop = fields.Integer(metadata={"description": "What the allocator would have given"})


class DryRunArmSchema(DryRunTotalSchema):
    reason = MessageText(
        allow_none=True,
        metadata={
            "description": "Why the allocator would have budgeted the arm so, in the request's "
            "language (Accept-Language); null when it would not have budgeted it"
        },
    )


class DryRunFiringSchema(Schema):
    rule_id = fields.Integer(
        allow_none=True, metadata={"description": "null: a standing rule not stored yet"}
    )
    kind = fields.String()
    scope = fields.String()
    action = fields.String()
    details = fields.Dict()


class DryRunDaySchema(Schema):
    day = fields.Date()
    total_daily_cop = fields.Integer()
    arms = fields.List(fields.Nested(DryRunArmSchema))
    firings = fields.List(
        fields.Nested(DryRunFiringSchema),
        metadata={"description": "The rules that would have fired that day (first time only)"},
    )


class DryRunSchema(Schema):
    campaign_id = fields.Integer()
    since = fields.Date()
    until = fields.Date()
    spent_cop = fields.Integer()
    applications = fields.Integer()
    budget_cop = fields.Integer()
    days = fields.List(fields.Nested(DryRunDaySchema))
    totals = fields.List(fields.Nested(DryRunTotalSchema))


@blp.route(f"{CAMPAIGN}/budget/dry-run")
class CampaignDryRun(MethodView):
    @blp.arguments(DryRunArgsSchema, location="query")
    @blp.response(200, DryRunSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args: dict[str, Any], campaign_id: int) -> Any:
        """What the allocator (and the rules) would have done over the last `days` days, each
        decided with what was known before it, beside what was really spent and brought.
        Computed on each request: nothing is stored or pushed."""
        return dry_run.dry_run(db.session, campaign_id, days=args["days"])


class FiringSchema(Schema):
    id = fields.Integer()
    scope = fields.String(
        metadata={"description": '"campaign", "total", "week:2026-W49", "publication:12"...'}
    )
    action = fields.String()
    publication_id = fields.Integer(allow_none=True)
    fired_at = fields.DateTime()
    details = fields.Dict(metadata={"description": "The figures it fired on, and its outcome"})


class RuleSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(
            rules.ADDABLE_KINDS,
            error=N_(
                "max_applications or max_cpa (job_closed and end_date apply to every campaign)"
            ),
        ),
    )
    period = fields.String(
        load_default="campaign",
        validate=validate.OneOf(rules.PERIODS),
        metadata={"description": "max_applications: over the campaign's life or per ISO week"},
    )
    max_applications = fields.Integer(
        allow_none=True, validate=validate.Range(min=1, max=rules.MAX_APPLICATIONS)
    )
    max_cpa_cop = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=rules.MAX_COP))
    min_spend_cop = fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=rules.MAX_COP)
    )
    enabled = fields.Boolean(dump_only=True)
    standing = fields.Method("_standing", dump_only=True)
    created_by = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    firings = fields.List(fields.Nested(FiringSchema), dump_only=True)

    def _standing(self, rule: Any) -> bool:
        return rule.kind in rules.STANDING_KINDS


class RuleToggleSchema(ApiSchema):
    enabled = fields.Boolean(required=True)


RULE_FIELDS = {
    "max_applications": "required by (only for) kind max_applications",
    "max_cpa_cop": "required by (only for) kind max_cpa",
    "min_spend_cop": "required by (only for) kind max_cpa",
}


@blp.route(f"{CAMPAIGN}/rules")
class CampaignRules(MethodView):
    @blp.response(200, RuleSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, campaign_id: int) -> Any:
        """The campaign's rules, each with its firings. job_closed and end_date apply to every
        campaign (`standing`): they are listed from the first look on."""
        return rules.list_rules(db.session, campaign_id)

    @requires(Role.OPERATOR)
    @blp.arguments(RuleSchema)
    @blp.response(201, RuleSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The campaign is archived")
    @blp.rules_response(**RULE_FIELDS)
    def post(self, data: dict[str, Any], campaign_id: int) -> Any:
        """Add a rule: stop the campaign after `max_applications` applications (`period`:
        campaign or week; a weekly stop resumes the next week), or pause an arm whose cost per
        application exceeds `max_cpa_cop` once it has spent `min_spend_cop` (no application
        after that spend counts as exceeding). Evaluated every ADFLUX_RULES_INTERVAL_S; each
        firing happens once."""
        return rules.create_rule(db.session, campaign_id, **data)


@blp.route(f"{CAMPAIGN}/rules/<{id_in_path('rule')}:rule_id>")
class CampaignRuleById(MethodView):
    @requires(Role.OPERATOR)
    @blp.arguments(RuleToggleSchema)
    @blp.response(200, RuleSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The campaign is archived")
    def patch(self, data: dict[str, Any], campaign_id: int, rule_id: int) -> Any:
        """Enable or disable a rule (its firings stay; a scope that fired never fires again)."""
        return rules.set_rule_enabled(db.session, campaign_id, rule_id, enabled=data["enabled"])

    @requires(Role.OPERATOR)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(
        409, schema=ErrorSchema, description="A standing rule (disable it) or an archived campaign"
    )
    def delete(self, campaign_id: int, rule_id: int) -> None:
        """Remove a rule that was added (with its firings)."""
        rules.delete_rule(db.session, campaign_id, rule_id)
