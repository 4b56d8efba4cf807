"""Pausing single arms of a campaign (a rule's cost-per-application stop, an arm the day's budget
cannot cover), where `set_campaign_active` pauses them all."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.campaigns.models import PlatformPublication, PublicationStatus
from adflux.campaigns.service import refresh_campaign_status, set_arms_active
from adflux.db import DbSession


def pause_arms(db_session: DbSession, publication_ids: Sequence[int], *, reason: str) -> list[int]:
    """Pause each published arm on its platform (others are left as they are), audited with
    `reason`; commits and returns the ids paused. A platform refusing leaves its arm published,
    with the platform's message in the audit entry."""
    arms = db_session.scalars(
        sa.select(PlatformPublication)
        .where(
            PlatformPublication.id.in_(list(publication_ids)),
            PlatformPublication.status == PublicationStatus.PUBLISHED.value,
        )
        .order_by(PlatformPublication.id)
    ).all()
    refused = set_arms_active(arms, active=False)
    paused = [arm.id for arm in arms if arm not in refused]
    for arm in arms:
        error = refused.get(arm)
        audit.record(
            db_session=db_session,
            action="publication.pause",
            entity_type="publication",
            entity_id=arm.id,
            details={"campaign_id": arm.campaign_id, "reason": reason, "error": error},
        )
    db_session.commit()
    for campaign_id in sorted({arm.campaign_id for arm in arms}):
        refresh_campaign_status(db_session=db_session, campaign_id=campaign_id)
    return paused
