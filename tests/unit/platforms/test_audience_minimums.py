"""Each adapter states its platform's documented minimum audience, as the sandbox emulates it."""

from __future__ import annotations

import pytest

from adflux.platforms.registry import ADAPTERS, adapter_class
from adflux.sandbox.audience_minimums import MIN_MATCHED_PEOPLE

DOCUMENTED = {"meta": 100, "google": 100, "x": 100, "tiktok": 1000, "snapchat": 1000}


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_each_adapter_states_its_platforms_documented_minimum_audience(name):
    assert adapter_class(name).min_custom_audience == DOCUMENTED[name]


def test_adflux_and_the_sandbox_agree_on_every_minimum():
    assert {name: adapter_class(name).min_custom_audience for name in ADAPTERS} == (
        MIN_MATCHED_PEOPLE
    )
