"""A whole AdFlux deployment on one machine, built from real processes, for e2e tests and benches.

Every piece belongs to whoever started it: a private redis-server on a free port, a private
PostgreSQL database, the platform sandbox in this process (its calls recorded), and `adflux serve`
/ `adflux worker` subprocesses, each in its own process group so it can be stopped (or killed)
without touching anything else on the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
from sqlalchemy.engine import make_url
from tests.e2e.processes import run_cli

from adflux.sandbox.faults import Draw, FaultPlan, Faults
from adflux.sandbox.server import RunningSandbox, start_in_thread

ADFLUX = str(Path(sys.executable).with_name("adflux"))
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/adflux_test"
KEY = re.compile(r"\[(adflux-pub-\d+)\]")
T = TypeVar("T")


class Unavailable(RuntimeError):
    """A service the stack needs (redis-server, PostgreSQL) is missing; the message says which."""

    def __init__(self, service: str, detail: str):
        super().__init__(f"{service}: {detail}")
        self.service = service
        self.detail = detail


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], T], *, timeout: float, interval: float = 0.2, what: str = "condition"
) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------- redis


class RedisServer:
    """A redis-server process of our own: no persistence, loopback only, a port nobody else uses."""

    def __init__(self, port: int | None = None, *, log_dir: Path):
        self.port = port or free_port()
        self.log_path = log_dir / f"redis-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = _which("redis-server")
        if binary is None:
            raise Unavailable("Redis", "redis-server is not installed")
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    *(binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.ping, timeout=10, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None


class RabbitVhost:
    """A virtual host of our own on the machine's RabbitMQ (guest/guest on 127.0.0.1:5672):
    its workers, queues and broadcasts see nobody else's. Deleted, with all it holds, at the end.
    """

    def __init__(self, name: str):
        self.name = name

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:5672/{self.name}"

    def create(self) -> RabbitVhost:
        ctl = _which("rabbitmqctl")
        if ctl is None:
            raise Unavailable("RabbitMQ", "rabbitmqctl is not installed")
        try:
            with socket.create_connection(("127.0.0.1", 5672), timeout=1):
                pass
        except OSError as exc:
            raise Unavailable("RabbitMQ", f"127.0.0.1:5672: {exc}") from None
        for args in (
            ("add_vhost", self.name),
            ("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*"),
        ):
            result = subprocess.run([ctl, *args], capture_output=True, text=True, timeout=60)
            if result.returncode != 0 and "already exists" not in result.stderr:
                raise Unavailable("RabbitMQ", f"rabbitmqctl {args[0]}: {result.stderr.strip()}")
        return self

    def delete(self) -> None:
        ctl = _which("rabbitmqctl")
        if ctl is not None:
            subprocess.run([ctl, "delete_vhost", self.name], capture_output=True, timeout=60)


# --------------------------------------------------------------------------- postgresql


class PostgresDatabase:
    """A database of our own on the shared PostgreSQL server, dropped (only it) at the end."""

    def __init__(self, name: str, *, server_url: str | None = None):
        base = make_url(server_url or os.environ.get("ADFLUX_TEST_DATABASE_URL", DEFAULT_POSTGRES))
        self.name = name
        self.url = base.set(database=name).render_as_string(hide_password=False)
        self._admin = base.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False
        )
        self.dsn = base.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )

    def create(self) -> PostgresDatabase:
        try:
            with psycopg.connect(self._admin, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.name}"')
        except psycopg.OperationalError as exc:
            raise Unavailable("PostgreSQL", str(exc).strip()) from None
        return self

    def drop(self) -> None:
        with psycopg.connect(self._admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return list(conn.execute(query, params).fetchall())  # type: ignore[arg-type]

    def execute(self, statement: str, *params: Any) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(statement, params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sandbox calls


@dataclass(frozen=True)
class Call:
    at: float  # time.time() when the sandbox received it
    platform: str
    call: str  # "POST /v26.0/act_1/campaigns" or the gRPC method
    fault: str | None


class RecordingFaults(Faults):
    """The sandbox's fault injection, also keeping a log of every call it was asked about.

    Every platform call on HTTP and gRPC goes through `draw` first, so this is the sandbox-side
    count of calls and of the rate-limit answers it gave.
    """

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self._log_lock = threading.Lock()
        self.calls: list[Call] = []

    def draw(self, platform: str, call: str = "") -> Draw:
        drawn = super().draw(platform, call)
        with self._log_lock:
            self.calls.append(Call(time.time(), platform, call, drawn.fault))
        return drawn

    def snapshot(self) -> list[Call]:
        with self._log_lock:
            return list(self.calls)

    def forget(self) -> None:
        with self._log_lock:
            self.calls.clear()


def start_sandbox(state_dir: Path, faults: Mapping[str, Mapping[str, Any]] | None = None):
    """The sandbox in this process's threads, with a recording fault injector installed."""
    sandbox = start_in_thread(state_dir=state_dir)
    recorder = RecordingFaults()
    sandbox.state.faults = recorder
    for platform, plan in (faults or {}).items():
        recorder.set(platform, FaultPlan.from_dict(dict(plan)))
    return sandbox, recorder


