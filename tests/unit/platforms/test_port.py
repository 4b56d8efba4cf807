"""The port's small helpers and error vocabulary."""

from __future__ import annotations

import pytest

from adflux.platforms.base import (
    InvalidRequest,
    PlatformError,
    RateLimited,
    cop_to_micros,
    name_has_key,
    named,
)


def test_named_objects_carry_the_key_and_match_only_that_key():
    name = named("adflux-pub-4", "campaign", "Auxiliar contable en Bogotá")
    assert name == "[adflux-pub-4] campaign: Auxiliar contable en Bogotá"
    assert name_has_key(name, "adflux-pub-4")
    assert not name_has_key(name, "adflux-pub-42")
    assert not name_has_key(named("adflux-pub-42", "ad", "x"), "adflux-pub-4")


def test_cop_to_micros():
    assert cop_to_micros(50_000) == 50_000_000_000


def test_errors_keep_the_platforms_details():
    error = RateLimited("meta", "slow down", retry_after_s=180.0, code=80004, request_id="t1")
    assert isinstance(error, PlatformError)
    assert (error.platform, error.code, error.request_id, error.retry_after_s) == (
        "meta",
        80004,
        "t1",
        180.0,
    )
    assert str(error) == "meta: slow down"
    invalid = InvalidRequest("x", "too long", field="text")
    assert invalid.field == "text" and invalid.code is None


def test_rate_limited_needs_a_wait():
    with pytest.raises(TypeError):
        RateLimited("x", "no wait")  # type: ignore[call-arg]
