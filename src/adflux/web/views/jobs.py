"""Jobs: search and pages; a job with its campaigns and the create-campaign form."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from adflux.auth.models import Role
from adflux.campaigns import service as campaigns
from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP, platform_infos
from adflux.campaigns.compliance import (
    NARROWING_RULES,
    TARGETING_REFUSAL,
    forbidden_narrowing,
)
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.i18n.catalogs import N_
from adflux.i18n.http import gettext
from adflux.jobs import service as jobs
from adflux.jobs.models import JobOpening, JobStatus
from adflux.segmentation import service as segmentation
from adflux.segmentation.models import Segment
from adflux.targeting import service as targeting
from adflux.targeting.fit import FIT_THRESHOLD
from adflux.targeting.people import (
    DEFAULT_JOB_AUDIENCE_SIZE,
    JOB_AUDIENCE_MAX,
    JOB_AUDIENCE_MIN,
    job_audience_preview,
)
from adflux.targeting.service import JobAudience
from adflux.web.blueprint import bp
from adflux.web.forms import CampaignForm, new_idempotency_key
from adflux.web.helpers import (
    PAGE_SIZE,
    Pager,
    flash_domain_error,
    flash_form_errors,
    flash_refusal,
    requested_page,
)
from adflux.web.preview import Preview, campaign_preview
from adflux.web.profiles import age_proxy_warning
from adflux.web.session import requires
from adflux.web.templating import localised

JOB_STATUSES = tuple(s.value for s in JobStatus)


STATUS_CHANGED = {
    JobStatus.OPEN: N_("Job reopened; its campaigns stay paused until you resume them."),
    JobStatus.PAUSED: N_("Job paused; campaigns paused on every platform: %(paused)s."),
    JobStatus.CLOSED: N_("Job closed; campaigns paused on every platform: %(paused)s."),
}


@bp.get("/jobs")
def job_list() -> str:
    search = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    status = status if status in JOB_STATUSES else ""
    page = requested_page()
    result = jobs.list_jobs(
        db_session=db.session,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        status=status or None,
        search=search or None,
    )
    return render_template(
        "web/jobs.html",
        jobs=result.items,
        pager=Pager(page, PAGE_SIZE, result.total),
        search=search,
        status=status,
        statuses=JOB_STATUSES,
    )


@bp.get("/jobs/<int:job_id>")
def job_detail(job_id: int) -> str:
    job = jobs.get_job_or_404(db_session=db.session, job_id=job_id)
    return _job_page(job, CampaignForm())


@bp.post("/jobs/<int:job_id>/status")
@requires(Role.OPERATOR)
def job_set_status(job_id: int) -> Response:
    """Pause, close or reopen the job; pausing or closing pauses its live campaigns."""
    try:
        target = JobStatus(request.form.get("status", ""))
    except ValueError:
        flash(gettext("Unknown job status."), "error")
        return redirect(url_for("web.job_detail", job_id=job_id))
    try:
        change = jobs.set_job_status(db_session=db.session, job_id=job_id, status=target)
    except AdfluxError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash_domain_error(exc)
    else:
        flash(gettext(STATUS_CHANGED[target], paused=len(change.campaigns_paused)), "success")
        if change.campaigns_not_paused:
            # Still live somewhere: say where, and that sending the same change again retries.
            flash(
                gettext(
                    "Still live on some platform: %(ids)s. Repeat the action to try again.",
                    ids=", ".join(f"#{cid}" for cid in sorted(change.campaigns_not_paused)),
                ),
                "error",
            )
    return redirect(url_for("web.job_detail", job_id=job_id))


@bp.post("/jobs/<int:job_id>/campaigns")
@requires(Role.OPERATOR)
def job_create_campaign(job_id: int) -> Response | tuple[str, int]:
    job = jobs.get_job_or_404(db_session=db.session, job_id=job_id)
    form = CampaignForm()
    refused = _refused_narrowing()
    if refused:
        flash_refusal(
            gettext("This targeting is not allowed in job ads; nothing was created:"), refused
        )
        return _job_page(job, form, field_errors=refused), 422
    if not form.validate():
        flash_form_errors(form)
        return _job_page(job, form, preview=True), 422
    if request.form.get("intent") == "preview":
        return _job_page(job, form, preview=True), 200
    try:
        campaign, _created = campaigns.create_campaign(
            db_session=db.session,
            job_id=job.id,
            platforms=form.platforms.data or [],
            segment_ids=form.segment_ids.data or [],
            name=form.name.data or None,
            daily_budget_cop=form.daily_budget_cop.data,
            total_budget_cop=form.total_budget_cop.data,
            pacing=form.pacing.data or "even",
            start_date=form.start_date.data,
            end_date=form.end_date.data,
            objective=form.objective.data or "traffic",
            idempotency_key=form.idempotency_key.data or None,
            acknowledge_warnings=form.acknowledge_warnings.data or [],
            job_audience_size=form.job_audience_size.data,
        )
    except AdfluxError as exc:
        db.session.rollback()
        # The page drawn again is a new request: with the old key, a recruiter who went back to a
        # sent form and changed it would be refused as a reuse of that key.
        form.idempotency_key.data = new_idempotency_key()
        return _job_page(job, form, preview=True, field_errors=flash_domain_error(exc)), 422
    flash(
        gettext(
            "Campaign #%(id)s created; it is being published in the background.", id=campaign.id
        ),
        "success",
    )
    return redirect(url_for("web.campaign_detail", campaign_id=campaign.id))


def _refused_narrowing() -> dict[str, list[str]]:
    """Posted fields that would narrow the audience as job ads may not (age_min, genders...),
    each with its rule; the form offers none of them, so only a crafted post carries one."""
    return {
        field: [localised(rule.message if rule is not None else TARGETING_REFUSAL)]
        for field, rule in forbidden_narrowing(request.form)
    }


@bp.get("/jobs/<int:job_id>/campaigns/preview.json")
def job_campaign_preview(job_id: int) -> Response:
    """The compliance check for the form's current choices, rendered for the page to show."""
    job = jobs.get_job_or_404(db_session=db.session, job_id=job_id)
    form = CampaignForm(formdata=request.args, meta={"csrf": False})
    form.validate()
    result = _preview(job, form)
    html = render_template("web/_preview.html", preview=result, chosen=bool(form.platforms.data))
    return jsonify({"blocked": result.blocked, "html": html})


