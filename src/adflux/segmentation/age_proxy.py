"""Reading the age-proxy verdict the segmentation writes into each segment's profile (pure).

`profiles` measures how well age (and experience, which stands in for it) picks a segment's
members out and writes ``{"age_proxy": {"warning": bool, ...}}``; every reader of that verdict
(employment-ad compliance, the recommendation of segments for a job, the dashboard's badge) asks
here, so they always agree. Kept apart from `profiles` so that reading it loads no pandas.
"""

from __future__ import annotations

from collections.abc import Mapping


def is_age_proxy(profile: Mapping | None) -> bool:
    """Whether a segment profile says age explains the segment (`age_proxy.warning` is true)."""
    proxy = (profile or {}).get("age_proxy")
    return isinstance(proxy, Mapping) and proxy.get("warning") is True
