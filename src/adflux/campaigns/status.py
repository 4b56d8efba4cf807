"""A campaign's status, derived from its per-platform publications."""

from __future__ import annotations

from collections.abc import Iterable

from adflux.campaigns.models import PublicationStatus as P

QUEUED = "queued"
PUBLISHING = "publishing"
PUBLISHED = "published"
PARTIALLY_PUBLISHED = "partially_published"
FAILED = "failed"
PAUSED = "paused"
# Every arm ended on its platform (only an archived campaign has none left running).
ENDED = "ended"
# Set aside by the recruiter: ended everywhere, kept with its history; never derived.
ARCHIVED = "archived"

CAMPAIGN_STATUSES = (
    QUEUED,
    PUBLISHING,
    PUBLISHED,
    PARTIALLY_PUBLISHED,
    FAILED,
    PAUSED,
    ENDED,
    ARCHIVED,
)


def derive_campaign_status(publication_statuses: Iterable[str]) -> str:
    """From the arms still on the campaign: an arm taken off it (ended) no longer counts."""
    every = list(publication_statuses)
    statuses = [s for s in every if s != P.ENDED]
    if every and not statuses:
        return ENDED
    if not statuses or all(s == P.PENDING for s in statuses):
        return QUEUED
    if any(s in (P.PENDING, P.PUBLISHING) for s in statuses):
        return PUBLISHING
    live = [s for s in statuses if s != P.FAILED]
    if not live:
        return FAILED
    if all(s == P.PAUSED for s in live):
        return PAUSED
    return PUBLISHED if len(live) == len(statuses) else PARTIALLY_PUBLISHED
