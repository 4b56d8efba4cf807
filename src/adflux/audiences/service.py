"""A segment becomes a platform audience: consenting candidates only, hashed before they leave."""

from __future__ import annotations

import sqlalchemy as sa

from adflux.audiences.hashing import hash_members, hash_schema
from adflux.audiences.models import AudienceSync
from adflux.candidates.models import Candidate
from adflux.context import actor_var
from adflux.db import DbSession
from adflux.platforms.base import AudienceSpec, PlatformAdapter
from adflux.segmentation.models import Segment, SegmentMembership


def consenting_contacts(*, db_session: DbSession, segment: Segment) -> list[sa.Row]:
    """Email and phone of the segment's members who accepted marketing (Ley 1581 de 2012)."""
    query = (
        sa.select(Candidate.email, Candidate.phone)
        .join(SegmentMembership, SegmentMembership.candidate_id == Candidate.id)
        .where(
            SegmentMembership.segment_id == segment.id,
            SegmentMembership.run_id == segment.run_id,
            Candidate.marketing_consent.is_(True),
        )
        .order_by(Candidate.id)
    )
    return list(db_session.execute(query))


def ensure_segment_audience(
    *, db_session: DbSession, segment: Segment, adapter: PlatformAdapter
) -> AudienceSync:
    """The segment's audience on the adapter's platform, uploading it the first time only."""
    existing = db_session.scalar(
        sa.select(AudienceSync)
        .where(
            AudienceSync.segment_id == segment.id,
            AudienceSync.platform == adapter.name,
            AudienceSync.external_audience_id.is_not(None),
        )
        .order_by(AudienceSync.id.desc())
    )
    if existing is not None:
        return existing
    members, skipped = hash_members(
        adapter.name, consenting_contacts(db_session=db_session, segment=segment)
    )
    result = adapter.sync_audience(
        AudienceSpec(
            audience_key=f"adflux-seg-{segment.id}",
            name=f"AdFlux segmento {segment.id}: {segment.name}"[:120],
            members=members,
        )
    )
    sync = AudienceSync(
        segment_id=segment.id,
        run_id=segment.run_id,
        platform=adapter.name,
        external_audience_id=result.external_id,
        uploaded_count=result.uploaded,
        skipped_count=skipped,
        hash_schema=hash_schema(adapter.name),
        receipt=result.receipt,
        requested_by=actor_var.get(),
    )
    db_session.add(sync)
    # Recorded at once: the upload happened, whatever happens to the rest of the publication.
    db_session.commit()
    return sync
