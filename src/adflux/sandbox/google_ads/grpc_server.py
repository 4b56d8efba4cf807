"""The Google Ads v26 gRPC endpoint over TLS, built from the google-ads wheel's own messages.

Handlers are generic (grpc.method_handlers_generic_handler) and (de)serialize with the SDK's
proto-plus classes, so anything the real API would not parse fails here too. Every call is
authenticated (bearer token, developer-token, customer access) and then goes through the shared
fault plan of platform "google": latency, RESOURCE_EXHAUSTED with a retry delay, UNAVAILABLE, or a
timeout that applies the mutation and withholds the answer.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import grpc
from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure
from google.ads.googleads.v26.services.types import ad_service
from google.ads.googleads.v26.services.types import google_ads_service as gas

from adflux.sandbox.faults import RATE_LIMIT, SERVER_ERROR, TIMEOUT
from adflux.sandbox.google_ads import ads, batch, mutate, search
from adflux.sandbox.google_ads.catalog import KINDS, PLATFORM
from adflux.sandbox.google_ads.failures import (
    FAILURE_KEY,
    ApiError,
    error,
    permission_denied,
    quota_exhausted,
    transient,
    unauthenticated,
)
from adflux.sandbox.google_ads.tls import ensure_tls, process_tls_dir
from adflux.sandbox.state import SandboxState

log = logging.getLogger(__name__)

SERVICE_PREFIX = "google.ads.googleads.v26.services."
WORKERS = 16


@dataclass
class GoogleAdsServer:
    """A started gRPC server; `ca_pem` is what clients put in GRPC_DEFAULT_SSL_ROOTS_FILE_PATH."""

    port: int
    ca_pem: Path
    _server: grpc.Server

    def stop(self) -> None:
        self._server.stop(grace=1).wait(5)


def _authenticate(state: SandboxState, context: grpc.ServicerContext, customer_id: str) -> None:
    metadata = {key: value for key, value in context.invocation_metadata()}
    expected = state.credentials[PLATFORM]
    developer_token = metadata.get("developer-token")
    if not developer_token:
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            [
                error(
                    "request_error",
                    "DEVELOPER_TOKEN_PARAMETER_MISSING",
                    "Developer token parameter is missing.",
                )
            ],
        )
    header = str(metadata.get("authorization", ""))
    if not header.startswith("Bearer "):
        raise unauthenticated(
            "OAUTH_TOKEN_HEADER_INVALID", "OAuth token in the header is not valid."
        )
    if header.removeprefix("Bearer ") != expected["access_token"]:
        raise unauthenticated("OAUTH_TOKEN_INVALID", "OAuth token in the header is not valid.")
    if state.is_revoked(PLATFORM):
        raise unauthenticated("OAUTH_TOKEN_REVOKED", "OAuth token in the header has been revoked.")
    if developer_token != expected["developer_token"]:
        raise unauthenticated("DEVELOPER_TOKEN_INVALID", "The developer token is not valid.")
    accessible = {expected["customer_id"], expected.get("login_customer_id")}
    login = metadata.get("login-customer-id")
    if login and login not in accessible:
        raise permission_denied(
            "USER_PERMISSION_DENIED", "User doesn't have permission to access customer."
        )
    if customer_id and not customer_id.isdigit():
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            [error("request_error", "INVALID_CUSTOMER_ID", "Customer id is invalid.")],
        )
    if customer_id != expected["customer_id"]:
        raise permission_denied(
            "USER_PERMISSION_DENIED", "User doesn't have permission to access customer."
        )


def _hold(context: grpc.ServicerContext, seconds: float) -> None:
    # The work is done; keep the answer back until the client gives up (or the hold ends).
    deadline = time.monotonic() + seconds
    while context.is_active() and time.monotonic() < deadline:
        time.sleep(0.02)


def _abort(context: grpc.ServicerContext, exc: ApiError, request_id: str) -> None:
    failure = GoogleAdsFailure.serialize(exc.failure(request_id))
    context.set_trailing_metadata(((FAILURE_KEY, failure), ("request-id", request_id)))
    context.abort(exc.status, exc.message)


class _Call:
    """The checks every RPC goes through before and after its own work."""

    def __init__(
        self,
        state: SandboxState,
        context: grpc.ServicerContext,
        method: str,
        customer_id: str,
        request_id: str,
    ):
        self.state, self.context = state, context
        self.request_id = request_id
        self.hold_s = 0.0
        _authenticate(state, context, customer_id)
        draw = state.faults.draw(PLATFORM, method)
        if draw.latency_s:
            time.sleep(draw.latency_s)
        if draw.fault == RATE_LIMIT:
            raise quota_exhausted(draw.plan.retry_after_s)
        if draw.fault == SERVER_ERROR:
            raise transient()
        if draw.fault == TIMEOUT:
            self.hold_s = draw.plan.timeout_hold_s

    def answer(self) -> None:
        if self.hold_s:
            _hold(self.context, self.hold_s)
        self.context.send_initial_metadata((("request-id", self.request_id),))


def _unary(
    state: SandboxState, method: str, work: Callable[[Any], Any]
) -> Callable[[Any, Any], Any]:
    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        request_id = uuid.uuid4().hex[:22]
        status = grpc.StatusCode.UNKNOWN  # what an exception escaping the handler becomes
        try:
            call = _Call(state, context, method, request.customer_id, request_id)
            response = work(request)
            call.answer()
            status = grpc.StatusCode.OK
            return response
        except ApiError as exc:
            status = exc.status
            _abort(context, exc, request_id)
            raise  # unreachable: abort raises
        finally:
            _log(state, method, status)

    return handle


def _log(state: SandboxState, method: str, status: grpc.StatusCode) -> None:
    """One request-log entry per RPC: gRPC runs over HTTP/2 POSTs to the method's path."""
    state.requests.record(
        platform=PLATFORM, protocol="grpc", method="POST", path=method, status=status.name
    )


