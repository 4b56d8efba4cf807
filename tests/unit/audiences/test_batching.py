"""Audience uploads are split within each platform's per-request limit."""

from __future__ import annotations

import pytest

from adflux.audiences.batching import MAX_MEMBERS_PER_REQUEST, batch_size, batches
from adflux.platforms.base import HashedMember


def members(n: int) -> list[HashedMember]:
    return [HashedMember(email_sha256=f"{i:064x}") for i in range(n)]


@pytest.mark.parametrize(
    ("platform", "limit"), [("meta", 10_000), ("google", 10_000), ("x", 2_500), ("tiktok", 1_000)]
)
def test_documented_limits(platform: str, limit: int) -> None:
    assert batch_size(platform) == limit == MAX_MEMBERS_PER_REQUEST[platform]


@pytest.mark.parametrize(
    ("platform", "count", "sizes"),
    [
        ("meta", 25_001, [10_000, 10_000, 5_001]),
        ("google", 10_000, [10_000]),
        ("x", 5_001, [2_500, 2_500, 1]),
        ("tiktok", 999, [999]),
        ("meta", 0, []),
    ],
)
def test_batches_respect_the_limit_and_keep_order(
    platform: str, count: int, sizes: list[int]
) -> None:
    items = members(count)

    chunks = list(batches(platform, items))

    assert [len(chunk) for chunk in chunks] == sizes
    assert [m for chunk in chunks for m in chunk] == items


def test_a_smaller_size_is_honoured_a_larger_one_capped() -> None:
    items = members(7_000)

    assert [len(c) for c in batches("meta", items, size=3_000)] == [3_000, 3_000, 1_000]
    assert [len(c) for c in batches("x", items, size=50_000)] == [2_500, 2_500, 2_000]
    with pytest.raises(ValueError, match="at least 1"):
        list(batches("meta", items, size=0))


def test_unknown_platform_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown platform 'linkedin'"):
        batch_size("linkedin")
