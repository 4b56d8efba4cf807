"""/api/v1/results and /api/v1/campaigns/{id}/results: what the ads did, and the results sync."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from adflux import clock
from adflux.api.auth import read_only, requires
from adflux.api.blueprint import Blueprint
from adflux.api.fastdump import CompiledDumpSchema
from adflux.api.schemas import (
    MAX_ID,
    ArgsSchema,
    ErrorSchema,
    PageArgsSchema,
    id_in_path,
    page_limit,
)
from adflux.auth.models import Role
from adflux.background.dispatch import send_task
from adflux.campaigns import service as campaigns
from adflux.errors import ServiceUnavailable
from adflux.extensions import db
from adflux.results import service
from adflux.results.service import Figures, ResultRow, Results

blp = Blueprint(
    "results",
    __name__,
    url_prefix="",
    description="Results: impressions, clicks, spend, applications and cost per application",
)

SEGMENTS_RULE = (
    "Grouped by segment, a row is keyed by the campaign's target segment set. A campaign "
    "targeting exactly one segment gives that segment's own figures. A publication's ad targets "
    "all of its campaign's segments together, so a campaign targeting several gives one shared "
    "row (`segments: [3, 5]`, `shared: true`) with the figures of them all: impressions, clicks "
    "and spend are never split between segments. Its applications are split in "
    "`segment_applications` by the segment each applicant was attributed to (an application is "
    "one person). `segments: []` is a campaign without segments (the job's own audience)."
)
FIGURES_DESCRIPTION = (
    "Money in whole COP; days are America/Bogota calendar days. `applications` counts the "
    "applications attributed to an AdFlux ad (their tracking code named it), on the day they "
    "were made. CTR = clicks/impressions and apply rate = applications/clicks, 4 decimals; CPC = "
    "spend/clicks and cost per application = spend/applications, whole COP (half up); each null "
    "when its denominator is 0."
)


def _by_field(allowed: tuple[str, ...], default: str) -> fields.String:
    return fields.String(
        load_default=default,
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": f"Group rows by one or more of {', '.join(allowed)}, "
            f"comma-separated (e.g. `{allowed[0]},day`)",
            "example": f"{allowed[0]},day",
        },
    )


class ResultArgsBase(PageArgsSchema):
    since = fields.Date(metadata={"description": "First day included (YYYY-MM-DD, Bogotá)"})
    until = fields.Date(metadata={"description": "Last day included (YYYY-MM-DD, Bogotá)"})


class CampaignResultArgsSchema(ResultArgsBase):
    by = _by_field(service.CAMPAIGN_DIMENSIONS, "platform")


class ResultArgsSchema(ResultArgsBase):
    by = _by_field(service.DIMENSIONS, "campaign")
    campaign_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    job_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    platform = fields.String(validate=validate.Length(min=1, max=20))
    segment_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Campaigns targeting this segment, alone or with others"},
    )


class FiguresSchema(Schema):
    impressions = fields.Integer(required=True)
    clicks = fields.Integer(required=True)
    spend_cop = fields.Integer(required=True)
    applications = fields.Integer(required=True)
    ctr = fields.Float(allow_none=True, required=True)
    cpc_cop = fields.Integer(allow_none=True, required=True)
    apply_rate = fields.Float(allow_none=True, required=True)
    cost_per_application_cop = fields.Integer(allow_none=True, required=True)


class SegmentApplicationsSchema(Schema):
    segment_id = fields.Integer(allow_none=True, required=True)
    applications = fields.Integer(required=True)


class ResultRowSchema(FiguresSchema):
    campaign_id = fields.Integer()
    platform = fields.String()
    segments = fields.List(fields.Integer(), metadata={"description": SEGMENTS_RULE})
    shared = fields.Boolean(metadata={"description": "The row's figures are shared by segments"})
    segment_applications = fields.List(fields.Nested(SegmentApplicationsSchema))
    job_id = fields.Integer()
    day = fields.Date()


class ResultsSchema(CompiledDumpSchema):
    class Meta:
        description = f"{FIGURES_DESCRIPTION} {SEGMENTS_RULE}"

    by = fields.List(fields.String(), required=True)
    totals = fields.Nested(
        FiguresSchema,
        required=True,
        metadata={"description": "Everything the filters match; the rows sum to it exactly"},
    )
    items = fields.List(fields.Nested(ResultRowSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "Rows in all pages"})
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class PlatformSyncStateSchema(Schema):
    platform = fields.String(required=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    last_success_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)


class SyncStatusSchema(Schema):
    requested_at = fields.DateTime()
    syncing = fields.List(
        fields.String(),
        metadata={"description": "The platforms with publications to sync (POST's answer)"},
    )
    platforms = fields.List(fields.Nested(PlatformSyncStateSchema), required=True)


class SyncArgsSchema(ArgsSchema):
    platform = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Only this platform (default: every platform)"},
    )


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "impressions": figures.impressions,
        "clicks": figures.clicks,
        "spend_cop": figures.spend_cop,
        "applications": figures.applications,
        "ctr": figures.ctr,
        "cpc_cop": figures.cpc_cop,
        "apply_rate": figures.apply_rate,
        "cost_per_application_cop": figures.cost_per_application_cop,
    }


def _row(row: ResultRow, by: tuple[str, ...]) -> dict[str, Any]:
    body = _figures(row)
    if "campaign" in by:
        body["campaign_id"] = row.campaign_id
    if "platform" in by:
        body["platform"] = row.platform
    if "segment" in by:
        body["segments"] = row.segments
        body["shared"] = row.shared
        body["segment_applications"] = [
            {"segment_id": s.segment_id, "applications": s.applications}
            for s in row.segment_applications or []
        ]
    if "job" in by:
        body["job_id"] = row.job_id
    if "day" in by:
        body["day"] = row.day
    return body


def results_body(found: Results) -> dict[str, Any]:
    return {
        "by": list(found.by),
        "totals": _figures(found.totals),
        "items": [_row(row, found.by) for row in found.rows],
        "total": found.total_rows,
        "limit": found.limit,
        "offset": found.offset,
    }


@blp.route("/results")
class AllResults(MethodView):
    @read_only
    @blp.arguments(ResultArgsSchema, location="query")
    @blp.response(200, ResultsSchema)
    @blp.rules_response(
        by=f"one or more of {', '.join(service.DIMENSIONS)}, each once", until="on or after since"
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Results across campaigns, with totals; grouped by campaign, platform, segment, job
        and/or day, filtered by campaign, job, platform, segment and days."""
        found = service.results(
            db_session=db.session,
            by=service.parse_by(args.pop("by")),
            limit=page_limit(args),
            **{k: v for k, v in args.items() if k != "limit"},
        )
        return results_body(found)


