"""Settings from the environment, and the registry that turns them into adapters."""

from __future__ import annotations

import pytest

from adflux.platforms import registry
from adflux.platforms.base import PlatformUnavailable
from adflux.platforms.meta import MetaAdapter
from adflux.platforms.settings import load_platform_settings

META = {
    "ADFLUX_META_ACCESS_TOKEN": "EAAB-secret-value",
    "ADFLUX_META_AD_ACCOUNT_ID": "act_1",
    "ADFLUX_META_PAGE_ID": "2",
}


def test_defaults_are_production_endpoints():
    settings = load_platform_settings({})
    assert settings.meta.graph_url == "https://graph.facebook.com"
    assert settings.x.base_url == "https://ads-api.x.com"
    assert settings.tiktok.base_url == "https://business-api.tiktok.com"
    assert settings.google.endpoint == "googleads.googleapis.com"


def test_a_mapping_is_read_alone_ignoring_the_process_environment(monkeypatch):
    monkeypatch.setenv("ADFLUX_META_PAGE_ID", "from-the-process")
    settings = load_platform_settings({"ADFLUX_META_ACCESS_TOKEN": "t"})
    assert settings.meta.page_id is None
    assert settings.meta.access_token.get_secret_value() == "t"
    assert load_platform_settings().meta.page_id == "from-the-process"


def test_secrets_do_not_show_in_reprs():
    settings = load_platform_settings(META)
    assert "EAAB-secret-value" not in repr(settings.meta)


def test_missing_names_every_unset_variable():
    settings = load_platform_settings({"ADFLUX_META_ACCESS_TOKEN": "t"})
    assert settings.meta.missing() == ["ADFLUX_META_AD_ACCOUNT_ID", "ADFLUX_META_PAGE_ID"]
    assert not settings.meta.configured
    assert load_platform_settings(META).meta.configured


def test_google_accepts_an_access_token_or_a_refresh_token():
    base = {"ADFLUX_GOOGLE_ADS_DEVELOPER_TOKEN": "d", "ADFLUX_GOOGLE_ADS_CUSTOMER_ID": "1"}
    assert not load_platform_settings(base).google.configured
    with_access = {**base, "ADFLUX_GOOGLE_ADS_ACCESS_TOKEN": "a"}
    assert load_platform_settings(with_access).google.configured
    refresh = {**base, "ADFLUX_GOOGLE_ADS_REFRESH_TOKEN": "r", "ADFLUX_GOOGLE_ADS_CLIENT_ID": "c"}
    assert load_platform_settings(refresh).google.configured


def test_get_adapter_builds_a_configured_platform():
    adapter = registry.get_adapter("meta", load_platform_settings(META))
    assert isinstance(adapter, MetaAdapter)


def test_get_adapter_says_what_is_missing():
    with pytest.raises(PlatformUnavailable, match="ADFLUX_X_CONSUMER_KEY"):
        registry.get_adapter("x", load_platform_settings({}))
    with pytest.raises(PlatformUnavailable, match="unknown platform"):
        registry.get_adapter("myspace", load_platform_settings({}))


def test_an_unimportable_adapter_is_reported_not_raised(monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, "ghost", "adflux.platforms.ghost:GhostAdapter")
    monkeypatch.setattr(
        "adflux.platforms.settings.PlatformSettings.for_platform",
        lambda self, name: self.meta,
    )
    infos = {info.name: info for info in registry.available_platforms(load_platform_settings(META))}
    assert not infos["ghost"].available and "not importable" in infos["ghost"].reason
    assert infos["meta"].available and infos["meta"].configured


def test_available_platforms_lists_every_platform():
    infos = registry.available_platforms(load_platform_settings({}))
    assert [i.name for i in infos] == ["meta", "google", "x", "tiktok", "snapchat"]
    assert all(i.available and not i.configured for i in infos)
    assert "ADFLUX_TIKTOK_ACCESS_TOKEN" in infos[3].reason
    assert "ADFLUX_SNAPCHAT_REFRESH_TOKEN" in infos[4].reason
