"""Audiences on the platforms: consenting candidates only, hashed before they leave, and kept
current by delta.

An audience is fed by a source (`AudienceSource`): a segment's consenting members
(`segment_source`), or a job's N most likely consenting candidates (`job_source`, ranked by
`targeting.people`). The same refresh keeps either current, since who is in a job's N changes as
candidates come, go, withdraw or change.

What each audience was sent is recorded per candidate (AudienceMember), so that:
- a refresh sends only the difference: new consenting members are added, members who left the
  segment, withdrew consent, were deleted or changed their address are removed (hashed exactly as
  they were added);
- a consent withdrawal or a deletion marks the person's hashes for removal in the same transaction
  as the change, and `apply_pending_removals` (a task sent right after the commit, retried, and run
  again by every scheduled refresh) makes each platform's remove-members call.

Bounded time: the removal call is made within seconds of the change; when a platform fails, it is
retried after 30 s, 2 min and 10 min, and then at every scheduled refresh (every
AUDIENCE_REFRESH_INTERVAL_S in background/celery_app.py, 15 minutes) until the platform accepts it.
Platforms then apply a removal on their side within their own documented delay (Meta: "usually up
to 24 hours").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from adflux.audiences.hashing import hash_member, hash_member_as_uploaded, hash_schema
from adflux.audiences.models import AudienceMember, AudienceSync, MemberState
from adflux.audit import service as audit
from adflux.candidates.models import Candidate
from adflux.context import actor_var
from adflux.db import DbSession, utcnow
from adflux.platforms.base import (
    AudienceResult,
    AudienceSpec,
    HashedMember,
    PlatformAdapter,
    PlatformError,
)
from adflux.segmentation.models import Segment, SegmentMembership
from adflux.targeting import people

log = logging.getLogger(__name__)

REMOVAL_TASK = "adflux.remove_audience_members"
REFRESH_TASK = "adflux.refresh_audiences"
# Delays before the removal task's retries; after the last, the scheduled refresh keeps trying.
REMOVAL_RETRY_DELAYS_S = (30.0, 120.0, 600.0)

AdapterFor = Callable[[str], PlatformAdapter]


def audience_key(segment_id: int) -> str:
    """The key in the platform audience's name (found again after a lost answer)."""
    return f"adflux-seg-{segment_id}"


def job_audience_key(job_id: int) -> str:
    """The key in the name of the job's own audience (one per job and platform)."""
    return f"adflux-job-{job_id}"


@dataclass(frozen=True)
class AudienceSource:
    """Who one platform audience is for and who should be in it now."""

    key: str  # in the platform audience's name
    name: str
    entity_type: str  # "segment" | "job", for the audit log
    entity_id: int
    # The AudienceSync columns naming the source (segment_id + run_id, or job_id + size).
    sync_columns: dict[str, Any]
    # Id, email, phone and last change of the consenting candidates it should hold.
    contacts: Callable[[DbSession], list[sa.Row]]

    @property
    def owner(self) -> sa.ColumnElement[bool]:
        """The condition that finds this source's uploads."""
        if self.entity_type == "job":
            return AudienceSync.job_id == self.entity_id
        return AudienceSync.segment_id == self.entity_id


def segment_source(segment: Segment) -> AudienceSource:
    """A segment's consenting members of its run."""
    return AudienceSource(
        key=audience_key(segment.id),
        name=f"AdFlux segmento {segment.id}: {segment.name}"[:120],
        entity_type="segment",
        entity_id=segment.id,
        sync_columns={"segment_id": segment.id, "run_id": segment.run_id},
        # Looked up when called, so the module's function is the one that runs.
        contacts=lambda db_session: consenting_contacts(db_session=db_session, segment=segment),
    )


