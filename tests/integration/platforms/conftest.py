"""One sandbox for the platform contract tests, started in-process on free ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adflux.campaigns.adapters import EXTENSION_KEY, RegistryDirectory
from adflux.platforms.settings import PlatformSettings, load_platform_settings
from adflux.sandbox.server import RunningSandbox, start_in_thread

# Short client timeouts so the "timeout" fault (held longer than this) costs little.
CLIENT_TIMEOUT_S = "1"
ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with pytest.MonkeyPatch.context() as patch:
        # The Google adapter sets this from its ca_file; restore the process afterwards.
        patch.delenv(ROOTS_ENV, raising=False)
        running = start_in_thread(http_port=0, grpc_port=0)
        yield running
        running.stop()


@pytest.fixture(autouse=True)
def _fresh(sandbox: RunningSandbox) -> None:
    sandbox.state.reset()


@pytest.fixture
def settings(sandbox: RunningSandbox) -> PlatformSettings:
    """Adapter settings exactly as a user sets them in the environment for this sandbox."""
    environ = sandbox.client_env()
    for prefix in ("META", "X", "TIKTOK", "GOOGLE_ADS", "SNAPCHAT"):
        environ[f"ADFLUX_{prefix}_TIMEOUT_S"] = CLIENT_TIMEOUT_S
    return load_platform_settings(environ)


@pytest.fixture
def real_platforms(app, sandbox: RunningSandbox) -> Iterator[RegistryDirectory]:
    """The app's adapters, built by the registry from the sandbox's client environment."""
    directory = RegistryDirectory()
    directory.settings = load_platform_settings(sandbox.client_env())
    previous = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = directory
    yield directory
    app.extensions[EXTENSION_KEY] = previous
