"""The Snap Marketing API over HTTPS with `requests`: OAuth 2.0 access tokens and JSON calls.

Snap has no official Python SDK, so the adapter speaks the documented API itself: every call
carries `Authorization: Bearer <access token>`; access tokens come from the refresh token at the
token endpoint (`grant_type=refresh_token`, form-encoded) and live about 30 minutes (the answer's
`expires_in`). The client refreshes a token before it expires and, when the API still answers 401
(revoked early, clocks apart), refreshes once and repeats the call once. One client serves every
thread of the process: the token is refreshed under a lock, by one thread at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from adflux.platforms.base import InvalidRequest, PlatformError, TransientError
from adflux.platforms.settings import SnapchatSettings
from adflux.platforms.snapchat_errors import PLATFORM, classify, classify_token, item_errors
from adflux.platforms.transport import HTTP_POOL_SIZE, classify_network_error

try:
    import requests
    import requests.adapters

    IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # requests comes with the platforms extra
    IMPORT_ERROR = exc

API_PREFIX = "/v1"
# Refresh this long before the token's end, so a call never leaves with a token about to lapse.
REFRESH_MARGIN_S = 300.0
PAGE_LIMIT = 1000  # the largest `limit` Snap's list endpoints take


class SnapClient:
    """Authenticated JSON calls to one Snap Marketing API host."""

    def __init__(
        self, settings: SnapchatSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self._session = requests.Session()
        # Keep-alive connections for every worker thread calling at once; no retries inside:
        # the caller decides what a failure means (a create may have gone through).
        pooled = requests.adapters.HTTPAdapter(pool_maxsize=HTTP_POOL_SIZE, max_retries=0)
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, pooled)

    # ------------------------------------------------------------------ OAuth 2.0

    def access_token(self, *, stale: str | None = None) -> str:
        """A live access token; a new one when the held one is near its end or is `stale` (the
        API refused it). Threads that saw the same stale token refresh it only once."""
        with self._lock:
            fresh = self._token is not None and self._clock() < self._refresh_at
            if fresh and self._token != stale:
                assert self._token is not None
                return self._token
            self._token, lifetime = self._refresh()
            self._refresh_at = self._clock() + max(lifetime - REFRESH_MARGIN_S, lifetime / 2)
            return self._token

    def _refresh(self) -> tuple[str, float]:
        s = self._settings
        form = {
            "grant_type": "refresh_token",
            "client_id": s.client_id or "",
            "client_secret": s.client_secret.get_secret_value() if s.client_secret else "",
            "refresh_token": s.refresh_token.get_secret_value() if s.refresh_token else "",
        }
        try:
            response = self._session.post(s.token_url, data=form, timeout=self._timeout())
        except requests.exceptions.RequestException as exc:
            # A refresh changes nothing on the platform: safe to repeat, never "unknown".
            raise _network_error(exc, write=False) from exc
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise classify_token(response.status_code, body, response.headers)
        return str(body["access_token"]), float(body.get("expires_in") or 1800)

    # ------------------------------------------------------------------ calls

    def call(
        self,
        method: str,
        path: str,
        *,
        write: bool,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        url: str | None = None,
    ) -> dict[str, Any]:
        """The answer's body; the port's error when Snap refuses the call (`write`: the call
        creates something, so a lost answer is an unknown outcome, not a retry)."""
        target = url or f"{self._settings.base_url.rstrip('/')}{API_PREFIX}{path}"
        token = self.access_token()
        response = self._send(method, target, token, json, params, files, write)
        if response.status_code == 401:
            response = self._send(
                method, target, self.access_token(stale=token), json, params, files, write
            )
        body = _json(response)
        if not 200 <= response.status_code < 300:
            raise classify(response.status_code, body, response.headers)
        if not isinstance(body, dict):
            raise InvalidRequest(PLATFORM, "the answer is not a JSON object", code="bad_answer")
        if str(body.get("request_status", "")).upper() == "ERROR" or item_errors(body):
            raise classify(400, body, response.headers)
        return body

    def pages(self, path: str, key: str, singular: str) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint, following `paging.next_link`."""
        body = self.call("GET", path, write=False, params={"limit": PAGE_LIMIT})
        while True:
            for entry in body.get(key) or []:
                yield entry[singular]
            next_link = (body.get("paging") or {}).get("next_link")
            if not next_link:
                return
            body = self.call("GET", "", write=False, url=next_link)

    def _send(
        self,
        method: str,
        url: str,
        token: str,
        json: Any,
        params: dict[str, Any] | None,
        files: dict[str, Any] | None,
        write: bool,
    ) -> requests.Response:
        try:
            return self._session.request(
                method,
                url,
                headers={"Authorization": f"Bearer {token}"},
                json=json,
                params=params,
                files=files,
                timeout=self._timeout(),
            )
        except requests.exceptions.RequestException as exc:
            raise _network_error(exc, write=write) from exc

    def _timeout(self) -> tuple[float, float]:
        return (self._settings.timeout_s, self._settings.timeout_s)


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _network_error(exc: BaseException, *, write: bool) -> PlatformError:
    error = classify_network_error(PLATFORM, exc, write=write)
    if error is None:
        return TransientError(PLATFORM, f"request failed: {type(exc).__name__}")
    return error