def _preview(job: JobOpening, form: CampaignForm) -> Preview:
    chosen = set(form.platforms.data or [])
    wanted = set(form.segment_ids.data or [])
    # What the service will aim at: the chosen segments (ids of another run are the submit's to
    # refuse) and job audience, or the recommendation when neither is chosen; with its fit
    # warnings. An out-of-range size is the submit's to refuse: the preview leaves it out.
    size = form.job_audience_size.data
    in_range = isinstance(size, int) and JOB_AUDIENCE_MIN <= size <= JOB_AUDIENCE_MAX
    platforms = [info for info in platform_infos() if info.name in chosen]
    aimed = campaigns.aim(
        db_session=db.session,
        job_id=job.id,
        segment_ids=[s.id for s in _active_segments() if s.id in wanted],
        job_audience_size=size if in_range else None,
        platforms=[info.name for info in platforms if info.ready],
    )
    return campaign_preview(
        db_session=db.session,
        job=job,
        platforms=platforms,
        segments=aimed.segments,
        daily_budget_cop=form.daily_budget_cop.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        fit_warnings=aimed.fit_warnings,
        recommended=aimed.recommended,
    )


def _active_segments() -> list[Segment]:
    return segmentation.list_active_segments(db_session=db.session)[1]


def _ranked(segments: list[Segment], audience: JobAudience) -> list[Segment]:
    """The form's segments in the order they fit the job, best first."""
    rank = {f.segment_id: i for i, f in enumerate(audience.segments)}
    return sorted(segments, key=lambda s: (rank.get(s.id, len(rank)), s.id))


def _job_page(
    job: JobOpening,
    form: CampaignForm,
    *,
    preview: bool = False,
    field_errors: dict[str, list[str]] | None = None,
) -> str:
    audience = targeting.job_audience(db_session=db.session, job_id=job.id)
    recommended = targeting.recommended_segment_ids(audience)
    segments = _ranked(_active_segments(), audience)
    if request.method == "GET":
        # A fresh form starts from the recommendation; a form sent back keeps the choice made.
        form.segment_ids.data = recommended
    job_campaigns = campaigns.list_campaigns(db_session=db.session, limit=50, job_id=job.id)
    context: dict[str, Any] = {
        "job": job,
        "form": form,
        # The statuses this job can move to, in the order a recruiter reads them.
        "job_transitions": [s for s in JobStatus if s in jobs.TRANSITIONS[JobStatus(job.status)]],
        "campaigns": job_campaigns.items,
        "platforms": platform_infos(),
        "min_budget": MIN_DAILY_BUDGET_COP,
        "objectives": campaigns.OBJECTIVES,
        "segments": segments,
        "proxy": {s.id: age_proxy_warning(s.profile) for s in segments},
        "audience": audience,
        "people": job_audience_preview(
            db_session=db.session, job_id=job.id, size=DEFAULT_JOB_AUDIENCE_SIZE
        ),
        "fits": {f.segment_id: f for f in audience.segments},
        "recommended": recommended,
        # What a campaign left to the recommendation would aim at on the platforms ready here
        # (when no segment fits: the job's own audience where a platform's minimum is met).
        "no_fit": targeting.no_fit_warning(
            audience,
            job_audience_size=None
            if recommended
            else campaigns.fallback_job_audience(
                db.session, job.id, [info.name for info in platform_infos() if info.ready]
            ),
        ),
        "fit_threshold": FIT_THRESHOLD,
        "narrowing_rules": list(NARROWING_RULES.values()),
        "preview": _preview(job, form) if preview else None,
        "field_errors": {**form.errors, **(field_errors or {})},
    }
    return render_template("web/job.html", **context)
