"""`adflux sandbox` on a port another process holds: one readable line naming the port, exit 1,
and nothing started (werkzeug used to print and exit, gRPC to raise with a C-core log)."""

from __future__ import annotations

import socket
import threading

import pytest
from click.testing import CliRunner

from adflux.cli.main import cli


@pytest.fixture
def taken_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("which", ["--http-port", "--grpc-port"])
def test_a_taken_port_is_one_line_and_nothing_starts(taken_port, which, tmp_path):
    other = "--grpc-port" if which == "--http-port" else "--http-port"
    threads_before = threading.active_count()

    result = CliRunner().invoke(
        cli,
        ["sandbox", which, str(taken_port), other, "0", "--state-dir", str(tmp_path)],
        env={"LANG": "en_US.UTF-8"},
    )

    assert result.exit_code == 1, result.output
    (line,) = result.output.strip().splitlines()
    assert f"127.0.0.1:{taken_port}" in line and "choose others with" in line
    spanish = CliRunner().invoke(
        cli, ["sandbox", which, str(taken_port), other, "0", "--state-dir", str(tmp_path)]
    )
    assert "el sandbox no puede iniciar" in spanish.output and "elija otros con" in spanish.output
    assert threading.active_count() == threads_before
