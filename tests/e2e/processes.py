"""Running ``adflux`` as real processes: the CLI, and servers that are waited for and stopped."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ADFLUX = REPO / ".venv" / "bin" / "adflux"
# Variables that would point a child at the developer's own API, database or broker.
_INHERITED_BLOCKLIST = ("DATABASE_URL", "CELERY_BROKER_URL", "XDG_CONFIG_HOME")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without AdFlux settings, plus ``values``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ADFLUX_") and name not in _INHERITED_BLOCKLIST
    }
    # Wide enough that rich tables do not fold titles across lines.
    env["COLUMNS"] = "250"
    env.update(values)
    return env


# Commands that only talk to the API over HTTP. The tests run them in this process (click's
# runner, same environment, same working directory): a cold interpreter per call costs a second
# or more, and the installed entry point is exercised by the --help test, the README test and
# the server-side commands (db, seed, token, serve, worker), which still run as processes.
CLIENT_COMMANDS = frozenset(
    {
        "view-jobs",
        "pause-job",
        "close-job",
        "reopen-job",
        "view-candidates",
        "candidate",
        "view-segments",
        "segment",
        "create-campaign",
        "view-campaigns",
        "campaign",
    }
)


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    if args and args[0] in CLIENT_COMMANDS:
        return invoke_in_process(*args, env=env, cwd=cwd)
    return subprocess.run(
        [str(ADFLUX), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class _ToCapturedStderr(logging.Handler):
    """What Python's last-resort handler does in a process whose logging nobody configured
    (warnings and errors to stderr), for the records of the invoking thread only."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread:
            sys.stderr.write(self.format(record) + "\n")


def invoke_in_process(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``adflux`` client command in this process as the process would: exactly ``env``
    as the environment, ``cwd`` as the working directory, stdout and stderr apart, and an
    uncaught exception printed as a traceback on stderr with exit status 1."""
    from click.testing import CliRunner

    from adflux.cli.main import cli

    environment: dict[str, str | None] = {name: None for name in os.environ if name not in env}
    environment.update(env)
    handler = _ToCapturedStderr()
    root = logging.getLogger()
    previous_dir = Path.cwd()
    root.addHandler(handler)
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, list(args), prog_name="adflux", env=environment)
    finally:
        os.chdir(previous_dir)
        root.removeHandler(handler)
    stderr = result.stderr
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(["adflux", *args], result.exit_code, result.stdout, stderr)


def ok(*args: str, env: dict[str, str]) -> str:
    """Run the CLI, failing the test with its stderr unless it exits 0; returns stdout."""
    result = run_cli(*args, env=env)
    assert result.returncode == 0, f"adflux {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


@dataclass
class ServerProcess:
    """A server started in its own process group, so stopping it stops its workers too."""

    process: subprocess.Popen[bytes]
    log_path: Path
    base_url: str

    @classmethod
    def start(
        cls, command: list[str], *, env: dict[str, str], base_url: str, log_path: Path, cwd: Path
    ) -> ServerProcess:
        log = log_path.open("wb")
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()  # the child keeps its own descriptor
        return cls(process, log_path, base_url)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float) -> None:
        """Poll /readyz until it answers 200; fail with the server's output otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"server not ready after {timeout:.0f} s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def pids_with_env(name: str, value: str) -> list[int]:
    """Live processes whose environment holds ``name=value`` (children that left our group)."""
    needle = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found
