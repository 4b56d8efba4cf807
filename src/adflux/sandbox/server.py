"""Run the sandbox: one threaded HTTP server (Meta, X, TikTok, Data Manager, admin) and, when the
Google Ads emulation is present, one gRPC server over TLS.

The gRPC part is a hook: `adflux.sandbox.google_ads.grpc_server.start(*, state, host, port)` must
return an object with `port: int`, `ca_pem: pathlib.Path` (the CA clients trust through
GRPC_DEFAULT_SSL_ROOTS_FILE_PATH) and `stop() -> None`. Until that module exists the HTTP part runs
alone and `grpc_port` is None.
"""

from __future__ import annotations

import importlib
import logging
import queue
import shlex
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from adflux.sandbox.app import create_app
from adflux.sandbox.faults import FaultPlan
from adflux.sandbox.ports import check_port_free
from adflux.sandbox.state import SandboxState

log = logging.getLogger(__name__)

GRPC_MODULE = "adflux.sandbox.google_ads.grpc_server"
# How often the HTTP server's loop looks for a `stop()`: socketserver's default half second was
# what stopping a sandbox cost, and the tests start and stop dozens.
SHUTDOWN_POLL_S = 0.05


class GrpcHandle(Protocol):
    port: int
    ca_pem: Path

    def stop(self) -> None: ...


