"""Snap Marketing API errors, classified into the port's vocabulary by HTTP status.

Snap answers a refusal with a 4xx and `{"request_status": "ERROR", "debug_message",
"display_message", "error_code"}`, a batch item's with `sub_request_status: "ERROR"` and its
`sub_request_error_reason`; it throttles with HTTP 429 and documents no wait header (Ads API
"Rate Limits": 20 requests/s per app, 10 per access token on average). The OAuth token endpoint
answers RFC 6749 errors (`{"error": "invalid_grant"}`). The status decides the class; the
platform's message and code are carried as they came, never searched.
"""

from __future__ import annotations

from typing import Any

from adflux.platforms.base import (
    AuthExpired,
    InvalidRequest,
    PlatformError,
    RateLimited,
    TransientError,
)

PLATFORM = "snapchat"
# No wait comes with Snap's 429: where backoff starts unless a Retry-After header says otherwise.
DEFAULT_THROTTLE_WAIT_S = 60.0


def classify(status: int, body: Any, headers: Any) -> PlatformError:
    """The port error for a Marketing API answer with a non-2xx status (or an ERROR body)."""
    body = body if isinstance(body, dict) else {}
    message = str(body.get("display_message") or body.get("debug_message") or f"HTTP {status}")
    reasons = item_errors(body)
    if reasons:
        message = "; ".join(reasons)
    kwargs: dict[str, Any] = {
        "code": body.get("error_code") or status,
        "request_id": body.get("request_id"),
    }
    if status == 429:
        return RateLimited(PLATFORM, message, retry_after_s=_wait(headers), **kwargs)
    if status in (401, 403):
        return AuthExpired(PLATFORM, message, **kwargs)
    if status >= 500:
        return TransientError(PLATFORM, message, **kwargs)
    return InvalidRequest(PLATFORM, message, field=None, **kwargs)


def classify_token(status: int, body: Any, headers: Any) -> PlatformError:
    """The port error for a refused refresh at the OAuth token endpoint."""
    body = body if isinstance(body, dict) else {}
    error = str(body.get("error") or f"HTTP {status}")
    message = f"token refresh refused: {error}"
    if body.get("error_description"):
        message += f" ({body['error_description']})"
    if status == 429:
        return RateLimited(PLATFORM, message, retry_after_s=_wait(headers), code=status)
    if status >= 500:
        return TransientError(PLATFORM, message, code=status)
    # invalid_grant (refresh token revoked or expired), invalid_client (app secret changed) and
    # the rest: a person must reconnect the account.
    return AuthExpired(PLATFORM, message, code=error)


def item_errors(body: dict[str, Any]) -> list[str]:
    """The reasons of a batch's refused items, in order."""
    reasons = []
    for value in body.values():
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, dict) and str(item.get("sub_request_status", "")).upper() == (
                "ERROR"
            ):
                reasons.append(str(item.get("sub_request_error_reason") or "refused"))
    return reasons


def _wait(headers: Any) -> float:
    value = (headers or {}).get("Retry-After")
    try:
        return max(1.0, float(value)) if value is not None else DEFAULT_THROTTLE_WAIT_S
    except ValueError:  # an HTTP date: not sent by Snap; start backoff at the default
        return DEFAULT_THROTTLE_WAIT_S
