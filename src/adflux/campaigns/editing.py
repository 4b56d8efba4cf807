"""A recruiter's changes to a campaign, and its archiving: desired state first, pushed after commit.

An edit is validated whole (every bad field named, nothing half-written), then written in one
transaction: the campaign's fields, its arms' desired state with a new revision each, the arms it
adds (published by the publish task) and those it takes off (their trees ended on the platform by
the change task), and one audit entry with the values before and after. Only after the commit are
the tasks sent (`dispatch_changes`, `dispatch_publications`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.campaigns.arms import resplit_daily_budget
from adflux.campaigns.changes import dispatch_changes, set_arm_budgets
from adflux.campaigns.compliance import (
    ACKNOWLEDGEABLE_WARNINGS,
    ensure_acknowledged,
    segment_advisories,
)
from adflux.campaigns.models import (
    CREATIVE,
    SCHEDULE,
    TARGETING,
    AdCampaign,
    PlatformPublication,
    PublicationStatus,
    campaign_segments,
)
from adflux.campaigns.service import (
    PACINGS,
    active_segments,
    budget_problems,
    campaign_today,
    dispatch_publications,
    get_campaign_or_404,
    job_audience_warnings,
    plan_arms,
    refresh_campaign_status,
)
from adflux.campaigns.status import ARCHIVED
from adflux.db import DbSession, utcnow
from adflux.errors import Conflict, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Message, one_of

EDITABLE = (
    "name",
    "daily_budget_cop",
    "total_budget_cop",
    "pacing",
    "start_date",
    "end_date",
    "segment_ids",
    "job_audience_size",
    "ad_copy",
    "auto_allocate",
)
AD_COPY_FIELDS = ("headline", "description", "primary_text")
# The campaign's fields written as they are given (the others shape its arms).
_PLAIN = ("name", "total_budget_cop", "pacing", "auto_allocate")


def edit_campaign(
    *,
    db_session: DbSession,
    campaign_id: int,
    changes: Mapping[str, Any],
    acknowledge_warnings: Collection[str] = (),
) -> AdCampaign:
    """Apply `changes` (PATCH semantics: a field left out stays; `total_budget_cop`, `end_date`,
    `job_audience_size` and `ad_copy` set to None clear it) and queue their push to every platform.

    A new daily budget is split over the arms in proportion to their current split, never under a
    platform's minimum; added segments (or a job audience) get arms of their own, published on the
    campaign's platforms; removed ones have their arms ended there (history kept). A segment
    flagged as an age proxy, or a job audience that age sets apart, needs its rule in
    `acknowledge_warnings`, as at creation. An archived campaign is not changed (409)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed("unknown fields", fields={k: [N_("unknown field")] for k in unknown})
    campaign = _locked_campaign(db_session, campaign_id)
    if campaign.archived_at is not None:
        raise Conflict(
            "campaign %(campaign_id)s is archived and cannot be changed", campaign_id=campaign_id
        )
    if not changes:  # PATCH with nothing in it: nothing changes, as RFC 5789 reads
        db_session.commit()
        return campaign
    before = _snapshot(campaign)
    live = [p for p in campaign.publications if p.status != PublicationStatus.ENDED]
    problems: dict[str, list[str | Message]] = {}
    segment_ids = list(changes.get("segment_ids", campaign.segment_ids))
    job_audience_size = changes.get("job_audience_size", campaign.job_audience_size)
    warnings = _check_audience(
        db_session, campaign, changes, live, segment_ids, job_audience_size, problems
    )
    reshaped = "segment_ids" in changes or "job_audience_size" in changes
    platforms = sorted({p.platform for p in campaign.publications})
    wanted = (
        plan_arms(platforms, segment_ids, job_audience_size)
        if reshaped
        else [(p.platform, p.arm_key, p.segment_id) for p in live]
    )
    ended_keys = {
        (p.platform, p.arm_key)
        for p in campaign.publications
        if p.status == PublicationStatus.ENDED
    }
    back = sorted({key for platform, key, _ in wanted if (platform, key) in ended_keys})
    if back:
        problems.setdefault("segment_ids", []).append(
            Message(
                "already taken off this campaign: %(arms)s; create another campaign to aim at "
                "them again",
                arms=", ".join(back),
            )
        )
    daily = changes.get("daily_budget_cop", campaign.daily_budget_cop)
    total = changes.get("total_budget_cop", campaign.total_budget_cop)
    problems.update(
        budget_problems(
            [platform for platform, _, _ in wanted], daily_budget_cop=daily, total_budget_cop=total
        )
        if wanted
        else {}
    )
    _check_plain(campaign, changes, problems)
    if problems:
        raise ValidationFailed("invalid changes", fields=problems)
    ensure_acknowledged(warnings, acknowledge_warnings)

    for name in _PLAIN:
        if name in changes:
            setattr(campaign, name, changes[name])
    campaign.daily_budget_cop = daily
    if "ad_copy" in changes:
        campaign.ad_copy = _merged_ad_copy(campaign.ad_copy, changes["ad_copy"])
    campaign.start_date = changes.get("start_date", campaign.start_date)
    campaign.end_date = changes.get("end_date", campaign.end_date)
    campaign.job_audience_size = job_audience_size
    if "segment_ids" in changes:
        _set_segments(db_session, campaign.id, segment_ids)
        db_session.expire(campaign, ["segments"])

    wanted_keys = {(platform, key) for platform, key, _ in wanted}
    kept = [p for p in live if (p.platform, p.arm_key) in wanted_keys]
    ended = [p for p in live if (p.platform, p.arm_key) not in wanted_keys]
    known = {(p.platform, p.arm_key) for p in live}
    added = [
        PlatformPublication(
            campaign_id=campaign.id, platform=platform, arm_key=key, segment_id=segment_id
        )
        for platform, key, segment_id in wanted
        if (platform, key) not in known
    ]
    changed = _mark_parts(campaign, before, kept)
    arms = [*kept, *added]
    if daily != before["daily_budget_cop"] or added or ended:
        # New arms start from the kept arms' average: the split then moves by proportion.
        average = sum(p.daily_budget_cop for p in kept) // len(kept) if kept else 0
        shares = resplit_daily_budget(
            daily, [(p.platform, p.daily_budget_cop or average) for p in arms]
        )
        for arm, share in zip(added, shares[len(kept) :], strict=True):
            arm.daily_budget_cop = share
        changed |= set(
            set_arm_budgets(
                db_session, {p.id: s for p, s in zip(kept, shares[: len(kept)], strict=True)}
            )
        )
    changed |= {p.id for p in end_arms(db_session, ended)}
    db_session.add_all(added)
    db_session.flush()
    db_session.expire(campaign, ["publications"])
    audit.record(
        db_session=db_session,
        action="campaign.edit",
        entity_type="campaign",
        entity_id=campaign.id,
        details={
            "before": before,
            "after": _snapshot(campaign),
            "arms_added": [f"{p.platform}:{p.arm_key}" for p in added],
            "arms_ended": [f"{p.platform}:{p.arm_key}" for p in ended],
            "acknowledged_warnings": sorted({w.rule for w in warnings}),
        },
    )
    db_session.commit()
    refresh_campaign_status(db_session=db_session, campaign_id=campaign.id)
    dispatch_publications(db_session=db_session, publication_ids=[p.id for p in added])
    dispatch_changes(db_session, sorted(changed))
    return campaign


