from __future__ import annotations

# The in-process CLI runner of the campaign tests.
from tests.integration.campaigns.conftest import adflux_cli  # noqa: F401