def job_source(*, job_id: int, size: int) -> AudienceSource:
    """The job's `size` most likely consenting candidates (targeting.people)."""
    return AudienceSource(
        key=job_audience_key(job_id),
        # No size in the name: the audience keeps it when a later campaign asks for another.
        name=f"AdFlux oferta {job_id}: candidatos más afines",
        entity_type="job",
        entity_id=job_id,
        sync_columns={"job_id": job_id, "size": size},
        contacts=lambda db_session: job_audience_contacts(
            db_session=db_session, job_id=job_id, size=size
        ),
    )


def job_audience_contacts(*, db_session: DbSession, job_id: int, size: int) -> list[sa.Row]:
    """Id, email, phone and last change of the job's `size` most likely consenting candidates
    (the ranking runs inside this one statement)."""
    chosen = people.ranked_ids(db_session=db_session, job_id=job_id, limit=size)
    query = (
        sa.select(Candidate.id, Candidate.email, Candidate.phone, Candidate.updated_at)
        .where(Candidate.id.in_(chosen), Candidate.marketing_consent.is_(True))
        .order_by(Candidate.id)
    )
    return list(db_session.execute(query))


def consenting_contacts(*, db_session: DbSession, segment: Segment) -> list[sa.Row]:
    """Id, email, phone and last change of the segment's members who accepted marketing (Ley 1581
    de 2012)."""
    query = (
        sa.select(Candidate.id, Candidate.email, Candidate.phone, Candidate.updated_at)
        .join(SegmentMembership, SegmentMembership.candidate_id == Candidate.id)
        .where(
            SegmentMembership.segment_id == segment.id,
            SegmentMembership.run_id == segment.run_id,
            Candidate.marketing_consent.is_(True),
        )
        .order_by(Candidate.id)
    )
    return list(db_session.execute(query))


def _current_sync(
    db_session: DbSession, source: AudienceSource, platform: str
) -> AudienceSync | None:
    return db_session.scalar(
        sa.select(AudienceSync)
        .where(
            source.owner,
            AudienceSync.platform == platform,
            AudienceSync.external_audience_id.is_not(None),
        )
        .order_by(AudienceSync.id.desc())
        .limit(1)
    )


def _desired(
    db_session: DbSession, source: AudienceSource, platform: str
) -> tuple[dict[int, HashedMember], int]:
    """({candidate id: member as the platform hashes it}, consenting members with no valid id)."""
    desired: dict[int, HashedMember] = {}
    skipped = 0
    for row in source.contacts(db_session):
        member = hash_member(platform, row)
        if member is None:
            skipped += 1
        else:
            desired[row.id] = member
    return desired, skipped


# Ids per IN list: under SQLite's limit on bound variables, whatever the segment's size.
_ID_BATCH = 10_000


def _still_consenting(
    db_session: DbSession, members: dict[int, HashedMember]
) -> dict[int, HashedMember]:
    """Right before an upload, the members who still consent, their rows locked until the upload
    is recorded: a withdrawal committed since the contacts were read is seen here, and one made
    now waits, then finds the rows just sent and removes them (no upload slips past it)."""
    ids = list(members)
    consenting: set[int] = set()
    for start in range(0, len(ids), _ID_BATCH):
        consenting.update(
            db_session.scalars(
                sa.select(Candidate.id)
                .where(
                    Candidate.id.in_(ids[start : start + _ID_BATCH]),
                    Candidate.marketing_consent.is_(True),
                )
                .with_for_update()
            )
        )
    return {cid: member for cid, member in members.items() if cid in consenting}


def _unique(members: list[HashedMember]) -> tuple[HashedMember, ...]:
    return tuple(dict.fromkeys(members))


def ensure_segment_audience(
    *, db_session: DbSession, segment: Segment, adapter: PlatformAdapter
) -> AudienceSync:
    """The segment's audience on the adapter's platform, created the first time and brought up to
    date by delta every time after (publishing calls this before each campaign that uses it)."""
    return ensure_audience(db_session=db_session, source=segment_source(segment), adapter=adapter)


def ensure_job_audience(
    *, db_session: DbSession, job_id: int, size: int, adapter: PlatformAdapter
) -> AudienceSync:
    """The job's own audience of its `size` most likely consenting candidates on the adapter's
    platform: one per job and platform, holding the size most recently asked for."""
    return ensure_audience(
        db_session=db_session, source=job_source(job_id=job_id, size=size), adapter=adapter
    )


