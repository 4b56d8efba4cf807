"""/api/v1/campaigns: create (published in the background), list, read, change, archive, retry,
pause, resume."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from adflux.api.auth import read_only, requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    MAX_ID,
    ApiSchema,
    ErrorSchema,
    PageArgsSchema,
    PageMetaSchema,
    WarningSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.campaigns import editing, service
from adflux.campaigns.compliance import ACKNOWLEDGEABLE_WARNINGS, narrowing_messages
from adflux.campaigns.status import CAMPAIGN_STATUSES
from adflux.extensions import db
from adflux.i18n.catalogs import N_
from adflux.platforms.registry import ADAPTERS
from adflux.targeting import people

blp = Blueprint("campaigns", __name__, url_prefix="/campaigns", description="Ad campaigns")


class PublicationSchema(Schema):
    id = fields.Integer()
    platform = fields.String()
    status = fields.String()
    external_ids = fields.Dict(keys=fields.String(), values=fields.String())
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    last_error_field = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class ArmSegmentSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ArmSchema(Schema):
    """One arm of the campaign: its own tree on one platform, with its own daily budget."""

    id = fields.Integer()
    platform = fields.String()
    arm_key = fields.String(
        metadata={"description": "segment-<id> | job-audience | campaign (places and keywords)"}
    )
    segment = fields.Nested(ArmSegmentSchema, allow_none=True)
    status = fields.String()
    daily_budget_cop = fields.Integer(metadata={"description": "what AdFlux decided"})
    held_daily_budget_cop = fields.Integer(
        allow_none=True,
        metadata={"description": "what the platform was last seen to hold (null: unpublished)"},
    )
    change_state = fields.String(
        metadata={
            "description": "applied | pending (pushing to the platform) | refused (the "
            "platform's message in change_error; the arm was put back as the platform holds it)"
        }
    )
    change_error = fields.String(allow_none=True)
    change_error_field = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)


class AdCopySchema(ApiSchema):
    """The recruiter's own ad texts, each fitted to every platform's limits as AdFlux's are."""

    headline = fields.String(allow_none=True, validate=validate.Length(max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=300))
    primary_text = fields.String(allow_none=True, validate=validate.Length(max=1000))


def refuse_forbidden_narrowing(data: Any) -> Any:
    """A body that narrows the audience by age, gender, postal code... is refused naming the
    employment-ad rule, instead of the schema's bare "Unknown field."."""
    refused = narrowing_messages(data)
    if refused:
        raise ValidationError(refused)
    return data


ACKNOWLEDGE_WARNINGS_DESCRIPTION = (
    "Warnings the operator confirms. A segment flagged as an age proxy (rule segment_age_proxy), "
    "or a job audience whose people age alone sets apart (rule job_audience_age_skew), may act "
    "as an indirect age filter (Ley 931 de 2004): such a campaign is refused (422 "
    "acknowledgement_required) unless this list holds the rule; the confirmation is recorded "
    "with the operator in the audit log."
)


class AudienceRulesSchema(ApiSchema):
    """What a body that chooses an audience carries: the employment-ad rules refuse any
    narrowing field, and the operator confirms the warnings that need it."""

    acknowledge_warnings = fields.List(
        fields.String(validate=validate.OneOf(ACKNOWLEDGEABLE_WARNINGS)),
        load_only=True,
        load_default=list,
        validate=validate.Length(max=len(ACKNOWLEDGEABLE_WARNINGS)),
        metadata={"description": ACKNOWLEDGE_WARNINGS_DESCRIPTION},
    )

    @pre_load
    def _employment_rules(self, data: Any, **_: Any) -> Any:
        return refuse_forbidden_narrowing(data)


