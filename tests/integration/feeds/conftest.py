from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.fakes import FakeDirectory

# The in-process CLI runner of the campaign tests, as the web tests share its fake platforms.
from tests.integration.campaigns.conftest import adflux_cli  # noqa: F401

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
def allow_private_feed_hosts(app, monkeypatch) -> None:
    """ADFLUX_FEED_ALLOW_PRIVATE_HOSTS=true: feed_server listens on 127.0.0.1, which is refused
    by default (feeds/fetching.py)."""
    monkeypatch.setattr(app.config["ADFLUX_SETTINGS"], "feed_allow_private_hosts", True)


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local web server of files in a folder: (its base URL, the folder)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()