def ensure_audience(
    *, db_session: DbSession, source: AudienceSource, adapter: PlatformAdapter
) -> AudienceSync:
    """The source's audience on the adapter's platform, created or refreshed by delta."""
    for attempt in range(2):
        try:
            return _refresh(db_session, source, adapter)
        except IntegrityError:
            # Another refresh of the same audience recorded the same new members first; they are
            # on the platform either way (adding is idempotent): compute the delta again.
            db_session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def _refresh(
    db_session: DbSession, source: AudienceSource, adapter: PlatformAdapter
) -> AudienceSync:
    platform = adapter.name
    sync = _current_sync(db_session, source, platform)
    if sync is None:
        desired, skipped = _desired(db_session, source, platform)
        desired = _still_consenting(db_session, desired)
        result = adapter.sync_audience(
            AudienceSpec(
                audience_key=source.key,
                name=source.name,
                members=_unique(list(desired.values())),
            )
        )
        sync = _record_sync(db_session, source, platform, result, skipped)
        _record_sent(db_session, platform, result.external_id, desired)
        audit.record(
            db_session=db_session,
            action="audience.create",
            entity_type=source.entity_type,
            entity_id=source.entity_id,
            details={"platform": platform, "added": len(desired), "skipped": skipped},
        )
        # Recorded at once: the upload happened, whatever happens to the rest of the publication.
        db_session.commit()
        return sync

    audience_id = sync.external_audience_id
    assert audience_id is not None
    sent = {
        row.candidate_id: row
        for row in db_session.scalars(
            sa.select(AudienceMember).where(
                AudienceMember.platform == platform,
                AudienceMember.external_audience_id == audience_id,
                AudienceMember.state == MemberState.SENT,
            )
        )
    }
    to_add: dict[int, HashedMember] = {}
    kept: set[int] = set()
    skipped = 0  # among the members hashed in this refresh (new or changed)
    for contact in source.contacts(db_session):
        row = sent.get(contact.id)
        if row is not None and row.updated_at >= contact.updated_at:
            # Unchanged since it was sent: no need to hash it again (this keeps the refresh before
            # every campaign cheap on large segments). Changes made through the candidates service
            # have already marked the old row for removal.
            kept.add(contact.id)
            continue
        member = hash_member(platform, contact)
        if member is None:
            skipped += 1
            continue
        kept.add(contact.id)
        if row is not None and (row.email_sha256, row.phone_sha256) == (
            member.email_sha256,
            member.phone_sha256,
        ):
            row.updated_at = utcnow()  # checked against the candidate's latest change
            continue
        to_add[contact.id] = member
        if row is not None:
            row.state = MemberState.REMOVING  # the old address goes, the new one comes
    for sent_id, row in sent.items():
        if sent_id is None or sent_id not in kept:
            row.state = MemberState.REMOVING  # left the source, withdrew, or was deleted
    db_session.flush()
    # Removals first, keeping any hash about to be (re-)added, so a changed email never takes
    # the unchanged phone with it.
    try:
        removed, deferred = _send_removals(
            db_session, adapter, audience_id, keep=_hashes(to_add.values()), source=source
        )
    except PlatformError as exc:
        # Still marked for removal (committed): the removal task and the next refresh retry it;
        # the adds below go ahead, as a campaign may be waiting for them.
        log.warning("removal from %s audience %s failed: %s", platform, audience_id, exc)
        removed, deferred = 0, []
    to_add = _still_consenting(db_session, to_add)
    if not to_add and not _resized(sync, source):
        db_session.commit()  # rows re-checked against their candidate's latest change
        return sync
    if not to_add:
        # A job audience asked for at another size that only lost people: the size asked for
        # is recorded all the same (the scheduled refresh keeps the latest size).
        new_sync = _record_sync(
            db_session, source, platform, AudienceResult(audience_id, 0, {}), skipped
        )
        db_session.commit()
        return new_sync
    result = adapter.sync_audience(
        AudienceSpec(
            audience_key=source.key,
            name=source.name,
            members=_unique(list(to_add.values())),
            existing_id=audience_id,
        )
    )
    new_sync = _record_sync(db_session, source, platform, result, skipped)
    _record_sent(db_session, platform, audience_id, to_add)
    # Rows kept back for this add (a changed email whose phone stays): their other hashes went in
    # the removal above, and the new rows hold the kept ones now, so they go in the same commit.
    # Had the add failed, they would still mark those hashes for removal.
    db_session.execute(
        sa.delete(AudienceMember).where(AudienceMember.id.in_(deferred)),
        execution_options={"synchronize_session": False},
    )
    audit.record(
        db_session=db_session,
        action="audience.refresh",
        entity_type=source.entity_type,
        entity_id=source.entity_id,
        details={"platform": platform, "added": len(to_add), "removed": removed},
    )
    db_session.commit()
    return new_sync


