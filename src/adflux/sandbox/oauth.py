"""OAuth 2.0 access tokens the sandbox issued from a refresh token, with their expiry.

Snap's Marketing API authenticates every call with a short-lived bearer token obtained from a
long-lived refresh token (developers.snap.com, Ads API "Authentication"). The sandbox issues such
tokens at its token endpoint and accepts each one until it expires on the sandbox clock, so an
advanced clock expires them as time would. Tokens are kept out of the object store: they are
not platform objects, and a read-back test counts those.
"""

from __future__ import annotations

import secrets
import threading


class IssuedTokens:
    """Thread-safe: platform -> access token -> expiry (epoch seconds on the sandbox clock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, dict[str, float]] = {}

    def issue(self, platform: str, now: float, lifetime_s: float) -> str:
        token = f"sandbox-{platform}-{secrets.token_urlsafe(24)}"
        with self._lock:
            held = self._tokens.setdefault(platform, {})
            for old in [t for t, expiry in held.items() if expiry <= now]:
                del held[old]  # expired ones are forgotten as new ones are issued
            held[token] = now + lifetime_s
        return token

    def valid(self, platform: str, token: str, now: float) -> bool:
        with self._lock:
            expiry = self._tokens.get(platform, {}).get(token)
        return expiry is not None and now < expiry

    def clear(self, platform: str | None = None) -> None:
        with self._lock:
            if platform is None:
                self._tokens.clear()
            else:
                self._tokens.pop(platform, None)
