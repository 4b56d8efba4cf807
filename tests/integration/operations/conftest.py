"""The operator's views read campaigns made with the fake platforms, as the campaign tests do."""

from tests.integration.campaigns.conftest import platforms  # noqa: F401
