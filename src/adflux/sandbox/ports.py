"""A port the sandbox is asked to listen on, checked before any server takes it: werkzeug answers
a taken port by printing and exiting the process, gRPC by a C-core log line and a RuntimeError;
the sandbox's callers get one OSError naming the port instead."""

from __future__ import annotations

import socket


def check_port_free(host: str, port: int, what: str) -> None:
    """OSError when another process listens on host:port (0 = any free port: nothing to check)."""
    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(exc.errno, f"{host}:{port} ({what}): {exc.strerror}") from None
