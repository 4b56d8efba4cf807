"""Any number of `adflux worker` processes on Redis or RabbitMQ: each under a node name of its
own, the publishing pace shared through a Redis named for it (a second worker without one is
refused), the periodic work sent by exactly one of them, and a worker killed with SIGKILL leaves
no process behind while another takes the lead over."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from tests.e2e.campaigns.stack import (
    Deployment,
    PostgresDatabase,
    RabbitVhost,
    RedisServer,
    Unavailable,
    wait_for,
)
from tests.e2e.processes import run_cli
from tests.services import service_missing

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

LEADS = "this worker leads"


@pytest.fixture
def database() -> Iterator[PostgresDatabase]:
    db = PostgresDatabase(f"adflux_workers_{os.getpid()}")
    try:
        db.create()
    except Unavailable as missing:
        service_missing(missing.service, missing.detail)
    yield db
    db.drop()


@pytest.fixture
def pace_redis(tmp_path: Path) -> Iterator[RedisServer]:
    redis = RedisServer(log_dir=tmp_path)
    try:
        redis.start()
    except Unavailable as missing:
        service_missing(missing.service, missing.detail)
    yield redis
    redis.stop()


@pytest.fixture
def rabbitmq() -> Iterator[str]:
    """A RabbitMQ virtual host of this test's own: its URL."""
    vhost = RabbitVhost(f"adflux_e2e_{os.getpid()}_{time.monotonic_ns()}")
    try:
        vhost.create()
    except Unavailable as missing:
        service_missing(missing.service, missing.detail)
    yield vhost.url
    vhost.delete()


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest, pace_redis: RedisServer) -> str:
    if request.param == "redis":
        return pace_redis.url.replace("/0", "/1")  # another database of the same server
    return str(request.getfixturevalue("rabbitmq"))


def _deployment(
    tmp_path: Path, database: PostgresDatabase, broker: str, **extra: str
) -> Deployment:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DATABASE_URL=database.url,
        CELERY_BROKER_URL=broker,
        ADFLUX_DATA_DIR=str(tmp_path / "data"),
        ADFLUX_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
        **extra,
    )
    deployment = Deployment(env=env, work_dir=tmp_path)
    result = run_cli("db", "upgrade", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return deployment


def _nodes(broker: str) -> list[str]:
    celery = Celery(broker=broker)
    try:
        replies = celery.control.ping(timeout=2.0)
    finally:
        celery.close()
    return sorted(node for reply in replies for node in reply)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_have_names_of_their_own_one_leads_and_a_killed_one_leaves_nothing(
    tmp_path, database, broker, pace_redis
):
    deployment = _deployment(tmp_path, database, broker, ADFLUX_PACE_REDIS_URL=pace_redis.url)
    try:
        first, second = deployment.start_workers(2, "--concurrency", "2")
        nodes = wait_for(
            lambda: (found := _nodes(broker)) and len(found) == 2 and found,
            timeout=30,
            what="both workers to answer a ping",
        )
        assert all(node.startswith("adflux-") for node in nodes), nodes
        assert len(set(nodes)) == 2

        wait_for(lambda: LEADS in first.log() + second.log(), timeout=20, what="a leader")
        leader, stand_by = (first, second) if LEADS in first.log() else (second, first)
        assert LEADS not in stand_by.log()
        status = run_cli("status", env=deployment.env, timeout=60)
        assert status.returncode == 0, status.stderr
        # The CLI's Spanish (the default language).
        assert "workers activos: 2" in status.stdout and "tareas en cola: " in status.stdout
        leader_node = next(n for n in nodes if f"adflux-{leader.process.pid}@" in n)
        stand_by_node = next(n for n in nodes if n != leader_node)

        # A crash: SIGKILL to the worker's own process, nothing else.
        os.kill(leader.process.pid, signal.SIGKILL)
        leader.process.wait(timeout=10)
        time.sleep(1)
        assert not _group_alive(leader.process.pid), "the killed worker left a process behind"
        wait_for(lambda: LEADS in stand_by.log(), timeout=30, what="the other worker to lead")
        assert stand_by.alive()
        # The orchestrator's health check: the live one answers, the killed one does not.
        alive = run_cli("status", "--worker", stand_by_node, env=deployment.env, timeout=60)
        dead = run_cli("status", "--worker", leader_node, env=deployment.env, timeout=60)
        assert alive.returncode == 0, alive.stderr
        assert dead.returncode == 1 and "no respondió" in dead.stderr
    finally:
        deployment.stop()


def test_a_second_worker_without_a_shared_pace_is_refused(tmp_path, database, rabbitmq):
    """On RabbitMQ without ADFLUX_PACE_REDIS_URL (a Redis broker is itself the pace store)."""
    broker = rabbitmq
    deployment = _deployment(tmp_path, database, broker)
    try:
        deployment.start_workers(1, "--concurrency", "2")
        wait_for(lambda: len(_nodes(broker)) == 1, timeout=30, what="the first worker")

        refused = run_cli("worker", "--concurrency", "2", env=deployment.env, timeout=60)

        assert refused.returncode == 1, refused.stdout + refused.stderr
        (line,) = refused.stderr.strip().splitlines()
        assert "otro worker corre en este broker" in line and "ADFLUX_PACE_REDIS_URL" in line
    finally:
        deployment.stop()