class _QuietHandler(WSGIRequestHandler):
    """Logs method, path and status only: Meta sends the access token in the query string."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.debug("%s %s %s", self.command, path, code)


class _PooledWSGIServer(BaseWSGIServer):
    """Werkzeug's threaded server, with each connection served by a reused daemon thread.

    Werkzeug answers every request with "Connection: close" (keep-alive is not an option), so each
    SDK call is a connection of its own, and starting a thread for each one cost a quarter of the
    CPU of a trivial call. A connection still never waits for another: a thread starts whenever
    none is idle, as in werkzeug's threaded server.
    """

    multithread = True

    def __init__(self, host: str, port: int, app: Flask) -> None:
        # Before the server binds: a port already taken closes the server from its __init__.
        self._connections: queue.SimpleQueue[tuple[socket.socket, Any] | None] = queue.SimpleQueue()
        self._threads_lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        super().__init__(host, port, app, handler=_QuietHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._threads_lock:
            if self._idle:
                self._idle -= 1  # that thread takes this connection from the queue
            else:
                self._threads += 1
                threading.Thread(
                    target=self._serve_connections, name="sandbox-http", daemon=True
                ).start()
        self._connections.put((request, client_address))

    def _serve_connections(self) -> None:
        while (item := self._connections.get()) is not None:
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            with self._threads_lock:
                self._idle += 1

    def server_close(self) -> None:
        super().server_close()
        with self._threads_lock:
            for _ in range(self._threads):
                self._connections.put(None)
            self._threads = self._idle = 0


@dataclass
class RunningSandbox:
    """A started sandbox. `stop()` shuts both servers down."""

    host: str
    http_port: int
    grpc_port: int | None
    state: SandboxState
    ca_pem: Path | None
    _http: BaseWSGIServer
    _thread: threading.Thread
    _grpc: GrpcHandle | None = None
    _stopped: bool = field(default=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def grpc_endpoint(self) -> str | None:
        # TLS certificates are issued for "localhost", so clients must use that name.
        return None if self.grpc_port is None else f"localhost:{self.grpc_port}"

    def client_env(self) -> dict[str, str]:
        """The ADFLUX_* environment that points AdFlux's adapters at this sandbox.

        Production uses the same variables with real endpoints and credentials; nothing else
        changes. The Google entries appear only when the gRPC server runs.
        """
        c, base = self.state.credentials, self.base_url
        env = {
            "ADFLUX_META_GRAPH_URL": base,
            "ADFLUX_META_ACCESS_TOKEN": c["meta"]["access_token"],
            "ADFLUX_META_APP_SECRET": c["meta"]["app_secret"],
            "ADFLUX_META_AD_ACCOUNT_ID": c["meta"]["ad_account_id"],
            "ADFLUX_META_PAGE_ID": c["meta"]["page_id"],
            "ADFLUX_X_BASE_URL": base,
            "ADFLUX_X_UPLOAD_URL": base,
            "ADFLUX_X_CONSUMER_KEY": c["x"]["consumer_key"],
            "ADFLUX_X_CONSUMER_SECRET": c["x"]["consumer_secret"],
            "ADFLUX_X_ACCESS_TOKEN": c["x"]["access_token"],
            "ADFLUX_X_ACCESS_TOKEN_SECRET": c["x"]["access_token_secret"],
            "ADFLUX_X_ACCOUNT_ID": c["x"]["account_id"],
            "ADFLUX_X_FUNDING_INSTRUMENT_ID": c["x"]["funding_instrument_id"],
            "ADFLUX_X_USER_ID": c["x"]["user_id"],
            "ADFLUX_TIKTOK_BASE_URL": base,
            "ADFLUX_TIKTOK_ACCESS_TOKEN": c["tiktok"]["access_token"],
            "ADFLUX_TIKTOK_ADVERTISER_ID": c["tiktok"]["advertiser_id"],
            "ADFLUX_TIKTOK_IDENTITY_ID": c["tiktok"]["identity_id"],
            "ADFLUX_SNAPCHAT_BASE_URL": base,
            "ADFLUX_SNAPCHAT_TOKEN_URL": f"{base}/login/oauth2/access_token",
            "ADFLUX_SNAPCHAT_CLIENT_ID": c["snapchat"]["client_id"],
            "ADFLUX_SNAPCHAT_CLIENT_SECRET": c["snapchat"]["client_secret"],
            "ADFLUX_SNAPCHAT_REFRESH_TOKEN": c["snapchat"]["refresh_token"],
            "ADFLUX_SNAPCHAT_ORGANIZATION_ID": c["snapchat"]["organization_id"],
            "ADFLUX_SNAPCHAT_AD_ACCOUNT_ID": c["snapchat"]["ad_account_id"],
        }
        if self.grpc_endpoint is not None:
            env.update(
                {
                    "ADFLUX_GOOGLE_ADS_ENDPOINT": self.grpc_endpoint,
                    "ADFLUX_GOOGLE_ADS_DEVELOPER_TOKEN": c["google"]["developer_token"],
                    "ADFLUX_GOOGLE_ADS_ACCESS_TOKEN": c["google"]["access_token"],
                    "ADFLUX_GOOGLE_ADS_CUSTOMER_ID": c["google"]["customer_id"],
                    "ADFLUX_GOOGLE_ADS_DATAMANAGER_URL": base,
                    "ADFLUX_GOOGLE_ADS_CA_FILE": str(self.ca_pem) if self.ca_pem else "",
                }
            )
        return env

    def write_client_env(self, path: Path) -> Path:
        """Write `client_env()` as shell `export` lines to `path`, readable by its owner only.

        `source` it (or copy the lines) to point another AdFlux process at this sandbox; the
        values are the sandbox's test credentials, but the file is still treated as a secret.
        """
        lines = [f"export {k}={shlex.quote(v)}" for k, v in sorted(self.client_env().items())]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)  # an existing file keeps its mode on touch
        path.write_text("\n".join(lines) + "\n")
        return path

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.state.market.outbox.stop()
        if self._grpc is not None:
            self._grpc.stop()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


def start_in_thread(
    host: str = "127.0.0.1",
    http_port: int = 0,
    grpc_port: int | None = 0,
    state_dir: Path | None = None,
    *,
    persist: bool = False,
    credentials: Mapping[str, Mapping[str, str]] | None = None,
    faults: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int = 0,
) -> RunningSandbox:
    """Start the sandbox in background threads and return once both ports are bound.

    Port 0 picks a free port; `grpc_port=None` skips the gRPC server. `faults` maps a platform to
    `FaultPlan` settings, e.g. {"meta": {"rate_limit": 0.1, "latency_ms": 50}}.
    """
    # Before anything starts: a taken port leaves no thread or file behind.
    check_port_free(host, http_port, "HTTP")
    if grpc_port:
        check_port_free(host, grpc_port, "gRPC")
    state = SandboxState.create(
        state_dir=Path(state_dir) if state_dir is not None else None,
        persist=persist,
        credentials={k: dict(v) for k, v in (credentials or {}).items()},
        seed=seed,
    )
    for platform, plan in (faults or {}).items():
        state.faults.set(platform, FaultPlan.from_dict(dict(plan)))
    app = create_app(state)
    state.market.outbox.start()
    http = _PooledWSGIServer(host, http_port, app)
    thread = threading.Thread(
        target=http.serve_forever,
        kwargs={"poll_interval": SHUTDOWN_POLL_S},
        name="sandbox-http",
        daemon=True,
    )
    thread.start()
    grpc = _start_grpc(state, host, grpc_port) if grpc_port is not None else None
    return RunningSandbox(
        host=host,
        http_port=http.server_port,
        grpc_port=grpc.port if grpc else None,
        state=state,
        ca_pem=grpc.ca_pem if grpc else None,
        _http=http,
        _thread=thread,
        _grpc=grpc,
    )


def run(
    host: str = "127.0.0.1",
    http_port: int = 8765,
    grpc_port: int | None = 8766,
    state_dir: Path | None = None,
    *,
    persist: bool = False,
    credentials: Mapping[str, Mapping[str, str]] | None = None,
    faults: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int = 0,
    on_ready: Callable[[RunningSandbox], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM. `on_ready` gets the running sandbox (ports, CA path)."""
    sandbox = start_in_thread(
        host,
        http_port,
        grpc_port,
        state_dir,
        persist=persist,
        credentials=credentials,
        faults=faults,
        seed=seed,
    )
    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in signals}
    try:
        if on_ready is not None:
            on_ready(sandbox)
        stop.wait()
    finally:
        sandbox.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start_grpc(state: SandboxState, host: str, port: int) -> GrpcHandle | None:
    try:
        module = importlib.import_module(GRPC_MODULE)
    except ModuleNotFoundError as exc:
        # Only "not written yet" or "gRPC/google-ads not installed" is tolerated.
        if exc.name and exc.name.startswith("adflux.") and not GRPC_MODULE.startswith(exc.name):
            raise
        log.info("sandbox: Google Ads gRPC emulation not available (%s)", exc.name)
        return None
    return module.start(state=state, host=host, port=port)
