"""Split hashed members into requests each platform accepts.

Per-request limits (research/platforms.md §3 and the platforms' reference pages):
- Meta `/{audience_id}/users`: "only a maximum of 10000 at a time" (Custom Audience Users
  reference).
- Google Data Manager `audienceMembers:ingest`: "At most 10000 AudienceMember resources can be sent
  in a single request".
- X `custom_audiences/{id}/users`: at most 2,500 operations and 5,000,000 bytes per request. We send
  at most 2,500 members per request, so the operation limit holds however the adapter groups them
  and the body stays near 0.5 MB (two 64-character hashes per member).
- TikTok: no per-request member limit is documented for the segment mapping or file routes; 1,000
  per request is a conservative choice of ours (it is what third-party connectors batch).
- Snapchat `segments/{id}/users`: the Customer Lists pages seen name no limit; 10,000 per request
  is ours (Meta's figure), each identifier type sent as its own list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

MAX_MEMBERS_PER_REQUEST: dict[str, int] = {
    "meta": 10_000,
    "google": 10_000,
    "x": 2_500,
    "tiktok": 1_000,
    "snapchat": 10_000,
}


def batch_size(platform: str) -> int:
    """The most members one upload request to `platform` may carry."""
    try:
        return MAX_MEMBERS_PER_REQUEST[platform]
    except KeyError:
        known = sorted(MAX_MEMBERS_PER_REQUEST)
        raise ValueError(f"unknown platform {platform!r}; expected one of {known}") from None


def batches(
    platform: str, members: Sequence[T], *, size: int | None = None
) -> Iterator[tuple[T, ...]]:
    """Consecutive chunks of `members`, none larger than the platform's limit (or `size`, if
    smaller), in the original order."""
    limit = batch_size(platform)
    step = limit if size is None else min(size, limit)
    if step < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(members), step):
        yield tuple(members[start : start + step])
