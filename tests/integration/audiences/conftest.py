"""The sandbox, started in-process once per module, and the app's real adapters pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from tests.fakes import RecordingDispatcher

from adflux.platforms.base import PlatformAdapter
from adflux.platforms.registry import get_adapter
from adflux.platforms.settings import PlatformSettings, load_platform_settings
from adflux.sandbox.server import RunningSandbox, start_in_thread

ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with pytest.MonkeyPatch.context() as patch:
        # The Google adapter sets this from its ca_file; restore the process afterwards.
        patch.delenv(ROOTS_ENV, raising=False)
        running = start_in_thread(http_port=0, grpc_port=0)
        yield running
        running.stop()


class SandboxDirectory:
    """The real adapters, configured as a user configures them for this sandbox."""

    def __init__(self, settings: PlatformSettings):
        self.settings = settings
        self.adapters: dict[str, PlatformAdapter] = {}

    def infos(self) -> list:
        return []

    def adapter(self, name: str) -> PlatformAdapter:
        if name not in self.adapters:
            self.adapters[name] = get_adapter(name, self.settings)
        return self.adapters[name]


@pytest.fixture
def live(app: Flask, sandbox: RunningSandbox) -> Iterator[Flask]:
    sandbox.state.reset()
    previous = app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"]
    app.extensions["adflux_platforms"] = SandboxDirectory(
        load_platform_settings(sandbox.client_env())
    )
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield app
    app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"] = previous
