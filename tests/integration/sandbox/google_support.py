"""Shared by the Google sandbox tests: adapter settings and a raw SDK client for a running sandbox.

Kept out of conftest.py because the folder's conftest belongs to every platform's tests.
"""

from __future__ import annotations

from typing import Any

from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials

from adflux.platforms.settings import GoogleAdsSettings, load_platform_settings
from adflux.sandbox.server import RunningSandbox
from adflux.sandbox.state import DEFAULT_CREDENTIALS

ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"
CREDENTIALS = DEFAULT_CREDENTIALS["google"]
CUSTOMER_ID = CREDENTIALS["customer_id"]


def google_settings(sandbox: RunningSandbox, **overrides: str) -> GoogleAdsSettings:
    """Settings exactly as a user would set them in the environment for the sandbox."""
    environ = {
        "ADFLUX_GOOGLE_ADS_ENDPOINT": sandbox.grpc_endpoint or "",
        "ADFLUX_GOOGLE_ADS_CA_FILE": str(sandbox.ca_pem),
        "ADFLUX_GOOGLE_ADS_DATAMANAGER_URL": sandbox.base_url,
        "ADFLUX_GOOGLE_ADS_DEVELOPER_TOKEN": CREDENTIALS["developer_token"],
        "ADFLUX_GOOGLE_ADS_ACCESS_TOKEN": CREDENTIALS["access_token"],
        "ADFLUX_GOOGLE_ADS_CUSTOMER_ID": CUSTOMER_ID,
        "ADFLUX_GOOGLE_ADS_TIMEOUT_S": "2",
    }
    environ.update({f"ADFLUX_GOOGLE_ADS_{k.upper()}": v for k, v in overrides.items()})
    return load_platform_settings(environ).google


def raw_client(sandbox: RunningSandbox, *, developer_token: str | None = None) -> GoogleAdsClient:
    """The plain SDK client, for reading back and for sending what the adapter never would."""
    return GoogleAdsClient(
        credentials=Credentials(token=CREDENTIALS["access_token"]),
        developer_token=developer_token or CREDENTIALS["developer_token"],
        endpoint=sandbox.grpc_endpoint,
        version="v26",
        use_proto_plus=True,
    )


def search(client: GoogleAdsClient, query: str) -> list[Any]:
    service = client.get_service("GoogleAdsService")
    return [
        row
        for batch in service.search_stream(customer_id=CUSTOMER_ID, query=query, timeout=5)
        for row in batch.results
    ]


def reset(sandbox: RunningSandbox) -> None:
    state = sandbox.state
    state.store.reset("google")
    state.faults.clear()
    state.restore()
    state.clock.advance(-state.clock.advance(0))  # back to wall-clock time
