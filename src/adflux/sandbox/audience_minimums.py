"""The smallest custom audience each emulated platform delivers to, as the platforms document it.

A custom audience with fewer matched people than its platform's minimum cannot be targeted: an ad
restricted to such audiences only reaches nobody. The sandbox applies this in the market (what an
ad delivers) and in what the platforms report about an audience (X `targetable` /
`reasons_not_targetable`, Meta `delivery_status`).

Sources (research/platforms.md §3.5; X_TOO_SMALL is inferred, the docs name no value):
- Meta: a custom audience needs at least 100 matched people to be used for targeting (Meta
  Business Help on custom audience sizes). Its `delivery_status` {code, description} says whether
  it can deliver; its code 300 for "too small" is not re-verified against a reference page.
- X: "An audience can only be targeted if it matches at least 100 users active within the past
  90 days" (developer.x.com/en/docs/ads/audiences, "Targeting"); GET custom_audiences/:id says
  why not in `reasons_not_targetable` (the docs' field list spells the flag `targerable`; the
  SDKs read `targetable`, as the sandbox answers).
- TikTok: "A minimum audience size of 1,000 is required to target Custom Audiences in an ad
  group" (TikTok Ads Manager help on custom audiences).
- Snapchat: a Customer List segment is targetable from 1,000 matched users (its
  `targetable_status` READY, else TOO_FEW_USERS; Snap's Customer Lists reference names the
  statuses, the figure is the one Snap's partners document: Salesforce, mParticle, Amperity).
- Google Ads Customer Match: 100 active members in the last 30 days on every network, Search
  (where AdFlux's campaigns run) included, since Google unified the thresholds in December 2024
  (Google Ads Help "About audience segments", as reported by ppc.land; Search used to need
  1,000).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MIN_MATCHED_PEOPLE = {"meta": 100, "x": 100, "tiktok": 1000, "google": 100, "snapchat": 1000}
# What X answers in `reasons_not_targetable` for an audience under its minimum.
X_TOO_SMALL = "TOO_SMALL"
# Meta `delivery_status` codes of a custom audience (200 ready, 300 too small).
META_READY = {"code": 200, "description": "This audience is ready for use."}
META_TOO_SMALL = {
    "code": 300,
    "description": "This audience is too small to deliver ads. Add more people to it.",
}


def can_deliver(platform: str, matched_people: int) -> bool:
    """Whether a custom audience of `matched_people` may be targeted on `platform`."""
    return matched_people >= MIN_MATCHED_PEOPLE[platform]


def uploaded_people(members: Mapping[str, Sequence[str]]) -> int:
    """People an audience holds, from its hashes per identifier type (one person is sent with an
    email and a phone hash: the largest type counts, not their sum)."""
    return max((len(hashes) for hashes in members.values()), default=0)
