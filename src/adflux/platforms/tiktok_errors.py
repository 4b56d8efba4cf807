"""TikTok errors, classified into the port's vocabulary.

Business errors arrive as HTTP 200 with `code != 0`; the SDK turns them into `TiktokSDKError`,
which carries the code only inside its message ("Error Code: 40100, message: ..., request_id:
...") and has no attributes (research/platforms.md §1.4, probe test_tiktok_err.py). Reading the
code from that text is the single, documented exception to "classify by code, never by message".
Non-2xx answers raise the SDK's `ApiException`, classified by HTTP status.
"""

from __future__ import annotations

import re
from typing import Any

from adflux.platforms.base import (
    AuthExpired,
    InvalidRequest,
    PlatformError,
    RateLimited,
    TransientError,
)

PLATFORM = "tiktok"
SDK_ERROR = re.compile(r"^Error Code: (\d+), message: (.*), request_id: ([^,]*)", re.S)
RATE_LIMIT_CODES = {40100, 40132}
AUTH_CODES = {40001, 40102, 40104, 40105, 40106}
TRANSIENT_CODES = {50000, 50002, *range(51000, 51020)}
# TikTok sends no wait with 40100 (no documented reset header): this is where backoff starts.
DEFAULT_THROTTLE_WAIT_S = 60.0


def classify_business(exc: Exception) -> PlatformError:
    """The port error for a `TiktokSDKError` (a business code in an HTTP 200 envelope)."""
    text = str(exc)
    match = SDK_ERROR.match(text)
    code = int(match.group(1)) if match else None
    message, request_id = (match.group(2), match.group(3)) if match else (text, None)
    kwargs: dict[str, Any] = {"code": code, "request_id": request_id}
    if code in RATE_LIMIT_CODES:
        return RateLimited(PLATFORM, message, retry_after_s=DEFAULT_THROTTLE_WAIT_S, **kwargs)
    if code in AUTH_CODES:
        return AuthExpired(PLATFORM, message, **kwargs)
    if code in TRANSIENT_CODES:
        return TransientError(PLATFORM, message, **kwargs)
    # TikTok names the field only inside the message ("age_groups: ..."); no field is parsed.
    return InvalidRequest(PLATFORM, message, field=None, **kwargs)


def classify_http(exc: Any) -> PlatformError:
    """The port error for the SDK's `ApiException` (a non-2xx answer or no answer at all)."""
    status = exc.status or 0
    headers = dict(exc.headers or {})
    if status == 429:
        wait = float(headers.get("Retry-After") or DEFAULT_THROTTLE_WAIT_S)
        return RateLimited(PLATFORM, "too many requests", retry_after_s=wait, code=status)
    if status in (401, 403):
        return AuthExpired(PLATFORM, f"HTTP {status}", code=status)
    if status >= 500 or status == 0:
        return TransientError(PLATFORM, f"HTTP {status}", code=status)
    return InvalidRequest(PLATFORM, f"HTTP {status}", code=status)
