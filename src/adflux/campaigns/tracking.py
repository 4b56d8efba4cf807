"""The tracking code every ad's link carries, and how an application's code is read back.

The job site keeps the UTM parameters of the link an applicant arrived by and sends them with the
application; AdFlux attributes the application from them (results/applications.py). Both halves
live here so that what is written and what is read cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from adflux.campaigns.models import CAMPAIGN_ARM, JOB_AUDIENCE_ARM, SEGMENT_ARM
from adflux.db import MAX_ID

UTM_MEDIUM = "paid_social"
CAMPAIGN_PREFIX = "adflux-"
SEGMENT_PREFIX = "seg-"
# utm_content of a campaign that targets the job's own city, area and skills (no segment).
JOB_AUDIENCE = "job"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")

_CAMPAIGN = re.compile(r"adflux-([1-9][0-9]{0,9})")
_SEGMENTS = re.compile(r"seg-([1-9][0-9]{0,9}(?:-[1-9][0-9]{0,9})*)")


def audience_code(segment_ids: Sequence[int]) -> str:
    """`seg-<id>[-<id>...]` (ascending, each once), or `job` for a campaign without segments."""
    if not segment_ids:
        return JOB_AUDIENCE
    return SEGMENT_PREFIX + "-".join(str(i) for i in sorted(set(segment_ids)))


def tracking_params(*, platform: str, campaign_id: int, segment_ids: Sequence[int]) -> dict:
    """The UTM parameters of one publication (campaign id x platform)."""
    return {
        "utm_source": platform,
        "utm_medium": UTM_MEDIUM,
        "utm_campaign": f"{CAMPAIGN_PREFIX}{campaign_id}",
        "utm_content": audience_code(segment_ids),
    }


def tracked_link(
    apply_url: str, *, platform: str, campaign_id: int, segment_ids: Sequence[int]
) -> str:
    """`apply_url` with the publication's tracking code added to its query.

    A query the apply URL already has is kept (its own UTM keys give way to AdFlux's: two values
    for one key would leave the job site guessing), and so is its fragment.
    """
    parts = urlsplit(apply_url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in UTM_KEYS]
    params = tracking_params(platform=platform, campaign_id=campaign_id, segment_ids=segment_ids)
    query = urlencode([*kept, *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def campaign_id_of(utm_campaign: str | None) -> int | None:
    """The campaign id in `adflux-<id>`; None for anything else (another tool's campaign)."""
    match = _CAMPAIGN.fullmatch((utm_campaign or "").strip())
    campaign_id = int(match.group(1)) if match else None
    return campaign_id if campaign_id is not None and campaign_id <= MAX_ID else None


def segment_ids_of(utm_content: str | None) -> list[int]:
    """The segment ids in `seg-<id>[-<id>...]`, ascending; [] for `job` or anything else."""
    match = _SEGMENTS.fullmatch((utm_content or "").strip())
    if not match:
        return []
    ids = {int(part) for part in match.group(1).split("-")}
    return [] if max(ids) > MAX_ID else sorted(ids)


def arm_key_of(utm_content: str | None) -> str:
    """The arm whose ad carries `utm_content` in its link: a segment's own arm for one segment,
    the job-audience arm for `job`, else the whole-campaign arm. A campaign holds one ad per arm
    on a platform, so this (and the platform) says which ad brought an application; a campaign
    without that arm (one from before arms, whose single ad named all its segments) has only
    its whole-campaign arm, which the reader falls back to."""
    segments = segment_ids_of(utm_content)
    if len(segments) == 1:
        return SEGMENT_ARM % segments[0]
    if (utm_content or "").strip() == JOB_AUDIENCE:
        return JOB_AUDIENCE_ARM
    return CAMPAIGN_ARM
