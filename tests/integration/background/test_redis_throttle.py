"""Pacing shared through a real Redis: two workers' throttles draw on one budget."""

from __future__ import annotations

import uuid

import pytest
import redis
from tests.services import service_missing

from adflux.campaigns.throttle import RedisThrottle

pytestmark = pytest.mark.redis

URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix():
    client = redis.Redis.from_url(URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis", f"127.0.0.1:6379: {exc}")
    key_prefix = f"adflux-test:{uuid.uuid4().hex}"
    yield key_prefix
    for key in client.scan_iter(f"{key_prefix}:*"):
        client.delete(key)


def test_two_processes_share_one_budget(prefix):
    worker_a = RedisThrottle(URL, {"x": 3}, prefix=prefix)
    worker_b = RedisThrottle(URL, {"x": 3}, prefix=prefix)
    waits = [worker_a.reserve("x"), worker_b.reserve("x"), worker_a.reserve("x")]
    assert waits == [0.0, 0.0, 0.0]
    assert 0 < worker_b.reserve("x") <= 60.1


def test_unreachable_store_does_not_block_publishing():
    closed = RedisThrottle("redis://127.0.0.1:1/0", {"x": 1})
    assert closed.reserve("x") == 0.0
