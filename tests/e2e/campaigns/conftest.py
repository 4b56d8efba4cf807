"""One real deployment shared by the campaign e2e tests: private Redis and PostgreSQL database,
the sandbox in this process, `adflux serve` and two `adflux worker` subprocesses.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.e2e.campaigns.stack import (
    Deployment,
    PostgresDatabase,
    Proc,
    RecordingFaults,
    RedisServer,
    Unavailable,
    base_env,
    start_sandbox,
    stop_all,
)
from tests.services import service_missing

from adflux.sandbox.server import RunningSandbox

# Seconds after which a claimed publication counts as abandoned. Well above the longest attempt
# of the fault tests (client timeouts, held answers), so no live attempt is ever taken over; the
# recovery test gives the workers it starts after a kill a shorter one of its own.
STALE_AFTER_S = 30
RELAY_S = 1.0
# Failed attempts without progress before a publication gives up. At the fault shares of the
# fault test a tree fails with about 0.1-0.3 % odds at the default 6 (simulated), 0.01 % at 8.
MAX_ATTEMPTS = 8
# Platform calls give up after this long; the sandbox's "timeout" faults hold answers longer.
CLIENT_TIMEOUT_S = 2.0
WORKER_ARGS = ("--concurrency", "8", "--relay-interval", str(RELAY_S))
# The cities the sandbox's X location search knows (it has no catalogue of every Colombian city).
X_CITIES = ("Bogotá", "Medellín", "Cali", "Barranquilla", "Bucaramanga")


@dataclass
class Stack:
    deployment: Deployment
    db: PostgresDatabase
    redis: RedisServer
    sandbox: RunningSandbox
    calls: RecordingFaults

    def ensure_workers(self, count: int = 2) -> None:
        """Start workers until ``count`` are alive (tests may kill or stop some)."""
        self.deployment.workers = [w for w in self.deployment.workers if w.alive()]
        missing = count - len(self.deployment.workers)
        if missing > 0:
            self.deployment.start_workers(missing, *WORKER_ARGS)

    @contextmanager
    def workers_with(self, count: int, **settings: str) -> Iterator[list[Proc]]:
        """``count`` more workers whose environment also holds ``settings``, stopped at the end:
        the next test's `e2e` starts workers on the stack's own settings again."""
        workers = self.deployment.start_workers(count, *WORKER_ARGS, env=settings)
        try:
            yield workers
        finally:
            stop_all(workers)

    def x_city_jobs(self) -> list[int]:
        rows = self.db.rows(
            "SELECT id FROM job_openings WHERE status = 'open' AND city = ANY(%s) ORDER BY id",
            list(X_CITIES),
        )
        return [row[0] for row in rows]


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("campaigns-e2e")
    db = PostgresDatabase(f"adflux_e2e_campaigns_{os.getpid()}")
    redis = RedisServer(log_dir=work)
    try:
        db.create()
        redis.start()
    except Unavailable as missing:
        redis.stop()
        service_missing(missing.service, missing.detail)
    sandbox, calls = start_sandbox(work / "sandbox")
    env = base_env(
        database_url=db.url,
        broker_url=redis.url,
        data_dir=work / "data",
        sandbox=sandbox,
        extra={
            "ADFLUX_PUBLISH_STALE_AFTER_S": str(STALE_AFTER_S),
            "ADFLUX_CLAIM_STALE_AFTER_S": str(STALE_AFTER_S),
            "ADFLUX_PUBLISH_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "ADFLUX_META_TIMEOUT_S": str(CLIENT_TIMEOUT_S),
            "ADFLUX_X_TIMEOUT_S": str(CLIENT_TIMEOUT_S),
            "ADFLUX_GOOGLE_ADS_TIMEOUT_S": str(CLIENT_TIMEOUT_S),
            "XDG_CONFIG_HOME": str(work / "xdg"),
        },
    )
    deployment = Deployment(env=env, work_dir=Path(work))
    stack = Stack(deployment, db, redis, sandbox, calls)
    try:
        deployment.prepare(jobs=20, candidates=300)
        deployment.start_server(wait=False)
        stack.ensure_workers(2)
        deployment.wait_serving()
        yield stack
    finally:
        deployment.stop()
        redis.stop()
        sandbox.stop()
        db.drop()


@pytest.fixture
def e2e(stack: Stack) -> Iterator[Stack]:
    """The shared deployment with two live workers, no faults and valid credentials."""
    if not stack.redis.ping():
        stack.redis.start()
    stack.ensure_workers(2)
    stack.sandbox.state.faults.clear()
    stack.sandbox.state.restore()
    stack.calls.forget()
    yield stack
    stack.sandbox.state.faults.clear()
    stack.sandbox.state.restore()
