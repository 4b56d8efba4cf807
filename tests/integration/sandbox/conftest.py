"""The HTTP sandbox for the wire-level tests: Meta, X and TikTok spoken to without any SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adflux.sandbox.server import RunningSandbox, start_in_thread


@pytest.fixture(scope="module")
def http_sandbox() -> Iterator[RunningSandbox]:
    running = start_in_thread(http_port=0, grpc_port=None)
    yield running
    running.stop()


@pytest.fixture
def sb(http_sandbox: RunningSandbox) -> RunningSandbox:
    """The module's sandbox, emptied: no objects, faults, revocations or clock offset."""
    http_sandbox.state.reset()
    return http_sandbox