class CampaignSchema(AudienceRulesSchema):
    id = fields.Integer(dump_only=True)
    job_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    platforms = fields.List(
        # Not an enum: the service's refusal names the value and the platforms usable here.
        fields.String(validate=validate.Length(min=1, max=20)),
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=len(ADAPTERS)),  # each platform once at most
    )
    segment_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={
            "description": "Target segments of the active segmentation run. Leave empty to aim "
            "at the segments recommended for the job (GET /api/v1/jobs/{id}/audience): the "
            "response then lists the segments chosen"
        },
    )
    name = fields.String(validate=validate.Length(min=1, max=200))
    daily_budget_cop = fields.Integer(
        validate=validate.Range(min=1, max=10_000_000_000),
        metadata={
            "description": "the most the campaign spends per day over all its arms (platform x "
            "segment), split between them; default 50.000 COP per arm (more where a platform's "
            "minimum is higher)"
        },
    )
    total_budget_cop = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=10_000_000_000_000),
        metadata={"description": "the most it spends over its whole life (null: no total)"},
    )
    pacing = fields.String(
        load_default=service.PACINGS[0],
        validate=validate.OneOf(service.PACINGS),
        metadata={
            "description": "even: spread the total over the days; fast: as the market allows"
        },
    )
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    objective = fields.String(load_default="traffic", validate=validate.OneOf(service.OBJECTIVES))
    job_audience_size = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=people.JOB_AUDIENCE_MIN, max=people.JOB_AUDIENCE_MAX),
        metadata={
            "description": "Also target the job's N most likely consenting candidates, uploaded "
            "as a custom audience of the job's own on each platform (null: segments only)"
        },
    )
    status = fields.String(dump_only=True)
    auto_allocate = fields.Boolean(dump_only=True)
    ad_copy = fields.Nested(AdCopySchema, dump_only=True, allow_none=True)
    archived_at = fields.DateTime(dump_only=True, allow_none=True)
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    publications = fields.List(fields.Nested(PublicationSchema), dump_only=True)
    arms = fields.List(
        fields.Nested(ArmSchema),
        dump_only=True,
        attribute="publications",
        metadata={"description": "each arm's budget and how its last change stands"},
    )
    warnings = fields.List(
        fields.Nested(WarningSchema),
        dump_only=True,
        metadata={
            "description": "Warnings about the audience: age proxies (segment_age_proxy), a "
            "job audience that age sets apart (job_audience_age_skew), chosen segments that fit "
            "the job poorly (segment_low_fit), why no segment was recommended (no_segment_fits), "
            "a job audience nobody fits yet (job_audience_empty). Only segment_age_proxy and "
            "job_audience_age_skew need acknowledge_warnings"
        },
    )