def archive_campaign(*, db_session: DbSession, campaign_id: int) -> AdCampaign:
    """End every arm's tree on its platform (schedule ended and paused, through the change task)
    and set the campaign aside: no more changes or optimisation, its results and moves kept.
    Archiving an archived campaign changes nothing."""
    campaign = _locked_campaign(db_session, campaign_id)
    if campaign.archived_at is not None:
        db_session.commit()
        return campaign
    ended = end_arms(
        db_session, [p for p in campaign.publications if p.status != PublicationStatus.ENDED]
    )
    campaign.archived_at = utcnow()
    campaign.status = ARCHIVED
    audit.record(
        db_session=db_session,
        action="campaign.archive",
        entity_type="campaign",
        entity_id=campaign.id,
        details={"arms_ended": [f"{p.platform}:{p.arm_key}" for p in ended]},
    )
    db_session.commit()
    dispatch_changes(db_session, [p.id for p in ended if p.change_pending])
    return campaign


def end_arms(
    db_session: DbSession, arms: Sequence[PlatformPublication]
) -> list[PlatformPublication]:
    """Take arms off their campaign (no commit): ENDED at once, and those with a tree on their
    platform get a change that ends it (returned; the caller dispatches it after commit). An arm
    being published is ended by its publishing attempt once the tree exists."""
    now = utcnow()
    to_push = []
    for arm in arms:
        arm.ended_at = now
        has_tree = bool(arm.external_ids) or arm.status == PublicationStatus.PUBLISHING
        arm.status = PublicationStatus.ENDED.value
        arm.next_attempt_at = None
        if has_tree:
            arm.mark_changed(SCHEDULE)
            to_push.append(arm)
        else:
            arm.applied_revision = arm.revision  # nothing on the platform to change
    db_session.flush()
    return to_push


