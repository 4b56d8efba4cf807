"""Campaign templates: define them, and apply them after a feed import.

Applying a template creates, for each open job of a feed that matches it and was imported after
the template existed, one campaign through the campaigns service (aimed as any campaign left to
AdFlux is: the recommended segments, or the job's own audience), with the template's platforms,
budget and rules. At most `daily_cap` campaigns per template and day (Bogotá): the jobs beyond it
wait for the next day's imports. A job that closes pauses its campaigns through the jobs service,
as any job's.

Each campaign is created with the idempotency key `template-<template>-job-<job>`, and recorded
in `template_campaigns` (unique per template and job): an import run twice, or two at once,
never creates a second campaign for a job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from adflux import geo
from adflux.audit import service as audit
from adflux.campaign_templates.models import CampaignTemplate, TemplateCampaign
from adflux.campaigns import service as campaigns
from adflux.context import actor_var
from adflux.db import DbSession, is_unique_violation, write_or_recheck
from adflux.errors import AdfluxError, Conflict, NotFound, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Message
from adflux.jobs.areas import AREA_BY_KEY, AREA_LABELS
from adflux.jobs.models import JobOpening, JobStatus
from adflux.optimisation import rules as campaign_rules
from adflux.pagination import Page, paginate
from adflux.platforms.registry import ADAPTERS

log = logging.getLogger(__name__)

MAX_DAILY_CAP = 1_000
# Per rule kind: (fields it requires, fields it may have), as optimisation.rules takes them.
RULE_FIELDS = {
    "max_applications": ({"kind", "max_applications"}, {"period"}),
    "max_cpa": ({"kind", "max_cpa_cop", "min_spend_cop"}, set()),
}
UPDATABLE = frozenset({"platforms", "daily_budget_cop", "rules", "daily_cap", "active"})


@dataclass
class Applied:
    """What applying the templates did: campaigns created, jobs left for another day by a cap,
    and jobs no campaign could be created for (with the campaigns service's reason)."""

    created: list[int] = field(default_factory=list)
    capped: dict[int, int] = field(default_factory=dict)  # template id -> jobs left
    failed: list[dict[str, Any]] = field(default_factory=list)


def create_template(
    *,
    db_session: DbSession,
    name: str,
    platforms: Sequence[str],
    area: str | None = None,
    city: str | None = None,
    company: str | None = None,
    feed: str | None = None,
    daily_budget_cop: int | None = None,
    rules: Sequence[dict[str, Any]] = (),
    daily_cap: int = 20,
) -> CampaignTemplate:
    """Store a template; its criteria are checked against AdFlux's vocabulary."""
    problems: dict[str, list[str | Message]] = {}
    area_label = _area_label(area, problems)
    city_name = _city_name(city, problems)
    chosen = _platforms(platforms, problems)
    _check_rules(rules, problems)
    _check_cap(daily_cap, problems)
    if problems:
        raise ValidationFailed("invalid template", fields=problems)
    _ensure_name_free(db_session, name)
    template = CampaignTemplate(
        name=name,
        area=area_label,
        city=city_name,
        company=company.strip() if company else None,
        feed=feed,
        platforms=chosen,
        daily_budget_cop=daily_budget_cop,
        rules=[dict(rule) for rule in rules],
        daily_cap=daily_cap,
        active=True,
        created_by=actor_var.get(),
    )

    def insert() -> CampaignTemplate:
        db_session.add(template)
        db_session.flush()
        audit.record(
            db_session=db_session,
            action="campaign_template.create",
            entity_type="campaign_template",
            entity_id=template.id,
            details={"name": name, **describe_criteria(template)},
        )
        db_session.commit()
        return template

    return write_or_recheck(db_session, insert, recheck=lambda: _ensure_name_free(db_session, name))


def update_template(
    *, db_session: DbSession, template_id: int, changes: dict[str, Any]
) -> CampaignTemplate:
    """Change what a template creates from now on (campaigns it created stay as they are)."""
    template = get_template_or_404(db_session=db_session, template_id=template_id)
    unknown = set(changes) - UPDATABLE
    problems: dict[str, list[str | Message]] = {name: ["read-only"] for name in unknown}
    if "platforms" in changes:
        changes["platforms"] = _platforms(changes["platforms"], problems)
    if "rules" in changes:
        _check_rules(changes["rules"], problems)
    if "daily_cap" in changes:
        _check_cap(changes["daily_cap"], problems)
    if problems:
        raise ValidationFailed("invalid template", fields=problems)
    for name, value in changes.items():
        setattr(template, name, value)
    audit.record(
        db_session=db_session,
        action="campaign_template.update",
        entity_type="campaign_template",
        entity_id=template.id,
        details={"fields": sorted(changes)},
    )
    db_session.commit()
    return template


def list_templates(*, db_session: DbSession, limit: int, offset: int = 0) -> Page[CampaignTemplate]:
    query = sa.select(CampaignTemplate).order_by(CampaignTemplate.id)
    return paginate(db_session, query, limit=limit, offset=offset)


def get_template_or_404(*, db_session: DbSession, template_id: int) -> CampaignTemplate:
    template = db_session.get(CampaignTemplate, template_id)
    if template is None:
        raise NotFound("campaign template %(template_id)s does not exist", template_id=template_id)
    return template


def template_campaign_ids(*, db_session: DbSession, template_id: int) -> list[int]:
    return list(
        db_session.scalars(
            sa.select(TemplateCampaign.campaign_id)
            .where(TemplateCampaign.template_id == template_id)
            .order_by(TemplateCampaign.id)
        )
    )


def describe_criteria(template: CampaignTemplate) -> dict[str, Any]:
    return {
        "area": template.area,
        "city": template.city,
        "company": template.company,
        "feed": template.feed,
        "platforms": template.platforms,
        "daily_budget_cop": template.daily_budget_cop,
        "daily_cap": template.daily_cap,
    }


def apply_templates(
    *, db_session: DbSession, job_ids: Sequence[int] | None = None, today: date | None = None
) -> Applied:
    """Create the campaigns the active templates owe: for each, the open feed jobs that match it,
    were imported since it exists and have no campaign of it yet (only `job_ids` when given),
    oldest first, up to what is left of its daily cap."""
    day = today or campaigns.campaign_today()
    applied = Applied()
    templates = db_session.scalars(
        sa.select(CampaignTemplate)
        .where(CampaignTemplate.active.is_(True))
        .order_by(CampaignTemplate.id)
    ).all()
    for template in templates:
        _apply_one(db_session, template, job_ids, day, applied)
    return applied


def _apply_one(
    db_session: DbSession,
    template: CampaignTemplate,
    job_ids: Sequence[int] | None,
    day: date,
    applied: Applied,
) -> None:
    used = db_session.scalar(
        sa.select(sa.func.count())
        .select_from(TemplateCampaign)
        .where(TemplateCampaign.template_id == template.id, TemplateCampaign.day == day)
    )
    left = max(template.daily_cap - int(used or 0), 0)
    owed = _owed_jobs(template, job_ids)
    waiting = db_session.scalar(sa.select(sa.func.count()).select_from(owed.subquery()))
    if waiting and waiting > left:
        applied.capped[template.id] = waiting - left
    for job_id in db_session.scalars(owed.limit(left)).all() if left else []:
        try:
            campaign, _created = campaigns.create_campaign(
                db_session=db_session,
                job_id=job_id,
                platforms=template.platforms,
                daily_budget_cop=template.daily_budget_cop,
                idempotency_key=f"template-{template.id}-job-{job_id}",
            )
        except AdfluxError as exc:
            db_session.rollback()
            applied.failed.append(
                {
                    "template_id": template.id,
                    "job_id": job_id,
                    "error": exc.message,
                    "reason": Message(exc.template, **exc.params),
                    "fields": exc.field_messages(),
                }
            )
            log.warning("template %s: no campaign for job %s: %s", template.id, job_id, exc)
            continue
        try:
            db_session.add(
                TemplateCampaign(
                    template_id=template.id, job_id=job_id, campaign_id=campaign.id, day=day
                )
            )
            audit.record(
                db_session=db_session,
                action="campaign_template.apply",
                entity_type="campaign",
                entity_id=campaign.id,
                details={"template_id": template.id, "job_id": job_id},
            )
            db_session.commit()
        except sa.exc.IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            # Applied at the same time elsewhere (the idempotency key gave both this campaign):
            # recorded there, with its rules.
            db_session.rollback()
            continue
        applied.created.append(campaign.id)
        for rule in template.rules:
            try:
                campaign_rules.create_rule(
                    db_session, campaign.id, **rule, actor=f"template:{template.id}"
                )
            except AdfluxError as exc:  # the campaign stands; the rule is said to be missing
                db_session.rollback()
                applied.failed.append(
                    {
                        "template_id": template.id,
                        "job_id": job_id,
                        "error": f"campaign {campaign.id} created without its rule: {exc.message}",
                        "reason": Message(
                            "campaign %(campaign)s created without its rule: %(reason)s",
                            campaign=campaign.id,
                            reason=Message(exc.template, **exc.params),
                        ),
                        "fields": exc.field_messages(),
                    }
                )


def _owed_jobs(template: CampaignTemplate, job_ids: Sequence[int] | None) -> sa.Select[Any]:
    already = sa.select(TemplateCampaign.job_id).where(TemplateCampaign.template_id == template.id)
    query = (
        sa.select(JobOpening.id)
        .where(
            JobOpening.status == JobStatus.OPEN.value,
            JobOpening.feed.is_not(None),
            JobOpening.created_at >= template.created_at,
            JobOpening.id.not_in(already),
        )
        .order_by(JobOpening.id)
    )
    if template.feed:
        query = query.where(JobOpening.feed == template.feed)
    if template.area:
        query = query.where(JobOpening.area == template.area)
    if template.city:
        query = query.where(JobOpening.city == template.city)
    if template.company:
        query = query.where(sa.func.lower(JobOpening.company) == template.company.lower())
    if job_ids is not None:
        query = query.where(JobOpening.id.in_(list(job_ids)))
    return query


def _area_label(area: str | None, problems: dict[str, list[str | Message]]) -> str | None:
    if not area:
        return None
    if area in AREA_LABELS:
        return area
    if area in AREA_BY_KEY:
        return AREA_BY_KEY[area].label
    problems["area"] = [
        Message("not an AdFlux area; one of: %(valid)s", valid=Choices(None, list(AREA_BY_KEY)))
    ]
    return None


def _city_name(city: str | None, problems: dict[str, list[str | Message]]) -> str | None:
    if not city:
        return None
    found = geo.find_city(city)
    if found is None:
        problems["city"] = [Message("'%(city)s' is not a city AdFlux targets", city=city)]
        return None
    return found.name


def _platforms(platforms: Sequence[str], problems: dict[str, list[str | Message]]) -> list[str]:
    chosen = list(dict.fromkeys(p.strip().lower() for p in platforms))
    unknown = [p for p in chosen if p not in ADAPTERS]
    if not chosen:
        problems["platforms"] = [N_("choose at least one platform")]
    elif unknown:
        problems["platforms"] = [
            Message(
                "unknown: %(unknown)s; valid: %(valid)s",
                unknown=Choices(None, unknown),
                valid=Choices(None, list(ADAPTERS)),
            )
        ]
    return chosen


def _check_rules(rules: Sequence[dict[str, Any]], problems: dict[str, list[str | Message]]) -> None:
    found: list[str | Message] = []
    for index, rule in enumerate(rules):
        kind = RULE_FIELDS.get(str(rule.get("kind")))
        if kind is None:
            found.append(
                Message(
                    "rule %(index)s: kind must be one of %(valid)s",
                    index=index,
                    valid=Choices(None, list(RULE_FIELDS), "or"),
                )
            )
            continue
        required, optional = kind
        if missing := required - set(rule):
            template, names = N_("rule %(index)s: %(kind)s needs %(names)s"), missing
        elif extra := set(rule) - required - optional:
            template, names = N_("rule %(index)s: not for a %(kind)s rule: %(names)s"), extra
        else:
            continue
        found.append(
            Message(template, index=index, kind=rule["kind"], names=Choices(None, sorted(names)))
        )
    if found:
        problems["rules"] = found


def _check_cap(daily_cap: int, problems: dict[str, list[str | Message]]) -> None:
    if not 1 <= daily_cap <= MAX_DAILY_CAP:
        problems["daily_cap"] = [Message("between 1 and %(limit)s", limit=MAX_DAILY_CAP)]


def _ensure_name_free(db_session: DbSession, name: str) -> None:
    taken = db_session.scalar(sa.select(CampaignTemplate.id).where(CampaignTemplate.name == name))
    if taken is not None:
        raise Conflict(
            "a campaign template named '%(name)s' already exists (id %(template_id)s)",
            fields={"name": [N_("already exists")]},
            name=name,
            template_id=taken,
        )
