"""Reaching the real services the tests need, or saying what to start.

On CI (CI=true) a missing service fails the test; on a laptop it skips with the command to run.
"""

from __future__ import annotations

import os
import socket

import pytest

START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''",
    "Chromium": "apt-get install -y chromium chromium-driver",
    "RabbitMQ": "rabbitmq-server -detached",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_missing(name: str, detail: str) -> None:
    """Fail on CI, skip elsewhere, naming the service and how to start it."""
    message = f"{name} is not available ({detail}); start it with: {START_HINTS.get(name, '?')}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
