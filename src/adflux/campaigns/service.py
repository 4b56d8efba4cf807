"""Campaign use cases: create (one transaction, tasks sent after commit), read, retry, pause."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from adflux import clock
from adflux.audit import service as audit
from adflux.background.broker import queue_depth
from adflux.background.dispatch import send_each
from adflux.campaigns.adapters import (
    adapter_for,
    min_custom_audience,
    platform_infos,
)
from adflux.campaigns.arms import (
    DEFAULT_DAILY_BUDGET_COP,
    arm_minimum,
    default_daily_budget,
    minimum_daily_budget,
    split_daily_budget,
)
from adflux.campaigns.changes import dispatch_changes
from adflux.campaigns.compliance import (
    ACKNOWLEDGEABLE_WARNINGS,
    Advisory,
    ensure_acknowledged,
    segment_advisories,
)
from adflux.campaigns.models import (
    CAMPAIGN_ARM,
    JOB_AUDIENCE_ARM,
    SEGMENT_ARM,
    AdCampaign,
    Pacing,
    PlatformCredential,
    PlatformPublication,
    PublicationStatus,
    audience_warnings,
    campaign_segments,
    change_state,
    compliance_warnings,
)
from adflux.campaigns.status import ARCHIVED, derive_campaign_status
from adflux.context import actor_var
from adflux.db import DbSession, as_dicts, row_reader, utcnow, write_or_recheck
from adflux.errors import Conflict, NotFound, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Code, Message, Money, one_of
from adflux.jobs.models import JobOpening, JobStatus
from adflux.metrics import RELAYED
from adflux.pagination import Page, paginate
from adflux.platforms.base import PlatformError
from adflux.platforms.registry import PlatformInfo
from adflux.segmentation.models import Segment, SegmentationRun
from adflux.targeting import people
from adflux.targeting import service as targeting

log = logging.getLogger(__name__)

PUBLISH_TASK = "adflux.publish_publication"
# A campaign's start and end dates are days where its ads run: Colombia, Magneto's market.
CAMPAIGN_TZ = ZoneInfo("America/Bogota")
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 100  # the column's length
__all__ = ["DEFAULT_DAILY_BUDGET_COP"]  # where the dashboard's form reads its default
PACINGS = tuple(p.value for p in Pacing)
OBJECTIVES = ("traffic", "leads", "awareness")
# A job audience nobody fits yet: said on the campaign, nothing to acknowledge.
JOB_AUDIENCE_EMPTY = "job_audience_empty"
# A job audience smaller than some chosen platform's minimum: not uploaded there for now.
JOB_AUDIENCE_TOO_SMALL = "job_audience_too_small"


def create_campaign(
    *,
    db_session: DbSession,
    job_id: int,
    platforms: Sequence[str],
    segment_ids: Sequence[int] = (),
    name: str | None = None,
    daily_budget_cop: int | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    objective: str = "traffic",
    idempotency_key: str | None = None,
    acknowledge_warnings: Collection[str] = (),
    job_audience_size: int | None = None,
    total_budget_cop: int | None = None,
    pacing: str = Pacing.EVEN.value,
) -> tuple[AdCampaign, bool]:
    """Store the campaign, its segments and its arms (one pending publication per platform and
    segment, or job audience; see `plan_arms`), with the daily budget split over them, then queue
    them.

    Returns (campaign, created): a repeated idempotency key returns the first campaign unchanged;
    the same key with another request is refused (422), as Stripe and the IETF draft do.
    Without `segment_ids` and `job_audience_size` the campaign aims at the segments recommended
    for the job, or, when none fits, at the job's own audience (`aim`). A segment flagged as an
    age proxy needs its warning's rule in `acknowledge_warnings`; one that fits the job poorly is
    only warned about (`warnings`).
    `job_audience_size`: the campaign also targets the job's N most likely consenting candidates
    (targeting.people), uploaded as a custom audience of the job's own; if age alone sets them
    apart, its warning (job_audience_age_skew) needs acknowledging too.
    """
    # The request as sent, not the segments it resolves to: a retry of a request that left the
    # segments to the recommendation is the same request even if the recommendation has changed
    # since, and gets the first campaign back.
    fingerprint = _request_fingerprint(
        job_id=job_id,
        platforms=sorted({p.strip().lower() for p in platforms}),
        segment_ids=sorted(set(segment_ids)),
        name=name,
        daily_budget_cop=daily_budget_cop,
        start_date=start_date,
        end_date=end_date,
        objective=objective,
        job_audience_size=job_audience_size,
        # Only when given: a key stored before these existed keeps replaying its campaign.
        **({"total_budget_cop": total_budget_cop} if total_budget_cop is not None else {}),
        **({"pacing": pacing} if pacing != Pacing.EVEN.value else {}),
    )
    if idempotency_key and len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed(
            "the Idempotency-Key is too long",
            fields={IDEMPOTENCY_HEADER: [N_("at most %(limit)s characters")]},
            limit=IDEMPOTENCY_KEY_MAX,
        )
    if idempotency_key:
        earlier = _replay(db_session, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier

    job = db_session.get(JobOpening, job_id)
    if job is None:
        raise NotFound(
            "job %(job_id)s does not exist", fields={"job_id": [N_("unknown job")]}, job_id=job_id
        )
    if job.status != JobStatus.OPEN:
        raise ValidationFailed(
            "job %(job_id)s is %(status)s: campaigns are created only for open jobs; reopen it "
            "first (POST /api/v1/jobs/%(job_id)s/reopen, or adflux reopen-job %(job_id)s)",
            fields={"job_id": [N_("the job is %(status)s; reopen it first")]},
            job_id=job_id,
            status=Code("job_status", job.status),
        )
    chosen = _validate_platforms(platforms)
    aimed = aim(
        db_session=db_session,
        job_id=job.id,
        segment_ids=segment_ids,
        job_audience_size=job_audience_size,
        platforms=chosen,
    )
    segments = aimed.segments
    audience_warnings = job_audience_warnings(db_session, job.id, aimed.job_audience_size, chosen)
    # What the operator must confirm: age-proxy segments, a job audience that age sets apart.
    warnings = [
        *segment_advisories({s.name: s.profile or {} for s in segments}),
        *(w for w in audience_warnings if w.rule in ACKNOWLEDGEABLE_WARNINGS),
    ]
    ensure_acknowledged(warnings, acknowledge_warnings)
    arms = plan_arms(chosen, [s.id for s in segments], aimed.job_audience_size)
    arm_platforms = [platform for platform, _key, _segment in arms]
    budget = daily_budget_cop
    if budget is None:
        budget = default_daily_budget(arm_platforms)
    problems = budget_problems(
        arm_platforms, daily_budget_cop=budget, total_budget_cop=total_budget_cop
    )
    if pacing not in PACINGS:
        problems["pacing"] = [one_of(PACINGS)]
    if problems:
        raise ValidationFailed("invalid budget", fields=problems)
    start = start_date or campaign_today()
    _validate_dates(start, end_date)
    if objective not in OBJECTIVES:
        raise ValidationFailed("unknown objective", fields={"objective": [one_of(OBJECTIVES)]})

    campaign = AdCampaign(
        job_id=job.id,
        name=name or f"{job.title} · {job.city}",
        status="queued",
        objective=objective,
        daily_budget_cop=budget,
        total_budget_cop=total_budget_cop,
        pacing=pacing,
        start_date=start,
        end_date=end_date,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint if idempotency_key else None,
        created_by=actor_var.get(),
        job_audience_size=aimed.job_audience_size,
        creation_warnings=[w.to_json() for w in (*aimed.fit_warnings, *audience_warnings)],
    )

    def claim_key() -> tuple[AdCampaign, bool]:
        db_session.add(campaign)
        db_session.flush()  # the idempotency key's unique index decides a race here
        return campaign, True

    # Requests with one key at once: one inserts, the others get its campaign (or the 422).
    campaign, created = write_or_recheck(
        db_session,
        claim_key,
        recheck=lambda: (
            _replay(db_session, idempotency_key, fingerprint) if idempotency_key else None
        ),
    )
    if not created:
        return campaign, False
    if segments:
        db_session.execute(
            sa.insert(campaign_segments),
            [{"campaign_id": campaign.id, "segment_id": s.id} for s in segments],
        )
    publications = [
        PlatformPublication(
            campaign_id=campaign.id,
            platform=platform,
            arm_key=arm_key,
            segment_id=segment_id,
            daily_budget_cop=share,
        )
        for (platform, arm_key, segment_id), share in zip(
            arms, split_daily_budget(budget, arm_platforms), strict=True
        )
    ]
    db_session.add_all(publications)
    db_session.flush()
    audit.record(
        db_session=db_session,
        action="campaign.create",
        entity_type="campaign",
        entity_id=campaign.id,
        details={
            "job_id": job.id,
            "platforms": chosen,
            "arms": [f"{p.platform}:{p.arm_key}" for p in publications],
            "daily_budget_cop": budget,
            "total_budget_cop": total_budget_cop,
            "pacing": pacing,
            "segment_ids": [s.id for s in segments],
            "job_audience_size": aimed.job_audience_size,
            "segments_recommended": aimed.recommended,
            "fit_warnings": [w.rule for w in aimed.fit_warnings],
            # Who confirmed which warnings is on record: the entry carries the actor.
            "acknowledged_warnings": sorted({w.rule for w in warnings}),
        },
    )
    db_session.commit()
    dispatch_publications(db_session=db_session, publication_ids=[p.id for p in publications])
    return campaign, True


def job_audience_warnings(
    db_session: DbSession, job_id: int, size: int | None, platforms: Sequence[str]
) -> list[Advisory]:
    """Check a job audience's size; its warnings: age alone sets its people apart (to be
    acknowledged), no one fits the job yet, or fewer than some of the `platforms` target (said,
    not blocking: the campaign still aims by the job's places, keywords and segments there, and
    publishing adds the audience once enough people fit)."""
    if size is None:
        return []
    low, high = people.JOB_AUDIENCE_MIN, people.JOB_AUDIENCE_MAX
    if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
        raise ValidationFailed(
            "job audience size out of range",
            fields={people.SIZE_FIELD: [N_("must be a whole number between %(low)s and %(high)s")]},
            low=low,
            high=high,
        )
    preview = people.job_audience_preview(db_session=db_session, job_id=job_id, size=size)
    if preview.reach == 0:
        (reason,) = preview.reasons
        return [
            Advisory(
                rule=JOB_AUDIENCE_EMPTY,
                field=people.SIZE_FIELD,
                message=Message(
                    "%(why)s: the job audience is empty for now and the campaign aims by the "
                    "job's places, keywords and segments",
                    why=reason.message,
                ),
            )
        ]
    found: list[Advisory] = []
    minimums = {
        info.display_name: min_custom_audience(info.name)
        for info in platform_infos()
        if info.name in platforms
    }
    too_small = job_audience_too_small(preview.reach, minimums)
    if too_small is not None:
        found.append(too_small)
    if preview.age_warning is not None:
        found.append(preview.age_warning)
    return found


def job_audience_too_small(reach: int, minimums: Mapping[str, int]) -> Advisory | None:
    """The warning for the platforms whose minimum audience (the platform's name as a recruiter
    reads it -> the fewest people it targets) a job audience of `reach` people misses; None when
    it meets every one."""
    missed = {p: n for p, n in minimums.items() if reach < n}
    if not missed:
        return None
    return Advisory(
        rule=JOB_AUDIENCE_TOO_SMALL,
        field=people.SIZE_FIELD,
        message=Message(
            "The job audience holds %(reach)s people, fewer than each platform requires to "
            "target a custom audience (%(missed)s): it is not uploaded there for now and the "
            "campaign aims by the job's places, keywords and segments; it is added once enough "
            "candidates fit",
            reach=reach,
            missed=tuple(
                Message("%(platform)s: %(minimum)s", platform=p, minimum=n)
                for p, n in missed.items()
            ),
        ),
    )


@dataclass(frozen=True)
class Aim:
    """What a campaign aims at: its segments, whether they are the recommendation (none was
    chosen), the job audience's size (None: none), and what the recruiter should know about the
    fit."""

    segments: list[Segment]
    recommended: bool
    fit_warnings: list[Advisory]
    job_audience_size: int | None = None


def aim(
    *,
    db_session: DbSession,
    job_id: int,
    segment_ids: Sequence[int],
    job_audience_size: int | None = None,
    platforms: Sequence[str] = (),
) -> Aim:
    """The chosen segments (those of the active run; others are refused), warned about when
    they fit the job poorly, and the job audience if asked for. Without a choice of either, the
    segments recommended for the job; when none fits, the job's own audience of its most likely
    candidates (when someone fits and age does not set them apart), else nothing but the job's
    own places and keywords; either way with the reason no segment fits. The job audience is
    fallen back on only when it reaches the minimum of at least one of the `platforms`."""
    if segment_ids:
        segments = active_segments(db_session, segment_ids)
        found = targeting.fit_warnings(
            db_session=db_session, job_id=job_id, segment_ids=[s.id for s in segments]
        )
        return Aim(segments, False, list(found), job_audience_size)
    if job_audience_size is not None:
        return Aim([], recommended=False, fit_warnings=[], job_audience_size=job_audience_size)
    audience = targeting.job_audience(db_session=db_session, job_id=job_id)
    recommended = targeting.recommended_segment_ids(audience)
    if recommended:
        return Aim(
            # Best fit first, as the recommendation ranks them.
            sorted(active_segments(db_session, recommended), key=lambda s: recommended.index(s.id)),
            recommended=True,
            fit_warnings=[],
        )
    fallback = fallback_job_audience(db_session, job_id, platforms)
    no_fit = targeting.no_fit_warning(audience, job_audience_size=fallback)
    return Aim([], True, [no_fit] if no_fit else [], fallback)


def fallback_job_audience(
    db_session: DbSession, job_id: int, platforms: Sequence[str]
) -> int | None:
    """The job audience a campaign falls back on when no segment fits: the default size, unless
    it is too small for every chosen platform (none would deliver to it; with none chosen yet,
    unless nobody fits) or age alone sets the chosen people apart (only an operator may aim at
    such an audience, confirming the offer is open to every age, as with age-proxy segments)."""
    size = people.DEFAULT_JOB_AUDIENCE_SIZE
    preview = people.job_audience_preview(db_session=db_session, job_id=job_id, size=size)
    smallest = min((min_custom_audience(p) for p in platforms), default=1)
    if preview.reach < max(1, smallest) or preview.age_warning is not None:
        return None
    return size


def campaign_today() -> date:
    """Today in the campaigns' time zone: a form filled in Bogotá at 21:00 means this day."""
    return clock.now().astimezone(CAMPAIGN_TZ).date()


