"""What one running sandbox shares between its HTTP and gRPC servers: objects, faults, credentials.

The credentials below are the sandbox's documented defaults; AdFlux's settings default to the same
values in sandbox mode. They are test values, not secrets.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adflux.sandbox.faults import Faults
from adflux.sandbox.market import Market
from adflux.sandbox.oauth import IssuedTokens
from adflux.sandbox.quotas import Quotas
from adflux.sandbox.requestlog import RequestLog
from adflux.sandbox.store import Clock, Store

DEFAULT_CREDENTIALS: dict[str, dict[str, str]] = {
    "meta": {
        "access_token": "sandbox-meta-access-token",
        "app_secret": "sandbox-meta-app-secret",
        "ad_account_id": "act_1000000001",
        "page_id": "1000000002",
    },
    "x": {
        "consumer_key": "sandbox-x-consumer-key",
        "consumer_secret": "sandbox-x-consumer-secret",
        "access_token": "sandbox-x-access-token",
        "access_token_secret": "sandbox-x-access-token-secret",
        "account_id": "18ce54d4x5t",
        "funding_instrument_id": "lygyi",
        "user_id": "756201191646691328",
    },
    "tiktok": {
        "access_token": "sandbox-tiktok-access-token",
        "advertiser_id": "7000000000000000001",
        "identity_id": "7000000000000000002",
    },
    "snapchat": {
        # OAuth 2.0 app and the refresh token a user's consent gave it; access tokens are issued
        # from these at /login/oauth2/access_token (sandbox/oauth.py).
        "client_id": "sandbox-snapchat-client-id",
        "client_secret": "sandbox-snapchat-client-secret",
        "refresh_token": "sandbox-snapchat-refresh-token",
        "organization_id": "8f3c2a10-5b7e-4c1d-9a6f-000000000001",
        "ad_account_id": "8f3c2a10-5b7e-4c1d-9a6f-000000000002",
    },
    "google": {
        "access_token": "sandbox-google-access-token",
        "developer_token": "sandbox-google-developer-token",
        "customer_id": "1234567890",
    },
}


def default_credentials() -> dict[str, dict[str, str]]:
    return copy.deepcopy(DEFAULT_CREDENTIALS)


@dataclass
class SandboxState:
    """Shared by every route and by the gRPC servicers. Build with `SandboxState.create`."""

    store: Store
    faults: Faults
    clock: Clock
    credentials: dict[str, dict[str, str]]
    market: Market
    state_dir: Path | None = None
    requests: RequestLog = field(default_factory=RequestLog)
    quotas: Quotas = field(default_factory=Quotas)
    tokens: IssuedTokens = field(default_factory=IssuedTokens)
    _revoked: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(
        cls,
        *,
        state_dir: Path | None = None,
        persist: bool = False,
        credentials: dict[str, dict[str, str]] | None = None,
        seed: int = 0,
        market_seed: int | None = None,
    ) -> SandboxState:
        """A fresh state; with `persist` the objects live in `state_dir/objects.json` and the
        market's world and job site in `state_dir/market.json`. `market_seed` defaults to
        SANDBOX_MARKET_SEED, else a fixed seed."""
        merged = default_credentials()
        for platform, values in (credentials or {}).items():
            merged.setdefault(platform, {}).update(values)
        path = market_path = None
        if persist:
            if state_dir is None:
                raise ValueError("persist needs a state_dir")
            state_dir.mkdir(parents=True, exist_ok=True)
            path, market_path = state_dir / "objects.json", state_dir / "market.json"
        store, clock = Store(path), Clock()
        if market_seed is None:
            market_seed = Market.seed_from_environment()
        return cls(
            store=store,
            faults=Faults(seed=seed),
            clock=clock,
            credentials=merged,
            market=Market(store=store, clock=clock, seed=market_seed, path=market_path),
            state_dir=state_dir,
        )

    def credential(self, platform: str, name: str) -> str:
        return self.credentials[platform][name]

    def is_revoked(self, platform: str) -> bool:
        with self._lock:
            return platform in self._revoked

    def revoke(self, platform: str) -> None:
        """Make the platform answer as if the token had been revoked by the user (OAuth 2.0
        platforms: the refresh token too, and every access token issued from it)."""
        with self._lock:
            self._revoked.add(platform)
        self.tokens.clear(platform)

    def restore(self, platform: str | None = None) -> None:
        with self._lock:
            if platform is None:
                self._revoked.clear()
            else:
                self._revoked.discard(platform)

    def reset(self, platform: str | None = None) -> None:
        """Forget objects, faults, revocations, logged requests and report quotas (of one
        platform, or all and the clock and the market's world, job site and outbox too)."""
        self.store.reset(platform)
        self.faults.clear(platform)
        self.requests.clear(platform)
        self.quotas.clear(platform)
        self.tokens.clear(platform)
        self.restore(platform)
        if platform is None:
            self.clock.reset()
            self.market.reset()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            revoked = sorted(self._revoked)
        return {"revoked": revoked, "faults": self.faults.plans()}
