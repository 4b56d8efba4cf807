from __future__ import annotations

from tests.integration.feeds.conftest import adflux_cli, platforms  # noqa: F401  (fixtures)