def _request_fingerprint(**params: Any) -> str:
    """A digest of a request's canonical parameters, to tell a retry from another request."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(
    db_session: DbSession, idempotency_key: str, fingerprint: str
) -> tuple[AdCampaign, bool] | None:
    """The campaign an earlier request with this key created, if the request was the same."""
    earlier = db_session.scalar(
        sa.select(AdCampaign).where(AdCampaign.idempotency_key == idempotency_key)
    )
    if earlier is None:
        return None
    # Campaigns stored before fingerprints existed have none: they replay as they always did.
    if earlier.idempotency_fingerprint not in (None, fingerprint):
        raise ValidationFailed(
            "this Idempotency-Key was already used for another request (campaign "
            "%(campaign_id)s); send a new key for a new campaign",
            fields={IDEMPOTENCY_HEADER: [N_("already used for a request with other parameters")]},
            campaign_id=earlier.id,
        )
    return earlier, False


def dispatch_publications(*, db_session: DbSession, publication_ids: Sequence[int]) -> list[int]:
    """Queue one publishing task per publication (after commit); returns the ids queued.

    A pending publication without `next_attempt_at` has its task in the broker; one the broker
    refused is made due at once, so the relay sends it as soon as the broker is back.
    """
    queued, refused = send_each(PUBLISH_TASK, publication_ids)
    if refused:
        _update_pending(db_session, refused, next_attempt_at=utcnow())
    return queued


def _update_pending(db_session: DbSession, publication_ids: Sequence[int], **values: Any) -> None:
    """Set `values` on those of the publications that are still pending, and commit."""
    db_session.execute(
        sa.update(PlatformPublication)
        .where(
            PlatformPublication.id.in_(publication_ids),
            PlatformPublication.status == PublicationStatus.PENDING.value,
        )
        .values(**values)
    )
    db_session.commit()


def list_campaigns(
    *,
    db_session: DbSession,
    limit: int,
    offset: int = 0,
    status: str | None = None,
    job_id: int | None = None,
    include_archived: bool = False,
) -> Page[dict[str, Any]]:
    """Campaigns, newest first; archived ones only when asked for (or by their status).

    Read-only documents, read as rows: the campaign's columns, its ``segment_ids``, its
    ``publications`` (each arm's columns, its ``segment`` as {id, name} and ``change_state``) and
    its ``warnings``, what `AdCampaign` shows under the same names. Three statements (the page,
    its arms, its segments) and no entities: building 50 campaigns and their 200 arms as tracked
    objects cost more than the queries.
    """
    given: dict[str, Any] = {"status": status} if status else {}
    if job_id is not None:
        given["job_id"] = job_id
    query = _campaigns_query(frozenset(given), with_archived=include_archived or bool(status))
    page = paginate(db_session, query, limit=limit, offset=offset, params=given, as_rows=True)
    ids = [row.id for row in page.items]
    arms: dict[int, list[dict[str, Any]]] = {campaign_id: [] for campaign_id in ids}
    segments: dict[int, list[sa.Row[Any]]] = {campaign_id: [] for campaign_id in ids}
    if ids:
        reader = row_reader(db_session)
        for arm in as_dicts(reader.execute(_ARMS_OF, {"ids": ids}).all()):
            arms[arm["campaign_id"]].append(_listed_arm(arm))
        for segment in reader.execute(_SEGMENTS_OF, {"ids": ids}):
            segments[segment.campaign_id].append(segment)
    items = []
    for row, document in zip(page.items, as_dicts(page.items), strict=True):
        chosen = segments[row.id]
        document.pop("_total")
        document["segment_ids"] = [segment.id for segment in chosen]
        document["publications"] = arms[row.id]
        document["warnings"] = [
            *compliance_warnings({s.name: s.profile or {} for s in chosen}, row.creation_warnings),
            *audience_warnings(row.creation_warnings),
        ]
        items.append(document)
    return Page(items=items, total=page.total, limit=limit, offset=offset)


@functools.cache
def _campaigns_query(filters: frozenset[str], *, with_archived: bool) -> sa.Select[Any]:
    """The list's query for the filters named, their values as parameters: one statement per
    combination, built once (see `paginate`)."""
    query = sa.select(AdCampaign.__table__).order_by(AdCampaign.id.desc())
    if "status" in filters:
        query = query.where(AdCampaign.status == sa.bindparam("status"))
    if not with_archived:
        query = query.where(AdCampaign.archived_at.is_(None))
    if "job_id" in filters:
        query = query.where(AdCampaign.job_id == sa.bindparam("job_id"))
    return query


# A page's arms with their segments' names, and its target segments: built once (statements
# rebuilt per request cost their construction and cache key every time).
_ARMS_OF = (
    sa.select(PlatformPublication.__table__, Segment.name.label("segment_name"))
    .outerjoin(Segment, Segment.id == PlatformPublication.segment_id)
    .where(PlatformPublication.campaign_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(PlatformPublication.campaign_id, PlatformPublication.platform, PlatformPublication.id)
)
_SEGMENTS_OF = (
    sa.select(campaign_segments.c.campaign_id, Segment.id, Segment.name, Segment.profile)
    .join(Segment, Segment.id == campaign_segments.c.segment_id)
    .where(campaign_segments.c.campaign_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(campaign_segments.c.campaign_id, Segment.id)
)


def _listed_arm(arm: dict[str, Any]) -> dict[str, Any]:
    """An arm's row as the list shows it (``arm``, its columns by name, is completed)."""
    name = arm.pop("segment_name")
    arm["segment"] = None if arm["segment_id"] is None else {"id": arm["segment_id"], "name": name}
    arm["change_state"] = change_state(
        arm["applied_revision"], arm["revision"], arm["change_error"]
    )
    return arm


def get_campaign_or_404(*, db_session: DbSession, campaign_id: int) -> AdCampaign:
    campaign = db_session.get(AdCampaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign %(campaign_id)s does not exist", campaign_id=campaign_id)
    return campaign


def refresh_campaign_status(*, db_session: DbSession, campaign_id: int) -> str:
    """Recompute the stored status from the publications, holding the campaign row.

    The publications are read by a statement that starts once the row lock is held, so a worker
    that waited for another's lock sees that worker's committed outcome: deriving in the UPDATE
    itself would read them as of before the wait and could write back a stale status. Core
    statements, and an UPDATE only when the status changes (twice in a three-platform campaign's
    six refreshes): this runs at the end of every publishing attempt.
    """
    campaigns = AdCampaign.__table__
    publications = PlatformPublication.__table__
    found = db_session.execute(
        sa.select(campaigns.c.status, campaigns.c.archived_at)
        .where(campaigns.c.id == campaign_id)
        .with_for_update()
    ).one_or_none()
    if found is None:
        return "unknown"
    stored, archived_at = found
    status = (
        ARCHIVED
        if archived_at is not None
        else derive_campaign_status(
            db_session.execute(
                sa.select(publications.c.status).where(publications.c.campaign_id == campaign_id)
            ).scalars()
        )
    )
    if status != stored:
        db_session.execute(
            campaigns.update().where(campaigns.c.id == campaign_id).values(status=status)
        )
    db_session.commit()
    # A copy of the campaign this session holds shows the status it now has in the database.
    loaded = db_session.identity_map.get(identity_key(AdCampaign, campaign_id))
    if loaded is not None:
        set_committed_value(loaded, "status", status)
    return status


def retry_failed(*, db_session: DbSession, campaign_id: int) -> AdCampaign:
    """Put every failed publication back in the queue."""
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    failed = [p for p in campaign.publications if p.status == PublicationStatus.FAILED]
    if not failed:
        raise Conflict(
            "campaign %(campaign_id)s has no failed publication to retry", campaign_id=campaign_id
        )
    for publication in failed:
        publication.status = PublicationStatus.PENDING.value
        publication.attempts = 0
        publication.next_attempt_at = None
    audit.record(
        db_session=db_session,
        action="campaign.retry",
        entity_type="campaign",
        entity_id=campaign.id,
        details={"platforms": [p.platform for p in failed]},
    )
    db_session.commit()
    refresh_campaign_status(db_session=db_session, campaign_id=campaign.id)
    dispatch_publications(db_session=db_session, publication_ids=[p.id for p in failed])
    return campaign


def set_arms_active(
    arms: Sequence[PlatformPublication], *, active: bool
) -> dict[PlatformPublication, str]:
    """Pause (False) or resume (True) each arm's tree on its platform and set its status (not
    committed); returns the arms a platform refused, with its message, left as they were."""
    refused: dict[PlatformPublication, str] = {}
    for arm in arms:
        try:
            adapter_for(arm.platform).set_active(arm.external_ids, active)
        except PlatformError as exc:
            refused[arm] = exc.message
            continue
        arm.status = PublicationStatus.PUBLISHED.value if active else PublicationStatus.PAUSED.value
    return refused


def set_campaign_active(*, db_session: DbSession, campaign_id: int, active: bool) -> AdCampaign:
    """Pause or resume every published platform tree of the campaign, through the adapters."""
    campaign = get_campaign_or_404(db_session=db_session, campaign_id=campaign_id)
    if campaign.archived_at is not None:
        raise Conflict("campaign %(campaign_id)s is archived", campaign_id=campaign_id)
    wanted_from = PublicationStatus.PUBLISHED if not active else PublicationStatus.PAUSED
    targets = [p for p in campaign.publications if p.status == wanted_from]
    if not targets:
        none_to_change = (
            N_("campaign %(campaign_id)s has no paused publication to resume")
            if active
            else N_("campaign %(campaign_id)s has no published publication to pause")
        )
        raise Conflict(none_to_change, campaign_id=campaign_id)
    errors: dict[str, list[str]] = {}
    for publication, message in set_arms_active(targets, active=active).items():
        errors.setdefault(publication.platform, []).append(message)
    audit.record(
        db_session=db_session,
        action="campaign.resume" if active else "campaign.pause",
        entity_type="campaign",
        entity_id=campaign.id,
        details={"failed": errors},
    )
    db_session.commit()
    refresh_campaign_status(db_session=db_session, campaign_id=campaign.id)
    if active:
        # Edits made while paused were pushed then; one still pending goes now, before it spends.
        dispatch_changes(db_session, [p.id for p in targets if p.change_pending])
    if errors:
        raise Conflict("some platforms did not accept the change", fields=errors)
    return campaign


def relay_due_publications(
    *, db_session: DbSession, grace_s: float = 15.0, batch: int = 500
) -> int:
    """Re-dispatch pending work whose time has come and reclaim work stuck in 'publishing'.

    A publication can be pending with no task in the broker (the broker refused it, a retry's
    time came and went) or stuck publishing (worker killed: its claim no longer renewed for
    `claim_stale_after_s`, campaigns/claims.py). One whose task the broker took waits
    in the queue, however long the queue: only after `publish_stale_after_s` without a start is
    its message taken for lost (a broker restarted without persistence). Sending every queued
    publication again each sweep made a long queue longer with tasks that found nothing to do.
    The task's claim makes a second delivery harmless.
    """
    now = utcnow()
    settings = current_app.config["ADFLUX_SETTINGS"]
    lost_after_s = settings.publish_stale_after_s
    if _broker_queue_is_empty(settings):
        # Nothing waits in the broker, yet these were queued and never started: their messages
        # sat in a dead worker's prefetch (redelivered by Redis only after its visibility
        # timeout) or were lost. A live worker's prefetch starts within seconds, and a second
        # delivery is harmless (the claim).
        lost_after_s = min(lost_after_s, settings.claim_stale_after_s)
    stale = now - timedelta(seconds=lost_after_s)
    abandoned = now - timedelta(seconds=settings.claim_stale_after_s)
    quiet = now - timedelta(seconds=grace_s)
    rows = db_session.execute(
        sa.select(
            PlatformPublication.id,
            PlatformPublication.status,
            PlatformPublication.next_attempt_at,
        )
        .where(
            sa.or_(
                sa.and_(
                    PlatformPublication.status == PublicationStatus.PENDING.value,
                    PlatformPublication.next_attempt_at <= now,
                    PlatformPublication.updated_at < quiet,
                ),
                sa.and_(
                    PlatformPublication.status == PublicationStatus.PENDING.value,
                    PlatformPublication.next_attempt_at.is_(None),
                    PlatformPublication.updated_at < stale,
                ),
                sa.and_(
                    PlatformPublication.status == PublicationStatus.PUBLISHING.value,
                    PlatformPublication.claimed_at < abandoned,
                ),
            )
        )
        .order_by(PlatformPublication.id)
        .limit(batch)
    ).all()
    if not rows:
        return 0
    due = [row[0] for row in rows]
    _log_relayed(rows)
    # Touch them so the next sweep leaves them alone while these tasks run.
    _update_pending(db_session, due, updated_at=now)
    queued = dispatch_publications(db_session=db_session, publication_ids=due)
    if queued:  # in the broker now: waiting in its queue is not being due
        _update_pending(db_session, queued, next_attempt_at=None)
    return len(queued)


def _broker_queue_is_empty(settings: Any) -> bool:
    """True when a broker is configured and its queue holds no task (False when it cannot say)."""
    if settings.is_embedded:
        return False
    try:
        return queue_depth(current_app.extensions["celery"]) == 0
    except Exception:  # kombu raises several types for "broker down": assume it holds them
        return False


def _log_relayed(rows: Sequence[Any]) -> None:
    """Say what the relay sends again and why, and count it by reason."""
    reasons: dict[str, list[int]] = {}
    for publication_id, status, next_attempt_at in rows:
        if status == PublicationStatus.PUBLISHING.value:
            reason = "abandoned_claim"  # its worker stopped renewing the claim: it died
        elif next_attempt_at is not None:
            reason = "retry_due"  # a retry's time came, or the broker refused its task
        else:
            reason = "lost_in_queue"  # queued long ago and never started
        reasons.setdefault(reason, []).append(publication_id)
    for reason, ids in reasons.items():
        RELAYED.labels(reason).inc(len(ids))
    log.info(
        "relay: sending %d publication(s) again: %s",
        len(rows),
        "; ".join(
            f"{reason} {len(ids)} ({', '.join(map(str, ids[:10]))}{'…' if len(ids) > 10 else ''})"
            for reason, ids in sorted(reasons.items())
        ),
    )


def list_platforms(*, db_session: DbSession) -> list[PlatformInfo]:
    """Every platform, `ready` only when a publication on it can succeed now.

    Beyond `platform_infos` (SDK, settings, ad image): a credential the platform refused on a
    publication is asked again here (one cheap authenticated call); until it works the platform
    is not ready, and once it does it is marked healthy again.
    """
    refused = {
        row.platform: row
        for row in db_session.scalars(
            sa.select(PlatformCredential).where(PlatformCredential.healthy.is_(False))
        )
    }
    infos = []
    for info in platform_infos():
        row = refused.get(info.name)
        if info.ready and row is not None:
            status = adapter_for(info.name).check_credentials()
            row.healthy, row.message, row.checked_at = status.ok, status.message, utcnow()
            if not status.ok:
                reason = f"the credential is refused ({status.message}); reconnect the account"
                info = dataclasses.replace(info, ready=False, reason=reason)
        infos.append(info)
    db_session.commit()
    return infos


def _validate_platforms(platforms: Sequence[str]) -> list[str]:
    infos = {info.name: info for info in platform_infos()}
    chosen: list[str] = []
    problems: list[str | Message] = []
    for raw in platforms:
        name = raw.strip().lower()
        if name in chosen:
            continue
        info = infos.get(name)
        if info is None:
            problems.append(
                Message(
                    "unknown platform '%(platform)s'; valid: %(valid)s",
                    platform=raw,
                    valid=Choices(None, list(infos)),
                )
            )
        elif not info.ready:
            problems.append(
                Message(
                    "%(platform)s is not usable here: %(reason)s",
                    platform=Code("platform", name),
                    reason=info.reason,
                )
            )
        else:
            chosen.append(name)
    if not platforms:
        problems.append(N_("choose at least one platform"))
    if problems:
        raise ValidationFailed("invalid platforms", fields={"platforms": problems})
    return chosen


def active_segments(db_session: DbSession, segment_ids: Sequence[int]) -> list[Segment]:
    if not segment_ids:
        return []
    wanted = sorted(set(segment_ids))
    found = db_session.scalars(
        sa.select(Segment)
        .join(SegmentationRun, SegmentationRun.id == Segment.run_id)
        .where(Segment.id.in_(wanted), SegmentationRun.is_active.is_(True))
    ).all()
    missing = sorted(set(wanted) - {s.id for s in found})
    if missing:
        raise ValidationFailed(
            "segments must belong to the active segmentation run",
            fields={"segment_ids": [N_("not in the active run: %(segment_ids)s")]},
            segment_ids=", ".join(map(str, missing)),
        )
    return list(found)


def plan_arms(
    platforms: Sequence[str], segment_ids: Sequence[int], job_audience_size: int | None
) -> list[tuple[str, str, int | None]]:
    """A campaign's arms as (platform, arm key, segment id): on each platform one arm per
    segment and one for the job's audience when it has one; the whole-campaign arm (its places
    and keywords) only when it has neither."""
    keys: list[tuple[str, int | None]] = [(SEGMENT_ARM % i, i) for i in segment_ids]
    if job_audience_size:
        keys.append((JOB_AUDIENCE_ARM, None))
    if not keys:
        keys.append((CAMPAIGN_ARM, None))
    return [(platform, key, segment_id) for platform in platforms for key, segment_id in keys]


def budget_problems(
    arm_platforms: Sequence[str], *, daily_budget_cop: int, total_budget_cop: int | None
) -> dict[str, list[str | Message]]:
    """What is wrong with a campaign's budgets for arms on `arm_platforms` (one entry per arm):
    the daily budget must cover every arm's platform minimum, the total at least one day of
    them; {field: messages}, empty when both hold."""
    problems: dict[str, list[str | Message]] = {}
    needed = minimum_daily_budget(arm_platforms)
    if daily_budget_cop < needed:
        each = [
            Message(
                N_("%(platform)s needs at least %(amount)s per day per arm (%(count)s arms)")
                if count > 1
                else N_("%(platform)s needs at least %(amount)s per day"),
                platform=Code("platform", platform),
                amount=Money(arm_minimum(platform)),
                count=count,
            )
            for platform, count in Counter(arm_platforms).items()
        ]
        problems["daily_budget_cop"] = [
            Message(
                N_("the %(count)s arms need at least %(needed)s per day (%(each)s)")
                if len(arm_platforms) > 1
                else N_("1 arm needs at least %(needed)s per day (%(each)s)"),
                count=len(arm_platforms),
                needed=Money(needed),
                each=each,
            )
        ]
    if total_budget_cop is not None and total_budget_cop < needed:
        problems["total_budget_cop"] = [
            Message(
                "must cover at least one day of the arms' minimums (%(needed)s)",
                needed=Money(needed),
            )
        ]
    return problems


def _validate_dates(start: date, end: date | None) -> None:
    if start < campaign_today() - timedelta(days=1):
        raise ValidationFailed(
            "start date is in the past", fields={"start_date": [N_("in the past")]}
        )
    if end is not None and end < start:
        raise ValidationFailed(
            "end date before start date",
            fields={"end_date": [N_("must be on or after the start date")]},
        )
