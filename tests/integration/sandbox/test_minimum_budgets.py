"""One minimum daily budget per platform: AdFlux's table is what the sandbox enforces on its own
(from the same platform documentation), so a budget AdFlux accepts is never refused later."""

from __future__ import annotations

import pytest
from tests.integration.sandbox.ad_support import Recorder, adapter, spec

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.platforms.base import InvalidRequest
from adflux.platforms.meta import MetaAdapter
from adflux.platforms.tiktok import TikTokAdapter
from adflux.platforms.x_ads import XAdsAdapter
from adflux.sandbox import meta_rules, tiktok_objects

ENFORCED = [("tiktok", TikTokAdapter, "budget"), ("meta", MetaAdapter, "daily_budget")]


def test_adflux_table_is_the_sandbox_minimum():
    assert MIN_DAILY_BUDGET_COP["tiktok"] == tiktok_objects.MIN_ADGROUP_DAILY_BUDGET == 80_000
    # AdFlux's Meta ad sets are charged for impressions (MetaAdapter._ad_set_params).
    assert MIN_DAILY_BUDGET_COP["meta"] == meta_rules.min_daily_budget("IMPRESSIONS") == 2_000


@pytest.mark.parametrize(("platform", "cls", "field"), ENFORCED)
def test_one_peso_under_the_minimum_is_refused_by_the_platform(sb, platform, cls, field):
    under = spec(platform, daily_budget_cop=MIN_DAILY_BUDGET_COP[platform] - 1)
    with pytest.raises(InvalidRequest) as refused:
        adapter(sb, cls).publish(under, known_ids={}, on_created=Recorder())
    assert field in (refused.value.field or refused.value.message)


@pytest.mark.parametrize(
    ("platform", "cls"), [("tiktok", TikTokAdapter), ("meta", MetaAdapter), ("x", XAdsAdapter)]
)
def test_the_minimum_itself_publishes(sb, platform, cls):
    at_minimum = spec(platform, key=f"adflux-pub-min-{platform}")
    assert at_minimum.daily_budget_cop == MIN_DAILY_BUDGET_COP[platform]
    result = adapter(sb, cls).publish(at_minimum, known_ids={}, on_created=Recorder())
    assert "ad" in result.external_ids or "promoted_tweet" in result.external_ids