def platform_objects(sandbox: RunningSandbox) -> dict[str, dict[str, set[str]]]:
    """Per platform, per publication key: the ids of every object the sandbox holds for it.

    AdFlux names what it creates with the publication key ("... [adflux-pub-42]"); unnamed
    objects (ads, criteria, promoted posts) belong to the named object they point to.
    """
    owned: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for platform, objects in sandbox.state.store.dump().items():
        owner_of: dict[str, str] = {}
        unnamed = []
        for obj in objects:
            keys = set(KEY.findall(json.dumps(obj, ensure_ascii=False)))
            if len(keys) > 1:
                raise AssertionError(f"{platform} object names several publications: {obj}")
            if keys:
                (key,) = keys
                owner_of[obj["id"]] = key
                owned[platform][key].add(obj["id"])
            else:
                unnamed.append(obj)
        for obj in unnamed:
            refs = {owner_of[v] for v in _strings(obj) if v != obj["id"] and v in owner_of}
            if len(refs) > 1:
                raise AssertionError(f"{platform} object points at several publications: {obj}")
            for key in refs:
                owned[platform][key].add(obj["id"])
    return owned


def recorded_ids(external_ids: Mapping[str, str]) -> set[str]:
    """Every platform id a publication stored (several objects of one kind are comma-separated)."""
    return {part for value in external_ids.values() for part in str(value).split(",") if part}


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --------------------------------------------------------------------------- adflux processes