@blp.route(f"/campaigns/<{id_in_path('campaign')}:campaign_id>/results")
class CampaignResults(MethodView):
    @blp.arguments(CampaignResultArgsSchema, location="query")
    @blp.response(200, ResultsSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.rules_response(
        by=f"one or more of {', '.join(service.CAMPAIGN_DIMENSIONS)}, each once",
        until="on or after since",
    )
    def get(self, args: dict[str, Any], campaign_id: int) -> dict[str, Any]:
        """One campaign's results, with totals; grouped by platform, segment and/or day."""
        campaigns.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
        found = service.results(
            db_session=db.session,
            by=service.parse_by(args.pop("by"), allowed=service.CAMPAIGN_DIMENSIONS),
            campaign_id=campaign_id,
            limit=page_limit(args),
            **{k: v for k, v in args.items() if k != "limit"},
        )
        return results_body(found)


@blp.route("/results/sync")
class ResultsSync(MethodView):
    @blp.response(200, SyncStatusSchema)
    def get(self) -> dict[str, Any]:
        """Where each platform's results sync stands: last attempt, success, error, next try."""
        return {"platforms": service.sync_states(db_session=db.session)}

    @requires(Role.OPERATOR)
    @blp.arguments(SyncArgsSchema, location="query")
    @blp.response(202, SyncStatusSchema)
    @blp.alt_response(503, schema=ErrorSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Sync every platform's figures now, in the background (a platform backing off after
        a failure is tried too). Follow it with GET: each platform's `last_attempt_at` passes
        `requested_at` when its sync is done."""
        requested_at = clock.now()
        platform = args.get("platform")
        if not send_task(service.SYNC_TASK, [platform] if platform else None, True):
            raise ServiceUnavailable("the task broker is unreachable: try again shortly")
        syncing = service.platforms_to_sync(db_session=db.session)
        return {
            "requested_at": requested_at,
            "syncing": [name for name in syncing if platform in (None, name)],
            "platforms": service.sync_states(db_session=db.session),
        }