def _resized(sync: AudienceSync, source: AudienceSource) -> bool:
    """Whether the source asks for another size than the latest upload recorded."""
    return "size" in source.sync_columns and sync.size != source.sync_columns["size"]


def _record_sync(
    db_session: DbSession,
    source: AudienceSource,
    platform: str,
    result: AudienceResult,
    skipped: int,
) -> AudienceSync:
    sync = AudienceSync(
        **source.sync_columns,
        platform=platform,
        external_audience_id=result.external_id,
        uploaded_count=result.uploaded,
        skipped_count=skipped,
        hash_schema=hash_schema(platform),
        receipt=result.receipt,
        requested_by=actor_var.get(),
    )
    db_session.add(sync)
    return sync


def _record_sent(
    db_session: DbSession, platform: str, audience_id: str, members: dict[int, HashedMember]
) -> None:
    if not members:
        return
    # One executemany: a first upload records every member of a segment (tens of thousands).
    now = utcnow()
    db_session.execute(
        sa.insert(AudienceMember),
        [
            {
                "platform": platform,
                "external_audience_id": audience_id,
                "candidate_id": candidate_id,
                "email_sha256": member.email_sha256,
                "phone_sha256": member.phone_sha256,
                "state": MemberState.SENT,
                "attempts": 0,
                "updated_at": now,
            }
            for candidate_id, member in members.items()
        ],
    )


def _hashes(members: Iterable[HashedMember]) -> set[str]:
    return {h for m in members for h in (m.email_sha256, m.phone_sha256) if h}


# --------------------------------------------------------------------------- removals


def queue_candidate_removal(
    *, db_session: DbSession, candidate: Candidate, forget: bool
) -> list[str]:
    """Mark the candidate's hashes for removal from every platform audience that may hold them, in
    the caller's transaction; those audiences ("platform:audience id", for the audit entry). Call
    it before changing the email or phone.

    `forget` (a deletion) unlinks the rows from the candidate: only the hashes stay, and only
    until the platform has accepted their removal.
    """
    rows = list(
        db_session.scalars(
            sa.select(AudienceMember).where(AudienceMember.candidate_id == candidate.id)
        )
    )
    queued = set()
    for row in rows:
        row.state = MemberState.REMOVING
        if forget:
            row.candidate_id = None
        queued.add((row.platform, row.external_audience_id, row.email_sha256, row.phone_sha256))
    # Also the hashes computed now, by each rule the audiences of the candidate's segments were
    # uploaded with: audiences from before members were recorded hold the person without a row,
    # and one uploaded under a since-corrected rule holds that rule's hashes. Removing someone
    # absent is harmless.
    audiences = db_session.execute(
        sa.select(
            AudienceSync.platform, AudienceSync.external_audience_id, AudienceSync.hash_schema
        )
        .join(SegmentMembership, SegmentMembership.segment_id == AudienceSync.segment_id)
        .where(
            SegmentMembership.candidate_id == candidate.id,
            AudienceSync.external_audience_id.is_not(None),
        )
        .distinct()
    ).all()
    for platform, audience_id, schema in audiences:
        member = hash_member_as_uploaded(platform, candidate, schema=schema)
        if member is None or audience_id is None:
            continue
        key = (platform, audience_id, member.email_sha256, member.phone_sha256)
        if key in queued:
            continue
        queued.add(key)
        db_session.add(
            AudienceMember(
                platform=platform,
                external_audience_id=audience_id,
                candidate_id=None if forget else candidate.id,
                email_sha256=member.email_sha256,
                phone_sha256=member.phone_sha256,
                state=MemberState.REMOVING,
                attempts=0,
            )
        )
    db_session.flush()
    return sorted({f"{platform}:{audience_id}" for platform, audience_id, _e, _p in queued})


