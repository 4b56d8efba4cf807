"""Campaigns: list by status; one campaign per platform and arm, refreshing while it publishes
or while a change propagates; its edit form and archive button."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from adflux.auth.models import Role
from adflux.campaigns import editing
from adflux.campaigns import service as campaigns
from adflux.campaigns.editing import AD_COPY_FIELDS
from adflux.campaigns.models import AdCampaign
from adflux.campaigns.status import CAMPAIGN_STATUSES, PUBLISHING, QUEUED
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.i18n.catalogs import N_
from adflux.i18n.http import gettext
from adflux.reporting import service as reporting
from adflux.results import service as results
from adflux.segmentation import service as segmentation
from adflux.web.blueprint import bp
from adflux.web.charts import daily_chart
from adflux.web.forms import CampaignEditForm
from adflux.web.helpers import (
    PAGE_SIZE,
    Pager,
    flash_domain_error,
    flash_form_errors,
    requested_page,
)
from adflux.web.session import requires

LIVE_STATUSES = frozenset({QUEUED, PUBLISHING})


@bp.get("/campaigns")
def campaign_list() -> str:
    status = request.args.get("status", "")
    status = status if status in CAMPAIGN_STATUSES else ""
    page = requested_page()
    result = campaigns.list_campaigns(
        db_session=db.session,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        status=status or None,
    )
    titles = reporting.job_titles(
        db_session=db.session, job_ids=[c["job_id"] for c in result.items]
    )
    return render_template(
        "web/campaigns.html",
        campaigns=result.items,
        titles=titles,
        pager=Pager(page, PAGE_SIZE, result.total),
        status=status,
        statuses=CAMPAIGN_STATUSES,
    )


@bp.get("/campaigns/<int:campaign_id>")
def campaign_detail(campaign_id: int) -> str:
    campaign = campaigns.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
    return _campaign_page(campaign, edit_form(campaign))


def _campaign_page(
    campaign: AdCampaign,
    form: CampaignEditForm,
    field_errors: dict[str, list[str]] | None = None,
) -> str:
    segments = {s.id: s for s in segmentation.list_active_segments(db_session=db.session)[1]}
    segments.update({s.id: s for s in campaign.segments})
    return render_template(
        "web/campaign.html",
        campaign=campaign,
        job_title=reporting.job_titles(db_session=db.session, job_ids=[campaign.job_id]).get(
            campaign.job_id, ""
        ),
        live=_live(campaign),
        results=campaign_results(campaign),
        form=form,
        segment_choices=sorted(segments.values(), key=lambda s: s.id),
        field_errors=field_errors or {},
    )


def edit_form(campaign: AdCampaign) -> CampaignEditForm:
    """The edit form filled with the campaign as it is."""
    copy = campaign.ad_copy or {}
    return CampaignEditForm(
        formdata=None,
        name=campaign.name,
        daily_budget_cop=campaign.daily_budget_cop,
        total_budget_cop=campaign.total_budget_cop,
        pacing=campaign.pacing,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        segment_ids=campaign.segment_ids,
        auto_allocate=campaign.auto_allocate,
        **{key: copy.get(key) for key in AD_COPY_FIELDS},
    )


def form_changes(campaign: AdCampaign, form: CampaignEditForm) -> dict[str, Any]:
    """What the posted form changes (PATCH semantics for the service): the form shows the whole
    campaign, so an emptied total, end date or text clears it."""
    wanted: dict[str, Any] = {
        "name": (form.name.data or "").strip(),
        "daily_budget_cop": form.daily_budget_cop.data,
        "total_budget_cop": form.total_budget_cop.data,
        "pacing": form.pacing.data,
        "start_date": form.start_date.data,
        "end_date": form.end_date.data,
        "segment_ids": sorted(set(form.segment_ids.data or [])),
        "auto_allocate": bool(form.auto_allocate.data),
    }
    changes = {k: v for k, v in wanted.items() if v != getattr(campaign, k)}
    copy = {k: (getattr(form, k).data or "").strip() or None for k in AD_COPY_FIELDS}
    if {k: v for k, v in copy.items() if v} != (campaign.ad_copy or {}):
        changes["ad_copy"] = copy
    return changes


@bp.post("/campaigns/<int:campaign_id>/edit")
@requires(Role.OPERATOR)
def campaign_edit(campaign_id: int) -> Response | tuple[str, int]:
    campaign = campaigns.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
    form = CampaignEditForm()
    if not form.validate():
        flash_form_errors(form)
        return _campaign_page(campaign, form, dict(form.errors)), 422
    changes = form_changes(campaign, form)
    if not changes:
        flash(gettext("There was nothing to change."), "success")
        return redirect(url_for("web.campaign_detail", campaign_id=campaign_id))
    try:
        editing.edit_campaign(
            db_session=db.session,
            campaign_id=campaign_id,
            changes=changes,
            acknowledge_warnings=form.acknowledge_warnings.data or [],
        )
    except AdfluxError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        campaign = campaigns.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
        return _campaign_page(campaign, form, flash_domain_error(exc)), exc.status
    flash(gettext("Changes saved; they are being sent to the platforms."), "success")
    return redirect(url_for("web.campaign_detail", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/archive")
@requires(Role.OPERATOR)
def campaign_archive(campaign_id: int) -> Response:
    return _act(
        campaign_id,
        N_("Campaign archived: it is being ended on every platform."),
        editing.archive_campaign,
    )


def campaign_results(campaign: AdCampaign) -> dict[str, object]:
    """What the campaign's ads did: totals, the daily chart, and tables by platform and segment
    (three grouped queries; each grouping's rows add up to the totals)."""
    daily = results.results(db_session=db.session, by=("day",), campaign_id=campaign.id)
    by_platform = results.results(db_session=db.session, by=("platform",), campaign_id=campaign.id)
    by_segment = results.results(db_session=db.session, by=("segment",), campaign_id=campaign.id)
    names = {segment.id: segment.name for segment in campaign.segments}
    return {
        "totals": daily.totals,
        "chart": daily_chart(
            [(row.day, row.spend_cop, row.applications) for row in daily.rows if row.day]
        ),
        "platforms": by_platform.rows,
        "segment_rows": by_segment.rows,
        "segment_names": names,
    }


@bp.get("/campaigns/<int:campaign_id>/live.json")
def campaign_live(campaign_id: int) -> Response:
    """The per-platform rows, for the page to swap in while publishing goes on."""
    campaign = campaigns.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
    html = render_template("web/_campaign_live.html", campaign=campaign, live=_live(campaign))
    return jsonify({"status": campaign.status, "live": _live(campaign), "html": html})


@bp.post("/campaigns/<int:campaign_id>/retry")
@requires(Role.OPERATOR)
def campaign_retry(campaign_id: int) -> Response:
    return _act(campaign_id, N_("Failed publications queued again."), campaigns.retry_failed)


@bp.post("/campaigns/<int:campaign_id>/pause")
@requires(Role.OPERATOR)
def campaign_pause(campaign_id: int) -> Response:
    return _act(
        campaign_id,
        N_("Campaign paused."),
        lambda **kw: campaigns.set_campaign_active(active=False, **kw),
    )


@bp.post("/campaigns/<int:campaign_id>/resume")
@requires(Role.OPERATOR)
def campaign_resume(campaign_id: int) -> Response:
    return _act(
        campaign_id,
        N_("Campaign resumed."),
        lambda **kw: campaigns.set_campaign_active(active=True, **kw),
    )


def _act(campaign_id: int, done_message: str, operation) -> Response:  # type: ignore[no-untyped-def]
    try:
        operation(db_session=db.session, campaign_id=campaign_id)
    except AdfluxError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash_domain_error(exc)
    else:
        flash(gettext(done_message), "success")
    return redirect(url_for("web.campaign_detail", campaign_id=campaign_id))


def _live(campaign: AdCampaign) -> bool:
    """Still moving: publishing, or a change not yet held by some platform."""
    return campaign.status in LIVE_STATUSES or any(p.change_pending for p in campaign.publications)
