"""Campaigns: list by status; one campaign per platform, refreshing while it publishes."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from adflux.auth.models import Role
from adflux.campaigns import service as campaigns
from adflux.campaigns.models import AdCampaign
from adflux.campaigns.status import CAMPAIGN_STATUSES, PUBLISHING, QUEUED
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.reporting import service as reporting
from adflux.results import service as results
from adflux.web.blueprint import bp
from adflux.web.charts import daily_chart
from adflux.web.helpers import PAGE_SIZE, Pager, flash_domain_error, requested_page
from adflux.web.i18n import translate
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
    titles = reporting.job_titles(db_session=db.session, job_ids=[c.job_id for c in result.items])
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
    return render_template(
        "web/campaign.html",
        campaign=campaign,
        job_title=reporting.job_titles(db_session=db.session, job_ids=[campaign.job_id]).get(
            campaign.job_id, ""
        ),
        live=_live(campaign),
        results=campaign_results(campaign),
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
        "shared": len(names) > 1,
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
    return _act(campaign_id, "campaign.retried", campaigns.retry_failed)


@bp.post("/campaigns/<int:campaign_id>/pause")
@requires(Role.OPERATOR)
def campaign_pause(campaign_id: int) -> Response:
    return _act(
        campaign_id,
        "campaign.paused",
        lambda **kw: campaigns.set_campaign_active(active=False, **kw),
    )


@bp.post("/campaigns/<int:campaign_id>/resume")
@requires(Role.OPERATOR)
def campaign_resume(campaign_id: int) -> Response:
    return _act(
        campaign_id,
        "campaign.resumed",
        lambda **kw: campaigns.set_campaign_active(active=True, **kw),
    )


def _act(campaign_id: int, done_key: str, operation) -> Response:  # type: ignore[no-untyped-def]
    try:
        operation(db_session=db.session, campaign_id=campaign_id)
    except AdfluxError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash_domain_error(exc)
    else:
        flash(translate(done_key), "success")
    return redirect(url_for("web.campaign_detail", campaign_id=campaign_id))


def _live(campaign: AdCampaign) -> bool:
    return campaign.status in LIVE_STATUSES