def _search_stream(state: SandboxState, method: str) -> Callable[[Any, Any], Iterator[Any]]:
    def handle(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        request_id = uuid.uuid4().hex[:22]
        status = grpc.StatusCode.UNKNOWN
        try:
            call = _Call(state, context, method, request.customer_id, request_id)
            batches = list(search.stream(state, request, request_id))
            call.answer()
            status = grpc.StatusCode.OK
        except ApiError as exc:
            status = exc.status
            _abort(context, exc, request_id)
            return
        finally:
            _log(state, method, status)
        yield from batches

    return handle


def _search(state: SandboxState, request: Any) -> Any:
    rows, fields = search.search(state, request.customer_id, request.query)
    return gas.SearchGoogleAdsResponse(
        results=rows, field_mask={"paths": fields}, total_results_count=len(rows)
    )


def _path(service: str, rpc: str) -> str:
    """The gRPC method path fault plans match on, e.g. ".../CampaignService/MutateCampaigns"."""
    return f"/{SERVICE_PREFIX}{service}/{rpc}"


def _handlers(state: SandboxState) -> list[grpc.GenericRpcHandler]:
    handlers = []
    for kind in KINDS.values():
        method = grpc.unary_unary_rpc_method_handler(
            _unary(state, _path(kind.service, kind.rpc), partial(mutate.run, state, kind)),
            request_deserializer=kind.request.deserialize,
            response_serializer=kind.response.serialize,
        )
        handlers.append(
            grpc.method_handlers_generic_handler(SERVICE_PREFIX + kind.service, {kind.rpc: method})
        )
    # AdService has no Kind of its own: an ad lives inside its AdGroupAd (ads.run).
    mutate_ads = grpc.unary_unary_rpc_method_handler(
        _unary(state, _path("AdService", "MutateAds"), partial(ads.run, state)),
        request_deserializer=ad_service.MutateAdsRequest.deserialize,
        response_serializer=ad_service.MutateAdsResponse.serialize,
    )
    handlers.append(
        grpc.method_handlers_generic_handler(
            SERVICE_PREFIX + "AdService", {"MutateAds": mutate_ads}
        )
    )
    google_ads = {
        "SearchStream": grpc.unary_stream_rpc_method_handler(
            _search_stream(state, _path("GoogleAdsService", "SearchStream")),
            request_deserializer=gas.SearchGoogleAdsStreamRequest.deserialize,
            response_serializer=gas.SearchGoogleAdsStreamResponse.serialize,
        ),
        "Mutate": grpc.unary_unary_rpc_method_handler(
            _unary(state, _path("GoogleAdsService", "Mutate"), partial(batch.run, state)),
            request_deserializer=gas.MutateGoogleAdsRequest.deserialize,
            response_serializer=gas.MutateGoogleAdsResponse.serialize,
        ),
        "Search": grpc.unary_unary_rpc_method_handler(
            _unary(state, _path("GoogleAdsService", "Search"), partial(_search, state)),
            request_deserializer=gas.SearchGoogleAdsRequest.deserialize,
            response_serializer=gas.SearchGoogleAdsResponse.serialize,
        ),
    }
    handlers.append(
        grpc.method_handlers_generic_handler(SERVICE_PREFIX + "GoogleAdsService", google_ads)
    )
    return handlers


def start(*, state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> GoogleAdsServer:
    """Serve Google Ads over TLS on host:port (0 = a free port); returns once bound."""
    tls = ensure_tls(state.state_dir if state.state_dir is not None else process_tls_dir())
    server = grpc.server(ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sandbox-grpc"))
    server.add_generic_rpc_handlers(_handlers(state))
    credentials = grpc.ssl_server_credentials([(tls.private_key_pem, tls.cert_chain_pem)])
    bound = server.add_secure_port(f"{host}:{port}", credentials)
    server.start()
    log.info("sandbox: Google Ads gRPC on %s:%s", host, bound)
    return GoogleAdsServer(port=bound, ca_pem=tls.ca_path, _server=server)
