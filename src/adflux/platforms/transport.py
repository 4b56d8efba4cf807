"""Network failures below the SDKs, classified by exception type into the port's vocabulary.

The question that matters is whether the request may have reached the platform: a refused or
timed-out *connection* never did (safe to retry), a *read* timeout or a dropped connection after
sending might have (a create must be reconciled with `find_existing` before any retry).
"""

from __future__ import annotations

from adflux.platforms.base import OutcomeUnknown, PlatformError, TransientError

# Keep-alive connections an adapter keeps per host: one for each worker thread that may call at
# once (requests keeps 10; a fuller pool logs "Connection pool is full" and drops the connection).
HTTP_POOL_SIZE = 64


def classify_network_error(
    platform: str, exc: BaseException, *, write: bool
) -> PlatformError | None:
    """The port error for a transport-level failure, or None if `exc` is not one.

    Handles `requests` (Meta, X) and `urllib3` (TikTok) exceptions. Reads are always safe to
    retry, so for them an unknown outcome is just a transient error.
    """
    unknown_cls = OutcomeUnknown if write else TransientError
    try:
        import requests
    except ImportError:  # pragma: no cover - requests comes with facebook-business and twitter-ads
        requests = None  # type: ignore[assignment]
    try:
        import urllib3.exceptions as u3
    except ImportError:  # pragma: no cover
        u3 = None  # type: ignore[assignment]

    if requests is not None:
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TransientError(platform, "connection to the platform timed out")
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return unknown_cls(platform, "no answer from the platform before the timeout")
        if isinstance(exc, requests.exceptions.ConnectionError):
            cause = exc.args[0] if exc.args else None
            reason = getattr(cause, "reason", None)
            if u3 is not None and isinstance(reason, u3.NewConnectionError):
                return TransientError(platform, "could not connect to the platform")
            return unknown_cls(platform, "connection to the platform dropped")
    if u3 is not None:
        if isinstance(exc, u3.MaxRetryError):
            return classify_network_error(platform, exc.reason, write=write) if exc.reason else None
        if isinstance(exc, u3.NewConnectionError | u3.ConnectTimeoutError):
            return TransientError(platform, "could not connect to the platform")
        if isinstance(exc, u3.ReadTimeoutError):
            return unknown_cls(platform, "no answer from the platform before the timeout")
        if isinstance(exc, u3.ProtocolError):
            return unknown_cls(platform, "connection to the platform dropped")
    return None
