from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask
from tests.fakes import FakeDirectory

from adflux.cli.main import cli

FIXTURES = Path(__file__).parents[2] / "unit" / "feeds" / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def xml_feed(*jobs: dict[str, str]) -> io.BytesIO:
    """A small XML feed of the given jobs (field -> text, written in CDATA)."""
    body = "".join(
        "<job>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in job.items()) + "</job>"
        for job in jobs
    )
    return io.BytesIO(f'<?xml version="1.0"?><source>{body}</source>'.encode())


def feed_job(ref: str, **fields: str) -> dict[str, str]:
    return {
        "referencenumber": ref,
        "title": "Auxiliar contable",
        "company": "Contadores Asociados",
        "city": "Cali",
        "state": "Valle del Cauca",
        "description": "<p>Conciliaciones bancarias.</p>",
        "salary": "$1.800.000 - $2.200.000 COP mensual",
        "category": "Contabilidad",
        **fields,
    }


@pytest.fixture
def platforms(app):
    directory = FakeDirectory()
    previous = app.extensions["adflux_platforms"]
    app.extensions["adflux_platforms"] = directory
    yield directory
    app.extensions["adflux_platforms"] = previous


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local web server of files in a folder: (its base URL, the folder)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


@pytest.fixture
def adflux_cli(app: Flask, token_for: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `adflux ...` as an operator against this app's API (in-process); the click result."""
    token = token_for("operator")["Authorization"].removeprefix("Bearer ")
    real_client = httpx.Client

    def in_process(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.WSGITransport(app=app), **kwargs)

    monkeypatch.setattr("adflux.cli.client.httpx.Client", in_process)
    env = {"ADFLUX_API_URL": "http://adflux.test", "ADFLUX_API_TOKEN": token}
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), prog_name="adflux", env=env)
