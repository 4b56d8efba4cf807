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


def test_two_processes_book_from_one_schedule(prefix):
    worker_a = RedisThrottle(URL, {"x": 40}, prefix=prefix)  # burst 2, then every 60/38 s
    worker_b = RedisThrottle(URL, {"x": 40}, prefix=prefix)
    waits = [worker_a.reserve("x"), worker_b.reserve("x")]
    waits += [worker.reserve("x") for worker in (worker_a, worker_b) * 3]
    assert waits[:2] == [0.0, 0.0]
    interval = 60 / 38
    # Redis's clock moves on between calls: each slot is a little nearer than on paper.
    for number, wait in enumerate(waits[2:], start=1):
        assert number * interval - 0.5 < wait <= number * interval
    assert worker_a.reserve("meta") == 0.0  # no budget configured: never paced


def test_every_budget_of_a_platform_is_booked_and_the_stricter_one_decides(prefix):
    # Minute: a burst of 20; hour: a burst of 2, then one every 3600/38 s.
    worker = RedisThrottle(URL, {"meta": 400}, per_hour={"meta": 40}, prefix=prefix)
    waits = [worker.reserve("meta") for _ in range(3)]
    hourly = 3600 / 38
    assert waits[:2] == [0.0, 0.0]
    assert hourly - 0.5 < waits[2] <= hourly
    # Another worker with only the hourly budget books after the first worker's slots.
    hourly_only = RedisThrottle(URL, {}, per_hour={"meta": 40}, prefix=prefix)
    assert 2 * hourly - 0.5 < hourly_only.reserve("meta") <= 2 * hourly


def test_a_changed_rate_starts_a_schedule_of_its_own(prefix):
    """Slots booked far ahead at a low rate do not hold back the workers started at a new one."""
    slow = RedisThrottle(URL, {"x": 4}, prefix=prefix)  # one slot every 20 s
    backlog = [slow.reserve("x") for _ in range(10)]
    assert backlog[-1] > 150  # the old schedule is booked minutes ahead

    faster = RedisThrottle(URL, {"x": 400}, prefix=prefix)

    assert faster.reserve("x") == 0.0
    assert slow.reserve("x") > backlog[-1]  # a worker still at the old rate keeps its schedule
