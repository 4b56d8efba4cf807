"""Google Ads and Data Manager failures mapped onto the port's error vocabulary.

Classification uses the gRPC status, the GoogleAdsFailure error codes and the exception types, never
message text. The SDK's ExceptionInterceptor raises GoogleAdsException for most failures but lets
INTERNAL and RESOURCE_EXHAUSTED through raw (google.api_core.exceptions.*), so the quota wait is
read from the `googleadsfailure-bin` trailer of those as well.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.ads.googleads.errors import GoogleAdsException
from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure
from google.api_core import exceptions as core
from google.auth import exceptions as auth_exceptions

from adflux.platforms.base import (
    AuthExpired,
    InvalidRequest,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)

PLATFORM = "google"
FAILURE_KEY = "google.ads.googleads.v26.errors.googleadsfailure-bin"
DEFAULT_RETRY_S = 30.0  # when a quota error carries no retry_delay
AUTH_STATUSES = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}
TRANSIENT_STATUSES = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.ABORTED,
}
AUTH_FAMILIES = {"authentication_error", "authorization_error"}


def error_code(error: Any) -> str:
    """ "string_length_error.TOO_LONG" for a GoogleAdsError."""
    code = type(error.error_code).pb(error.error_code)
    family = code.WhichOneof("error_code")
    if family is None:
        return "unknown"
    value = getattr(code, family)
    name = code.DESCRIPTOR.fields_by_name[family].enum_type.values_by_number[value].name
    return f"{family}.{name}"


def field_path(error: Any, kind: str | None = None) -> str | None:
    """The culprit field, e.g. "ad_group_ad.ad.responsive_search_ad.headlines[3].text".

    The leading operations[i].create|update elements only say which operation it was; in a
    GoogleAdsService.Mutate, mutate_operations[i].<resource>_operation names the resource.
    """
    elements = list(error.location.field_path_elements)
    if elements and elements[0].field_name in ("operations", "mutate_operations"):
        elements = elements[1:]
        if elements and elements[0].field_name.endswith("_operation"):
            kind = kind or elements[0].field_name.removesuffix("_operation")
            elements = elements[1:]
        if elements and elements[0].field_name in ("create", "update", "remove"):
            elements = elements[1:]
    if not elements:
        return None
    parts = [f"{e.field_name}[{e.index}]" if "index" in e else e.field_name for e in elements]
    return ".".join([kind, *parts] if kind else parts)


def _message(failure: Any) -> str:
    texts = []
    for error in failure.errors:
        trigger = error.trigger.string_value if "trigger" in error else ""
        texts.append(f"{error.message} ({trigger!r})" if trigger else error.message)
    return "; ".join(texts) or "request failed"


def _retry_after(failure: Any | None) -> float:
    for error in getattr(failure, "errors", []):
        delay = error.details.quota_error_details.retry_delay
        if delay and delay.total_seconds() > 0:
            return delay.total_seconds()
    return DEFAULT_RETRY_S


def failure_from_trailer(call: Any) -> Any | None:
    """The GoogleAdsFailure in a raw gRPC call's trailing metadata, if any."""
    for key, value in _trailer(call):
        if key == FAILURE_KEY:
            return GoogleAdsFailure.deserialize(value)
    return None


def _trailer(call: Any) -> tuple[tuple[str, Any], ...]:
    # HTTP errors (Data Manager) carry a requests.Response here, which has no trailer.
    trailing = getattr(call, "trailing_metadata", None)
    return tuple(trailing() or ()) if callable(trailing) else ()


def _request_id(call: Any) -> str | None:
    return dict(_trailer(call)).get("request-id")


