"""Google Ads / Data Manager failures -> the port's error classes, from the real failure shapes."""

from __future__ import annotations

import grpc
import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.ads.googleads.v26.errors.types import errors as errs
from google.ads.googleads.v26.errors.types.authentication_error import AuthenticationErrorEnum
from google.ads.googleads.v26.errors.types.authorization_error import AuthorizationErrorEnum
from google.ads.googleads.v26.errors.types.criterion_error import CriterionErrorEnum
from google.ads.googleads.v26.errors.types.field_error import FieldErrorEnum
from google.ads.googleads.v26.errors.types.internal_error import InternalErrorEnum
from google.ads.googleads.v26.errors.types.quota_error import QuotaErrorEnum
from google.ads.googleads.v26.errors.types.string_length_error import StringLengthErrorEnum
from google.api_core import exceptions as core
from google.auth import exceptions as auth_exceptions

from adflux.platforms.base import (
    AuthExpired,
    InvalidRequest,
    OutcomeUnknown,
    RateLimited,
    TransientError,
)
from adflux.platforms.google_ads.errors import (
    FAILURE_KEY,
    classify,
    classify_datamanager,
    error_code,
    field_path,
)

AUTHN = AuthenticationErrorEnum.AuthenticationError
AUTHZ = AuthorizationErrorEnum.AuthorizationError
QUOTA = QuotaErrorEnum.QuotaError
REQUIRED = FieldErrorEnum.FieldError.REQUIRED


class FakeCall:
    """What the SDK hands over as `error`/`call`: a status code and the trailing metadata."""

    def __init__(self, status: grpc.StatusCode, failure: errs.GoogleAdsFailure | None = None):
        self._status = status
        self._trailer = [("request-id", "req-1")]
        if failure is not None:
            self._trailer.append((FAILURE_KEY, errs.GoogleAdsFailure.serialize(failure)))

    def code(self) -> grpc.StatusCode:
        return self._status

    def trailing_metadata(self):
        return self._trailer


def _error(family: str, value: int, message: str, *path, seconds: int | None = None):
    error = errs.GoogleAdsError(error_code=errs.ErrorCode(**{family: value}), message=message)
    for element in path:
        name, index = element if isinstance(element, tuple) else (element, None)
        fpe = errs.ErrorLocation.FieldPathElement(field_name=name)
        if index is not None:
            fpe.index = index
        error.location.field_path_elements.append(fpe)
    if seconds is not None:
        error.details.quota_error_details.retry_delay = {"seconds": seconds}
    return error


def _ads_exception(status: grpc.StatusCode, *errors) -> GoogleAdsException:
    failure = errs.GoogleAdsFailure(errors=list(errors), request_id="req-1")
    call = FakeCall(status, failure)
    return GoogleAdsException(call, call, failure, "req-1")


TOO_LONG = _error(
    "string_length_error",
    StringLengthErrorEnum.StringLengthError.TOO_LONG,
    "Too long.",
    ("operations", 0),
    "create",
    "ad",
    "responsive_search_ad",
    ("headlines", 3),
    "text",
)


def test_validation_error_is_invalid_request_with_field_path():
    error = classify(
        _ads_exception(grpc.StatusCode.INVALID_ARGUMENT, TOO_LONG), write=True, kind="ad_group_ad"
    )
    assert isinstance(error, InvalidRequest)
    assert error.field == "ad_group_ad.ad.responsive_search_ad.headlines[3].text"
    assert error.code == "string_length_error.TOO_LONG"
    assert error.request_id == "req-1"
    assert error.platform == "google"


def test_field_path_keeps_index_zero_and_drops_the_operation_prefix():
    assert field_path(TOO_LONG) == "ad.responsive_search_ad.headlines[3].text"
    first = _error(
        "field_error", REQUIRED, "Required.", ("operations", 0), "create", ("final_urls", 0)
    )
    assert field_path(first, "ad") == "ad.final_urls[0]"


def test_field_path_in_a_google_ads_mutate_names_the_operations_resource():
    radius = _error(
        "criterion_error",
        CriterionErrorEnum.CriterionError.INVALID_PROXIMITY_RADIUS,
        "Invalid proximity radius.",
        ("mutate_operations", 2),
        "campaign_criterion_operation",
        "create",
        "proximity",
        "radius",
    )
    assert field_path(radius) == "campaign_criterion.proximity.radius"


