"""How a campaign's daily budget is split across its arms (platform x segment), from plain values.

Every arm gets at least its platform's minimum daily budget (MIN_DAILY_BUDGET_COP): a platform
refuses less, so a split under it would be a promise no platform keeps. The shares always add up
to the campaign's daily budget exactly, to the peso.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP

# What one arm gets by default when the recruiter gives no daily budget (or its platform's
# minimum, when that is higher).
DEFAULT_DAILY_BUDGET_COP = 50_000


def arm_minimum(platform: str) -> int:
    """The least daily budget (COP) an arm on `platform` can hold."""
    return MIN_DAILY_BUDGET_COP.get(platform, 1)


def minimum_daily_budget(platforms: Sequence[str]) -> int:
    """The least daily budget of a campaign whose arms are on `platforms` (one entry per arm)."""
    return sum(arm_minimum(p) for p in platforms)


def default_daily_budget(platforms: Sequence[str]) -> int:
    """The daily budget of a campaign created without one: the default per arm, or more."""
    return sum(max(DEFAULT_DAILY_BUDGET_COP, arm_minimum(p)) for p in platforms)


def split_daily_budget(total_cop: int, platforms: Sequence[str]) -> list[int]:
    """The first split of `total_cop` over arms on `platforms`: evenly, except that an arm whose
    even share falls under its platform's minimum is held at the minimum and the others share
    the rest. So the default budget splits into each arm's default (TikTok's 80.000 minimum is
    not topped up with what the cheaper platforms would get). Needs `total_cop` to cover every
    minimum (checked by the caller, who names the field)."""
    return resplit_daily_budget(total_cop, [(platform, 0) for platform in platforms])


def resplit_daily_budget(total_cop: int, arms: Sequence[tuple[str, int]]) -> list[int]:
    """A new daily budget `total_cop` over arms (platform, current budget), in proportion to the
    current split and never under a minimum: an arm whose share would fall under its minimum is
    held at it, and the others share the rest in proportion (repeated until none falls under).
    Pesos lost to rounding go to the arms with the largest remainders."""
    minimums = [arm_minimum(platform) for platform, _ in arms]
    if total_cop < sum(minimums):
        raise ValueError(f"{total_cop} COP does not cover the arms' minimums ({sum(minimums)})")
    pinned: set[int] = set()
    shares = [Fraction(m) for m in minimums]
    while True:
        free = [i for i in range(len(arms)) if i not in pinned]
        if not free:
            break
        weights = {i: max(arms[i][1], 0) for i in free}
        if not any(weights.values()):  # no split to follow: evenly
            weights = dict.fromkeys(free, 1)
        left = total_cop - sum(minimums[i] for i in pinned)
        for i in free:
            shares[i] = Fraction(left * weights[i], sum(weights.values()))
        under = {i for i in free if shares[i] < minimums[i]}
        if not under:
            break
        pinned |= under
        for i in under:
            shares[i] = Fraction(minimums[i])
    floors = [int(share) for share in shares]
    by_remainder = sorted(range(len(arms)), key=lambda i: (floors[i] - shares[i], i))
    for i in by_remainder[: total_cop - sum(floors)]:
        floors[i] += 1
    return floors
