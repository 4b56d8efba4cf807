from __future__ import annotations

import io
from pathlib import Path

import pytest
from tests.fakes import FakeDirectory

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