def test_error_code_names_family_and_value():
    assert error_code(_error("field_error", REQUIRED, "x")) == "field_error.REQUIRED"


@pytest.mark.parametrize(
    ("status", "family", "value"),
    [
        (grpc.StatusCode.UNAUTHENTICATED, "authentication_error", AUTHN.OAUTH_TOKEN_REVOKED),
        (grpc.StatusCode.UNAUTHENTICATED, "authentication_error", AUTHN.DEVELOPER_TOKEN_INVALID),
        (grpc.StatusCode.PERMISSION_DENIED, "authorization_error", AUTHZ.USER_PERMISSION_DENIED),
    ],
)
def test_auth_failures_are_auth_expired(status, family, value):
    error = classify(_ads_exception(status, _error(family, value, "no")), write=False)
    assert isinstance(error, AuthExpired)


def test_transient_google_ads_failure():
    exc = _ads_exception(
        grpc.StatusCode.UNAVAILABLE,
        _error("internal_error", InternalErrorEnum.InternalError.TRANSIENT_ERROR, "Retry."),
    )
    assert isinstance(classify(exc, write=True), TransientError)


def test_raw_resource_exhausted_reads_retry_delay_from_the_trailer():
    # The SDK lets RESOURCE_EXHAUSTED through raw; GAPIC wraps it in api_core's exception.
    failure = errs.GoogleAdsFailure(
        errors=[
            _error(
                "quota_error",
                QUOTA.RESOURCE_TEMPORARILY_EXHAUSTED,
                "Too many requests.",
                seconds=17,
            )
        ]
    )
    exc = core.ResourceExhausted(
        "quota", response=FakeCall(grpc.StatusCode.RESOURCE_EXHAUSTED, failure)
    )
    error = classify(exc, write=True)
    assert isinstance(error, RateLimited)
    assert error.retry_after_s == 17
    assert error.code == "quota_error.RESOURCE_TEMPORARILY_EXHAUSTED"
    assert error.request_id == "req-1"


def test_resource_exhausted_without_details_waits_a_default():
    exc = core.ResourceExhausted("quota", response=FakeCall(grpc.StatusCode.RESOURCE_EXHAUSTED))
    error = classify(exc, write=False)
    assert isinstance(error, RateLimited)
    assert error.retry_after_s == 30


def test_deadline_exceeded_after_a_write_is_outcome_unknown_but_transient_for_reads():
    exc = core.DeadlineExceeded("Deadline Exceeded")
    assert isinstance(classify(exc, write=True), OutcomeUnknown)
    read = classify(exc, write=False)
    assert isinstance(read, TransientError) and not isinstance(read, OutcomeUnknown)


@pytest.mark.parametrize(
    "exc_class", [core.ServiceUnavailable, core.InternalServerError, core.Unknown]
)
def test_server_side_failures_are_transient(exc_class):
    assert isinstance(classify(exc_class("boom"), write=True), TransientError)


def test_raw_unauthenticated_without_failure_is_auth_expired():
    assert isinstance(classify(core.Unauthenticated("bad token"), write=False), AuthExpired)


def test_refresh_error_is_auth_expired():
    exc = auth_exceptions.RefreshError("invalid_grant: Token has been expired or revoked.")
    assert isinstance(classify(exc, write=True), AuthExpired)
    assert isinstance(classify_datamanager(exc, write=False), AuthExpired)


def test_unrelated_exceptions_are_left_alone():
    assert classify(ValueError("bug"), write=True) is None
    assert classify_datamanager(ValueError("bug"), write=True) is None


def _http_error(status: int, *details):
    exc = core.from_http_status(status, "failed", details=list(details))
    return exc


def test_datamanager_rate_limit_uses_retry_info():
    retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "9s"}
    error = classify_datamanager(_http_error(429, retry), write=False)
    assert isinstance(error, RateLimited)
    assert error.retry_after_s == 9


def test_datamanager_bad_request_names_the_field():
    violation = {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": "destinations[0].product_destination_id"}],
    }
    error = classify_datamanager(_http_error(400, violation), write=False)
    assert isinstance(error, InvalidRequest)
    assert error.field == "destinations[0].product_destination_id"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, AuthExpired), (403, AuthExpired), (503, TransientError), (500, TransientError)],
)
def test_datamanager_statuses(status, expected):
    assert isinstance(classify_datamanager(_http_error(status), write=False), expected)
