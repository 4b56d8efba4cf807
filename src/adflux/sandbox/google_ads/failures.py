"""Google Ads API errors as the real service sends them: a gRPC status plus a GoogleAdsFailure.

The failure travels serialized in the trailing metadata key
`google.ads.googleads.v26.errors.googleadsfailure-bin`, next to `request-id`; the SDK's
ExceptionInterceptor turns that into GoogleAdsException (except for INTERNAL and
RESOURCE_EXHAUSTED, which it re-raises raw with the same trailer).
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.ads.googleads.v26.errors.types import errors as errs

FAILURE_KEY = "google.ads.googleads.v26.errors.googleadsfailure-bin"
INVALID_ARGUMENT_MESSAGE = "Request contains an invalid argument."

# A path element is a field name, or (field name, index) for a repeated field.
PathElement = str | tuple[str, int]


def location(*path: PathElement) -> errs.ErrorLocation:
    """ErrorLocation from ("operations", 0), "create", "name" style elements."""
    elements = []
    for element in path:
        if isinstance(element, tuple):
            name, index = element
            elements.append(errs.ErrorLocation.FieldPathElement(field_name=name, index=index))
        else:
            elements.append(errs.ErrorLocation.FieldPathElement(field_name=element))
    return errs.ErrorLocation(field_path_elements=elements)


def error(
    family: str,
    code_name: str,
    message: str,
    *,
    path: Sequence[PathElement] = (),
    trigger: str | None = None,
) -> errs.GoogleAdsError:
    """One GoogleAdsError, e.g. error("string_length_error", "TOO_LONG", "Too long.", path=...)."""
    enum_type = type(errs.ErrorCode()._pb).DESCRIPTOR.fields_by_name[family].enum_type
    value = enum_type.values_by_name[code_name].number
    built = errs.GoogleAdsError(error_code=errs.ErrorCode(**{family: value}), message=message)
    if path:
        built.location = location(*path)
    if trigger is not None:
        built.trigger.string_value = trigger
    return built


def not_found(name: str, path: Sequence[PathElement]) -> errs.GoogleAdsError:
    """MutateError.RESOURCE_NOT_FOUND for the resource `name`."""
    return error(
        "mutate_error",
        "RESOURCE_NOT_FOUND",
        "The requested resource was not found.",
        path=path,
        trigger=name,
    )


def malformed(name: str, path: Sequence[PathElement]) -> errs.GoogleAdsError:
    """RequestError.RESOURCE_NAME_MALFORMED for the resource name `name`."""
    return error(
        "request_error",
        "RESOURCE_NAME_MALFORMED",
        "Resource name is malformed.",
        path=path,
        trigger=name,
    )


class ApiError(Exception):
    """Raised inside a handler; the server turns it into status + trailing GoogleAdsFailure."""

    def __init__(
        self,
        status: grpc.StatusCode,
        errors: Sequence[errs.GoogleAdsError],
        message: str = INVALID_ARGUMENT_MESSAGE,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = list(errors)
        self.message = message

    def failure(self, request_id: str) -> errs.GoogleAdsFailure:
        return errs.GoogleAdsFailure(errors=self.errors, request_id=request_id)


def invalid(errors: Sequence[errs.GoogleAdsError]) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, errors)


def quota_exhausted(retry_after_s: int) -> ApiError:
    """Short-term quota error with the wait Google asks for in QuotaErrorDetails.retry_delay."""
    built = error(
        "quota_error",
        "RESOURCE_TEMPORARILY_EXHAUSTED",
        f"Too many requests. Retry in {retry_after_s} seconds.",
    )
    built.details = errs.ErrorDetails(
        quota_error_details=errs.QuotaErrorDetails(
            rate_scope=errs.QuotaErrorDetails.QuotaRateScope.DEVELOPER,
            rate_name="Number of operations for basic access",
            retry_delay={"seconds": retry_after_s},
        )
    )
    return ApiError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        [built],
        "Resource has been exhausted (e.g. check quota).",
    )


def transient() -> ApiError:
    built = error(
        "internal_error",
        "TRANSIENT_ERROR",
        "The service encountered a transient error. Please retry.",
    )
    return ApiError(grpc.StatusCode.UNAVAILABLE, [built], "The service is currently unavailable.")


def unauthenticated(code_name: str, message: str) -> ApiError:
    return ApiError(
        grpc.StatusCode.UNAUTHENTICATED,
        [error("authentication_error", code_name, message)],
        "Request is missing required authentication credential.",
    )


def permission_denied(code_name: str, message: str) -> ApiError:
    return ApiError(
        grpc.StatusCode.PERMISSION_DENIED,
        [error("authorization_error", code_name, message)],
        "The caller does not have permission",
    )
