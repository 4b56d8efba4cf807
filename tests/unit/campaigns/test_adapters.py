"""The registry directory: one adapter per platform and process, shared by the worker threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from adflux.campaigns import adapters
from adflux.campaigns.adapters import RegistryDirectory
from adflux.platforms.base import PlatformUnavailable

META = {
    "ADFLUX_META_ACCESS_TOKEN": "EAAB-secret-value",
    "ADFLUX_META_AD_ACCOUNT_ID": "act_1",
    "ADFLUX_META_PAGE_ID": "2",
}


@pytest.fixture
def directory(monkeypatch) -> RegistryDirectory:
    for name, value in META.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ADFLUX_X_CONSUMER_KEY", raising=False)
    return RegistryDirectory()


def test_every_thread_gets_the_same_adapter(directory):
    with ThreadPoolExecutor(max_workers=8) as threads:
        seen = list(threads.map(lambda _: directory.adapter("meta"), range(32)))

    assert len({id(adapter) for adapter in seen}) == 1


def test_a_forked_child_builds_its_own(directory, monkeypatch):
    parents = directory.adapter("meta")
    monkeypatch.setattr(adapters.os, "getpid", lambda: -1)

    assert directory.adapter("meta") is not parents


def test_an_unavailable_platform_is_not_remembered(directory):
    with pytest.raises(PlatformUnavailable, match="ADFLUX_X_CONSUMER_KEY"):
        directory.adapter("x")
    with pytest.raises(PlatformUnavailable, match="ADFLUX_X_CONSUMER_KEY"):
        directory.adapter("x")