@dataclass
class Proc:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole process group: nothing gets to clean up, as in a crash."""
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        _stop(self.process)


@dataclass
class Deployment:
    """Environment + processes of one AdFlux installation (API server, workers, CLI)."""

    env: dict[str, str]
    work_dir: Path
    api_port: int = field(default_factory=free_port)
    token: str | None = None
    server: Proc | None = None
    workers: list[Proc] = field(default_factory=list)
    _count: int = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def cli(
        self, *args: str, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "ADFLUX_API_URL": self.api_url}
        if self.token:
            env["ADFLUX_API_TOKEN"] = self.token
        result = run_cli(*args, env=env, timeout=timeout, cwd=self.work_dir)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"adflux {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n"
                f"{result.stderr}"
            )
        return result

    def prepare(self, *, jobs: int = 20, candidates: int = 300) -> None:
        """Migrate, seed, and mint an admin token for the API calls: what `adflux db upgrade`,
        `adflux seed` and `adflux token create` do, in this process on the deployment's database
        (three cold interpreters cost seconds; the CLI tests run those commands as processes)."""
        from adflux.app import create_app
        from adflux.auth import service as auth_service
        from adflux.config import Settings
        from adflux.context import acting_as
        from adflux.database import upgrade_schema
        from adflux.datagen import service as datagen
        from adflux.extensions import db

        settings = Settings(
            database_url=self.env["DATABASE_URL"],
            data_dir=Path(self.env["ADFLUX_DATA_DIR"]),
            log_level="WARNING",
        )
        app = create_app(settings)
        try:
            with app.app_context(), acting_as("cli"):
                upgrade_schema()
                datagen.seed(n_jobs=jobs, n_candidates=candidates)
                _row, self.token = auth_service.create_token(
                    db_session=db.session, name=f"e2e-{time.time_ns()}", role="admin"
                )
                db.session.remove()
                db.engine.dispose()
        finally:
            app.extensions["adflux_dispatcher"].shutdown()

    def spawn(self, name: str, *args: str, env: Mapping[str, str] | None = None) -> Proc:
        """Start ``adflux *args`` with the deployment's environment, changed by ``env``."""
        self._count += 1
        log_path = self.work_dir / f"{self._count:02d}-{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [ADFLUX, *args],
                env={**self.env, **(env or {})},
                cwd=self.work_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Proc(name, process, log_path)

    def start_server(self, *, threads: int = 8, wait: bool = True) -> Proc:
        """Start `adflux serve`; with ``wait=False`` the caller calls `wait_serving` later
        (the workers can start meanwhile: both are seconds of a cold interpreter)."""
        self.server = self.spawn(
            "serve", "serve", "--port", str(self.api_port), "--threads", str(threads)
        )
        if wait:
            self.wait_serving()
        return self.server

    def wait_serving(self) -> None:
        wait_for(self._ready, timeout=30, what=f"the API on {self.api_url}")

    def _ready(self) -> bool:
        assert self.server is not None
        if not self.server.alive():
            raise RuntimeError(f"adflux serve exited:\n{self.server.log()[-3000:]}")
        try:
            return httpx.get(f"{self.api_url}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def start_worker(self, *args: str) -> Proc:
        (worker,) = self.start_workers(1, *args)
        return worker

    def start_workers(
        self, count: int, *args: str, env: Mapping[str, str] | None = None
    ) -> list[Proc]:
        """Start ``count`` workers at once and wait until each is connected to the broker."""
        started = []
        for _ in range(count):
            started.append(self.spawn(f"worker{len(self.workers) + 1}", "worker", *args, env=env))
            self.workers.append(started[-1])
        for worker in started:
            wait_for(
                lambda worker=worker: _ready_line(worker),
                timeout=30,
                what=f"{worker.name} to connect to the broker",
            )
        return started

    def api(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.api_url, headers=headers, timeout=30)

    def stop(self) -> None:
        stop_all([*self.workers, *([self.server] if self.server else [])])
        self.workers.clear()
        self.server = None


def stop_all(procs: Iterable[Proc], timeout: float = 10) -> None:
    """Stop them as `Proc.stop` does, all at once: each gets the same grace, but their shutdowns
    overlap instead of adding up."""
    running = [proc.process for proc in procs]
    for process in running:
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in running:
        _stop(process, timeout=0)


def _ready_line(worker: Proc) -> bool:
    if not worker.alive():
        raise RuntimeError(f"{worker.name} exited:\n{worker.log()[-3000:]}")
    return "ready." in worker.log()


def base_env(
    *,
    database_url: str,
    broker_url: str | None,
    data_dir: Path,
    sandbox: RunningSandbox,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every AdFlux process: this one's PATH etc. plus the deployment's own."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "XDG_CONFIG_HOME", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(sandbox.client_env())
    env.update(
        {
            "DATABASE_URL": database_url,
            "ADFLUX_DATA_DIR": str(data_dir),
            "ADFLUX_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    env.update(extra or {})
    return env


def publication_rows(db: PostgresDatabase, campaign_ids: Iterable[int] | None = None) -> list[dict]:
    query = (
        "SELECT p.id, p.campaign_id, p.platform, p.status, p.external_ids, p.attempts,"
        " p.last_error, p.claimed_at, p.published_at FROM platform_publications p"
    )
    ids = list(campaign_ids) if campaign_ids is not None else None
    if ids is not None:
        query += " WHERE p.campaign_id = ANY(%s)"
    query += " ORDER BY p.id"
    names = ("id", "campaign_id", "platform", "status", "external_ids", "attempts")
    names += ("last_error", "claimed_at", "published_at")
    rows = db.rows(query, ids) if ids is not None else db.rows(query)
    return [dict(zip(names, row, strict=True)) for row in rows]


def _which(name: str) -> str | None:
    for folder in [*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin", "/usr/bin"]:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM the process group (ours: started with its own session), then SIGKILL what is left.

    The group outlives its leader when the leader had children (Celery's embedded beat).
    """
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    _signal_group(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
