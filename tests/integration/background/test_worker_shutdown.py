"""A worker asked to stop waits for its running tasks at most ADFLUX_WORKER_SHUTDOWN_TIMEOUT_S, then
exits: an orchestrator can set its kill timeout just above that."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

HUNG_WORKER = textwrap.dedent(
    """
    import time
    from celery.signals import worker_shutting_down
    from adflux.background import worker_runtime

    worker_runtime._bound_shutdown(0.5)
    # What Celery does on SIGTERM: announce the warm shutdown, then wait for running tasks;
    # this task never ends.
    worker_shutting_down.send(sender="adflux-1@host", sig="SIGTERM", how="Warm", exitcode=0)
    time.sleep(60)
    """
)


def test_a_stopping_worker_exits_within_its_bound_even_with_a_task_hung():
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", HUNG_WORKER], capture_output=True, text=True, timeout=30
    )
    elapsed = time.monotonic() - started

    assert result.returncode == 1, result.stderr
    assert elapsed < 10  # the bound (0.5 s) plus an interpreter's start, not the task's 60 s
    assert "still running" in result.stderr