def _locked_campaign(db_session: DbSession, campaign_id: int) -> AdCampaign:
    """The campaign and its arms, locked for this transaction (PostgreSQL; SQLite serialises
    writers): an edit racing a publishing attempt sees that attempt's committed outcome."""
    get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    campaign = db_session.scalars(
        sa.select(AdCampaign)
        .where(AdCampaign.id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    db_session.scalars(
        sa.select(PlatformPublication)
        .where(PlatformPublication.campaign_id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    db_session.expire(campaign, ["publications"])
    return campaign


def _check_audience(
    db_session: DbSession,
    campaign: AdCampaign,
    changes: Mapping[str, Any],
    live: Sequence[PlatformPublication],
    segment_ids: Sequence[int],
    job_audience_size: int | None,
    problems: dict[str, list[str | Message]],
) -> list[Any]:
    """Check the new segments and job audience (into `problems`); the warnings to acknowledge."""
    warnings: list[Any] = []
    if "segment_ids" in changes:
        added = sorted(set(segment_ids) - set(campaign.segment_ids))
        try:
            segments = active_segments(db_session, added)
        except ValidationFailed as exc:
            problems.update(exc.field_messages())
        else:
            warnings += segment_advisories({s.name: s.profile or {} for s in segments})
    if "job_audience_size" in changes and job_audience_size is not None:
        try:
            found = job_audience_warnings(
                db_session, campaign.job_id, job_audience_size, sorted({p.platform for p in live})
            )
        except ValidationFailed as exc:
            problems.update(exc.field_messages())
        else:
            warnings += [w for w in found if w.rule in ACKNOWLEDGEABLE_WARNINGS]
    if ("segment_ids" in changes or "job_audience_size" in changes) and not (
        segment_ids or job_audience_size
    ):
        problems.setdefault("segment_ids", []).append(
            N_("keep at least one segment or a job audience")
        )
    return warnings


def _check_plain(
    campaign: AdCampaign, changes: Mapping[str, Any], problems: dict[str, list[str | Message]]
) -> None:
    """The dates, pacing, name and ad copy (into `problems`)."""
    today = campaign_today()
    start: date = changes.get("start_date", campaign.start_date)
    end: date | None = changes.get("end_date", campaign.end_date)
    if "start_date" in changes and changes["start_date"] != campaign.start_date:
        if campaign.start_date <= today:
            problems["start_date"] = [
                N_("the campaign has already started: its start date cannot change")
            ]
        elif start < today:
            problems["start_date"] = [N_("cannot be in the past")]
    if "end_date" in changes and end is not None:
        if end < start:
            problems["end_date"] = [N_("must be on or after the start date")]
        elif end < today:
            problems["end_date"] = [N_("cannot be in the past")]
    if "pacing" in changes and changes["pacing"] not in PACINGS:
        problems["pacing"] = [one_of(PACINGS)]
    if "name" in changes and not str(changes["name"] or "").strip():
        problems["name"] = [N_("cannot be empty")]
    copy = changes.get("ad_copy")
    if copy is not None:
        wrong = sorted(set(copy) - set(AD_COPY_FIELDS))
        if wrong:
            problems["ad_copy"] = [
                Message(
                    "unknown fields: %(unknown)s (%(known)s)",
                    unknown=Choices(None, wrong),
                    known=Choices(None, list(AD_COPY_FIELDS)),
                )
            ]


def _merged_ad_copy(
    current: Mapping[str, str] | None, given: Mapping[str, str | None] | None
) -> dict[str, str] | None:
    """PATCH semantics inside the copy too: a text given replaces, None or "" removes it."""
    if given is None:
        return None
    merged = {**(current or {}), **given}
    kept = {k: v.strip() for k, v in merged.items() if v and v.strip()}
    return kept or None


def _set_segments(db_session: DbSession, campaign_id: int, segment_ids: Sequence[int]) -> None:
    link = campaign_segments.c
    db_session.execute(sa.delete(campaign_segments).where(link.campaign_id == campaign_id))
    if segment_ids:
        db_session.execute(
            sa.insert(campaign_segments),
            [{"campaign_id": campaign_id, "segment_id": i} for i in sorted(set(segment_ids))],
        )


def _mark_parts(
    campaign: AdCampaign, before: Mapping[str, Any], kept: Sequence[PlatformPublication]
) -> set[int]:
    """New revisions for the kept arms whose schedule, targeting or creative the edit changed;
    the ids changed."""
    parts = []
    if (campaign.start_date.isoformat(), _iso(campaign.end_date)) != (
        before["start_date"],
        before["end_date"],
    ):
        parts.append(SCHEDULE)
    if campaign.ad_copy != before["ad_copy"]:
        parts.append(CREATIVE)
    # A whole-campaign or job-audience arm aims at the job audience: its size is its targeting.
    audience_changed = campaign.job_audience_size != before["job_audience_size"]
    changed = set()
    for arm in kept:
        arm_parts = [*parts]
        if audience_changed and arm.segment_id is None:
            arm_parts.append(TARGETING)
        if arm_parts:
            arm.mark_changed(*arm_parts)
            changed.add(arm.id)
    return changed


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _snapshot(campaign: AdCampaign) -> dict[str, Any]:
    """The editable values, as JSON for the audit log."""
    return {
        "name": campaign.name,
        "daily_budget_cop": campaign.daily_budget_cop,
        "total_budget_cop": campaign.total_budget_cop,
        "pacing": campaign.pacing,
        "start_date": campaign.start_date.isoformat(),
        "end_date": _iso(campaign.end_date),
        "segment_ids": campaign.segment_ids,
        "job_audience_size": campaign.job_audience_size,
        "ad_copy": dict(campaign.ad_copy) if campaign.ad_copy else None,
        "auto_allocate": campaign.auto_allocate,
        "arms": {
            f"{p.platform}:{p.arm_key}": p.daily_budget_cop
            for p in campaign.publications
            if p.status != PublicationStatus.ENDED
        },
    }