def _by_status(
    status: grpc.StatusCode | None,
    message: str,
    *,
    write: bool,
    failure: Any | None = None,
    code: str | None = None,
    request_id: str | None = None,
    kind: str | None = None,
) -> PlatformError:
    kwargs: dict[str, Any] = {"code": code, "request_id": request_id}
    families = {c.split(".")[0] for c in (error_code(e) for e in getattr(failure, "errors", []))}
    if status == grpc.StatusCode.RESOURCE_EXHAUSTED or "quota_error" in families:
        return RateLimited(PLATFORM, message, retry_after_s=_retry_after(failure), **kwargs)
    if status in AUTH_STATUSES or families & AUTH_FAMILIES:
        return AuthExpired(PLATFORM, message, **kwargs)
    if status == grpc.StatusCode.DEADLINE_EXCEEDED:
        # The request may have been applied: a create must be reconciled before a retry.
        return (OutcomeUnknown if write else TransientError)(PLATFORM, message, **kwargs)
    if status in TRANSIENT_STATUSES or "internal_error" in families:
        return TransientError(PLATFORM, message, **kwargs)
    first = failure.errors[0] if failure is not None and failure.errors else None
    field = field_path(first, kind) if first is not None else None
    return InvalidRequest(PLATFORM, message, field=field, **kwargs)


def classify(exc: BaseException, *, write: bool, kind: str | None = None) -> PlatformError | None:
    """The port error for an exception raised by the google-ads SDK, or None if it is not one."""
    if isinstance(exc, GoogleAdsException):
        failure = exc.failure
        first = failure.errors[0] if failure.errors else None
        return _by_status(
            exc.error.code(),
            _message(failure),
            write=write,
            failure=failure,
            code=error_code(first) if first is not None else None,
            request_id=exc.request_id,
            kind=kind,
        )
    if isinstance(exc, core.GoogleAPICallError):
        call = exc.response
        failure = failure_from_trailer(call) if call is not None else None
        status = exc.grpc_status_code
        message = _message(failure) if failure is not None else (exc.message or str(exc))
        first = failure.errors[0] if failure is not None and failure.errors else None
        return _by_status(
            status,
            message,
            write=write,
            failure=failure,
            code=error_code(first) if first is not None else (status.name if status else None),
            request_id=_request_id(call) if call is not None else None,
            kind=kind,
        )
    if isinstance(exc, grpc.RpcError) and isinstance(exc, grpc.Call):
        failure = failure_from_trailer(exc)
        message = _message(failure) if failure is not None else (exc.details() or "rpc failed")
        return _by_status(exc.code(), message, write=write, failure=failure, kind=kind)
    if isinstance(exc, auth_exceptions.RefreshError):
        # The refresh token was revoked or expired: the user must reconnect the account.
        return AuthExpired(PLATFORM, "the Google OAuth credential can no longer be refreshed")
    return None


def classify_datamanager(exc: BaseException, *, write: bool) -> PlatformError | None:
    """The port error for a Data Manager (REST) failure: HTTP status, ErrorInfo reason, details."""
    if isinstance(exc, auth_exceptions.RefreshError):
        return AuthExpired(PLATFORM, "the Google OAuth credential can no longer be refreshed")
    if not isinstance(exc, core.GoogleAPICallError):
        return None
    details = [d for d in exc.details if isinstance(d, dict)]
    kwargs: dict[str, Any] = {"code": exc.reason or exc.code}
    message = exc.message or "Data Manager request failed"
    status = exc.code or 0
    if status == 429:
        return RateLimited(PLATFORM, message, retry_after_s=_retry_info(details), **kwargs)
    if status in (401, 403):
        return AuthExpired(PLATFORM, message, **kwargs)
    if status == 504:
        return (OutcomeUnknown if write else TransientError)(PLATFORM, message, **kwargs)
    if status >= 500:
        return TransientError(PLATFORM, message, **kwargs)
    violations = [v for d in details for v in d.get("fieldViolations", []) if isinstance(v, dict)]
    field = violations[0].get("field") if violations else None
    return InvalidRequest(PLATFORM, message, field=field, **kwargs)


def _retry_info(details: list[dict[str, Any]]) -> float:
    for detail in details:
        if detail.get("@type", "").endswith("google.rpc.RetryInfo"):
            delay = str(detail.get("retryDelay", ""))
            if delay.endswith("s"):
                try:
                    return float(delay[:-1])
                except ValueError:
                    break
    return DEFAULT_RETRY_S