@dataclass
class RemovalOutcome:
    removed: int = 0  # rows whose removal the platforms accepted
    failed: list[str] = field(default_factory=list)  # "platform:audience" still pending


def apply_pending_removals(*, db_session: DbSession, adapter_for: AdapterFor) -> RemovalOutcome:
    """Make the remove-members call for every audience with hashes marked for removal."""
    outcome = RemovalOutcome()
    pending = db_session.execute(
        sa.select(AudienceMember.platform, AudienceMember.external_audience_id)
        .where(AudienceMember.state == MemberState.REMOVING)
        .distinct()
        .order_by(AudienceMember.platform, AudienceMember.external_audience_id)
    ).all()
    for platform, audience_id in pending:
        try:
            adapter = adapter_for(platform)
            outcome.removed += _send_removals(db_session, adapter, audience_id, keep=set())[0]
        except Exception as exc:
            # One platform (unconfigured now, an unmapped SDK error) never holds up the others;
            # its rows stay marked and the task's retries and the scheduled refresh come back.
            db_session.rollback()
            outcome.failed.append(f"{platform}:{audience_id}")
            log.warning("removal from %s audience %s failed: %s", platform, audience_id, exc)
    return outcome


def _send_removals(
    db_session: DbSession,
    adapter: PlatformAdapter,
    audience_id: str,
    *,
    keep: set[str],
    source: AudienceSource | None = None,
) -> tuple[int, list[int]]:
    """Remove the audience's rows marked `removing` on the platform, then forget them (committed);
    (rows forgotten, ids of the rows kept back).

    A hash another current member still holds (two candidates with one phone), or in `keep`, is
    not sent: removing it would take that member too. A row with a hash in `keep` stays marked
    until the add that keeps it is recorded, so a failed add never leaves that hash untracked.
    """
    platform = adapter.name
    rows = list(
        db_session.scalars(
            sa.select(AudienceMember)
            .where(
                AudienceMember.platform == platform,
                AudienceMember.external_audience_id == audience_id,
                AudienceMember.state == MemberState.REMOVING,
            )
            .order_by(AudienceMember.id)
        )
    )
    if not rows:
        return 0, []
    held = keep | {
        h
        for email, phone in db_session.execute(
            sa.select(AudienceMember.email_sha256, AudienceMember.phone_sha256).where(
                AudienceMember.platform == platform,
                AudienceMember.external_audience_id == audience_id,
                AudienceMember.state == MemberState.SENT,
            )
        )
        for h in (email, phone)
        if h
    }
    members = _unique(
        [
            HashedMember(
                email_sha256=row.email_sha256 if row.email_sha256 not in held else None,
                phone_sha256=row.phone_sha256 if row.phone_sha256 not in held else None,
            )
            for row in rows
        ]
    )
    members = tuple(m for m in members if m.email_sha256 or m.phone_sha256)
    ids = [row.id for row in rows]
    kept_back = [row for row in rows if {row.email_sha256, row.phone_sha256} & keep]
    try:
        if members:
            adapter.remove_audience_members(audience_id, members)
    except PlatformError as exc:
        # Core statements: a concurrent run (the removal task beside a refresh) may have handled
        # these rows already, which the ORM would take for an error.
        db_session.execute(
            sa.update(AudienceMember)
            .where(AudienceMember.id.in_(ids))
            .values(attempts=AudienceMember.attempts + 1, last_error=exc.message[:500])
        )
        db_session.commit()
        raise
    rows = [row for row in rows if row not in kept_back]
    if not rows:
        db_session.commit()
        return 0, [row.id for row in kept_back]
    ids = [row.id for row in rows]
    candidate_ids = sorted({row.candidate_id for row in rows if row.candidate_id is not None})
    db_session.execute(
        sa.delete(AudienceMember).where(AudienceMember.id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    for row in rows:
        db_session.expunge(row)
    audit.record(
        db_session=db_session,
        action="audience.members_removed",
        entity_type="audience",
        entity_id=f"{platform}:{audience_id}"[:64],
        details={
            "platform": platform,
            "audience_id": audience_id,
            **_removed_by(source),
            "count": len(rows),
            # Ids only (deleted candidates have none left): no personal data in the audit log.
            "candidate_ids": candidate_ids,
        },
    )
    db_session.commit()
    return len(rows), [row.id for row in kept_back]


def _removed_by(source: AudienceSource | None) -> dict[str, int | None]:
    """The segment or job whose refresh removed the rows (a withdrawal or deletion: none)."""
    if source is None:
        return {"segment_id": None}
    return {f"{source.entity_type}_id": source.entity_id}


# --------------------------------------------------------------------------- scheduled refresh


@dataclass
class RefreshOutcome:
    refreshed: int = 0
    failed: list[str] = field(default_factory=list)
    removals: RemovalOutcome = field(default_factory=RemovalOutcome)


def refresh_all_audiences(*, db_session: DbSession, adapter_for: AdapterFor) -> RefreshOutcome:
    """Pending removals first, then every segment and job audience brought up to date by delta
    (a job audience at the size most recently asked for)."""
    outcome = RefreshOutcome(
        removals=apply_pending_removals(db_session=db_session, adapter_for=adapter_for)
    )
    for source, platform in _known_audiences(db_session):
        try:
            ensure_audience(db_session=db_session, source=source, adapter=adapter_for(platform))
            outcome.refreshed += 1
        except PlatformError as exc:
            db_session.rollback()
            outcome.failed.append(f"{platform}:{source.entity_type} {source.entity_id}")
            log.warning(
                "refresh of %s audience of %s %s failed: %s",
                platform,
                source.entity_type,
                source.entity_id,
                exc,
            )
    return outcome


def _known_audiences(db_session: DbSession) -> list[tuple[AudienceSource, str]]:
    """Every audience uploaded so far, as (source, platform): segments first, then jobs."""
    uploaded = AudienceSync.external_audience_id.is_not(None)
    found: list[tuple[AudienceSource, str]] = []
    for segment_id, platform in db_session.execute(
        sa.select(AudienceSync.segment_id, AudienceSync.platform)
        .where(uploaded, AudienceSync.segment_id.is_not(None))
        .distinct()
        .order_by(AudienceSync.segment_id, AudienceSync.platform)
    ).all():
        segment = db_session.get(Segment, segment_id)
        if segment is not None:
            found.append((segment_source(segment), platform))
    latest = (
        sa.select(sa.func.max(AudienceSync.id))
        .where(uploaded, AudienceSync.job_id.is_not(None))
        .group_by(AudienceSync.job_id, AudienceSync.platform)
    )
    for job_id, size, platform in db_session.execute(
        sa.select(AudienceSync.job_id, AudienceSync.size, AudienceSync.platform)
        .where(AudienceSync.id.in_(latest))
        .order_by(AudienceSync.job_id, AudienceSync.platform)
    ).all():
        assert job_id is not None  # the statement's condition
        size = size or people.DEFAULT_JOB_AUDIENCE_SIZE  # a job upload always records its size
        found.append((job_source(job_id=job_id, size=size), platform))
    return found