class CampaignUpdateSchema(AudienceRulesSchema):
    """What a recruiter can change; a field left out stays as it is."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    daily_budget_cop = fields.Integer(
        validate=validate.Range(min=1, max=10_000_000_000),
        metadata={"description": "re-split over the arms in proportion to their current split"},
    )
    total_budget_cop = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=10_000_000_000_000),
        metadata={"description": "null: no total"},
    )
    pacing = fields.String(validate=validate.OneOf(service.PACINGS))
    start_date = fields.Date(metadata={"description": "only before the campaign has started"})
    end_date = fields.Date(allow_none=True, metadata={"description": "null: no end"})
    segment_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
        validate=validate.Length(max=20),
        metadata={
            "description": "the campaign's segments: an added one gets an arm on every platform "
            "of the campaign, a removed one has its arms ended there (their history kept)"
        },
    )
    job_audience_size = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=people.JOB_AUDIENCE_MIN, max=people.JOB_AUDIENCE_MAX),
        metadata={"description": "null: no job audience (its arms end)"},
    )
    # Not nullable: the document would then allow any object in its place (OpenAPI 3.0's
    # nullable nested schema); each text set to null removes it.
    ad_copy = fields.Nested(
        AdCopySchema,
        metadata={"description": "a text given replaces AdFlux's; null removes it"},
    )
    auto_allocate = fields.Boolean(
        metadata={"description": "whether the allocator moves the budget between the arms"}
    )


class IdempotencyHeaderSchema(ApiSchema):
    idempotency_key = fields.String(
        data_key=service.IDEMPOTENCY_HEADER,
        validate=[
            validate.Length(min=1, max=service.IDEMPOTENCY_KEY_MAX),
            # Visible ASCII, as the IETF draft's keys and the UUIDs clients send are.
            validate.Regexp(r"^[\x21-\x7e]+$", error=N_("visible ASCII characters only")),
        ],
        metadata={
            "description": "Makes retries safe: a repeat with the same body returns the first "
            "campaign (200); the same key with another body is refused (422)."
        },
    )


class CampaignListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES))
    job_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    include_archived = fields.Boolean(
        load_default=False,
        metadata={"description": "also list archived campaigns (status=archived: only them)"},
    )


class CampaignPageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(CampaignSchema), required=True)


@blp.route("")
class Campaigns(MethodView):
    @read_only
    @blp.arguments(CampaignListArgsSchema, location="query")
    @blp.response(200, CampaignPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List campaigns, newest first."""
        page = service.list_campaigns(
            db_session=db.session,
            limit=page_limit(args),
            offset=args["offset"],
            status=args.get("status"),
            job_id=args.get("job_id"),
            include_archived=args["include_archived"],
        )
        return page_body(page)

    @requires(Role.OPERATOR)
    @blp.arguments(CampaignSchema)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.response(202, CampaignSchema)
    @blp.alt_response(200, schema=CampaignSchema, description="Repeated Idempotency-Key")
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.rules_response(
        job_id="the job must be open",
        platforms="each a platform this deployment can publish on (GET /api/v1/platforms)",
        segment_ids="segments of the active segmentation run",
        job_audience_size="at least one consenting candidate fits the job",
        daily_budget_cop="at least the minimum daily budget of every platform chosen",
        start_date="today or later",
        end_date="on or after start_date",
    )
    def post(self, data: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create a campaign; each platform is published in the background (202 + Location).

        Send an `Idempotency-Key` header to make retries of this request safe.

        Employment-ad rules: AdFlux builds the targeting from the segments (ages 18-65+, all
        genders, cities with a radius of 24 km or more). A body carrying `age_min`, `age_max`,
        `genders`, `postal_codes`, `targeting` or another forbidden narrowing is refused with a
        422 whose field message names the rule and its sources (Ley 931 de 2004, Meta special ad
        category EMPLOYMENT...). `warnings` lists segments flagged as age proxies; creating a
        campaign with one needs `acknowledge_warnings: ["segment_age_proxy"]`.

        `job_audience_size: N` also targets the job's N most likely consenting candidates, as
        a custom audience of the job's own; when age alone sets those people apart (the
        segments' age-proxy measure), `warnings` says so and creating the campaign needs
        `acknowledge_warnings: ["job_audience_age_skew"]`.

        Without `segment_ids` (and without `job_audience_size`) the campaign aims at the segments
        that fit the job best (never an age proxy); when none fits, at the job's own audience of
        its most likely candidates (or, when nobody fits, the job's own places and keywords), and
        `warnings` says why (`no_segment_fits`). A chosen segment that fits poorly is accepted
        with a `segment_low_fit` warning.
        """
        campaign, created = service.create_campaign(
            db_session=db.session, idempotency_key=idempotency_key, **data
        )
        location = url_for("campaigns.CampaignById", campaign_id=campaign.id)
        return campaign, (202 if created else 200), {"Location": location}


@blp.route(f"/<{id_in_path('campaign')}:campaign_id>")
class CampaignById(MethodView):
    @blp.response(200, CampaignSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, campaign_id: int) -> Any:
        """A campaign with each platform's publication: status, external ids, attempts, error."""
        campaign = service.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
        return campaign

    @requires(Role.OPERATOR)
    @blp.arguments(CampaignUpdateSchema)
    @blp.response(200, CampaignSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="An archived campaign")
    @blp.rules_response(
        daily_budget_cop="at least the minimum daily budget of every arm's platform, together",
        total_budget_cop="at least one day of the arms' minimums",
        start_date="only before the campaign has started; today or later",
        end_date="on or after start_date, today or later",
        segment_ids="segments of the active segmentation run; at least one segment or a job "
        "audience; not one taken off this campaign before",
        job_audience_size="within range",
        ad_copy="headline, description, primary_text",
    )
    def patch(self, changes: dict[str, Any], campaign_id: int) -> Any:
        """Change a campaign; each change is pushed to every platform in the background.

        Only the fields sent change (`null` clears `total_budget_cop`, `end_date` and
        `job_audience_size`; a text of `ad_copy` set to `null` gives AdFlux's back). Every
        field is checked before anything is written: a 422 names each bad one.
        `arms[].change_state` shows each platform's arm while the
        change propagates (pending), once it holds (applied), or when the platform refused it
        (refused, with its message in `change_error`; that arm keeps what the platform holds).
        """
        acknowledged = changes.pop("acknowledge_warnings", [])
        return editing.edit_campaign(
            db_session=db.session,
            campaign_id=campaign_id,
            changes=changes,
            acknowledge_warnings=acknowledged,
        )


@blp.route(f"/<{id_in_path('campaign')}:campaign_id>/archive")
class CampaignArchive(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(200, CampaignSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, campaign_id: int) -> Any:
        """Archive a campaign: every arm's tree is ended on its platform (in the background), and
        the campaign is kept, with its results and history, out of the default list."""
        return editing.archive_campaign(db_session=db.session, campaign_id=campaign_id)


@blp.route(f"/<{id_in_path('campaign')}:campaign_id>/retry")
class CampaignRetry(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(202, CampaignSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, campaign_id: int) -> Any:
        """Queue the failed publications of a campaign again."""
        campaign = service.retry_failed(db_session=db.session, campaign_id=campaign_id)
        return campaign


@blp.route(f"/<{id_in_path('campaign')}:campaign_id>/pause")
class CampaignPause(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(200, CampaignSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, campaign_id: int) -> Any:
        """Pause the campaign on every platform where it is published."""
        campaign = service.set_campaign_active(
            db_session=db.session, campaign_id=campaign_id, active=False
        )
        return campaign


@blp.route(f"/<{id_in_path('campaign')}:campaign_id>/resume")
class CampaignResume(MethodView):
    @requires(Role.OPERATOR)
    @blp.response(200, CampaignSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, campaign_id: int) -> Any:
        """Resume a paused campaign on every platform."""
        campaign = service.set_campaign_active(
            db_session=db.session, campaign_id=campaign_id, active=True
        )
        return campaign
