"""Log lines never carry a token, and carry the request id in both formats."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from adflux.context import acting_as
from adflux.logging_setup import configure_logging

TOKEN = "adf_" + "Zx9-kq_" * 6  # the shape `adflux token create` prints
SECRET_MESSAGES = [
    ("calling with Authorization: Bearer %s", "s3cr3t.Value-42"),
    ("GET /graph/v21.0/act_1/campaigns?access_token=%s&fields=id", "EAAB0rT4ke2n"),
    ("token rejected: %s", TOKEN),
    ("headers=%s", {"Authorization": f"Bearer {TOKEN}"}),
]


@pytest.fixture
def adflux_logging() -> Iterator[None]:
    """Undo configure_logging's changes to the root logger after each test."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if getattr(handler, "_adflux", False):
            root.removeHandler(handler)
    root.setLevel(level)


def _secret_text(value: object) -> str:
    return value if isinstance(value, str) else TOKEN


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(("message", "secret"), SECRET_MESSAGES)
def test_secrets_are_redacted(adflux_logging, capsys, fmt: str, message: str, secret) -> None:
    configure_logging(level="INFO", fmt=fmt)
    logging.getLogger("adflux.test").warning(message, secret)
    output = capsys.readouterr().err
    assert output.strip(), "nothing was logged"
    assert _secret_text(secret) not in output
    assert "[redacted]" in output


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_in_tracebacks_are_redacted(adflux_logging, capsys, fmt: str) -> None:
    configure_logging(level="INFO", fmt=fmt)
    try:
        raise RuntimeError(f"upstream refused Bearer {TOKEN}")
    except RuntimeError:
        logging.getLogger("adflux.test").exception("call failed")
    output = capsys.readouterr().err
    assert "RuntimeError" in output
    assert TOKEN not in output


def test_json_lines_carry_the_request_id(adflux_logging, capsys) -> None:
    configure_logging(level="INFO", fmt="json")
    log = logging.getLogger("adflux.test")
    with acting_as("token:ops", request_id="req-7f3a"):
        log.info("listing jobs")
    log.info("outside any request")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["message"] for line in lines] == ["listing jobs", "outside any request"]
    assert lines[0]["request_id"] == "req-7f3a"
    assert lines[1]["request_id"] == "-"
    assert lines[0]["level"] == "INFO"
    assert lines[0]["ts"].endswith("+00:00")


def test_text_lines_carry_the_request_id(adflux_logging, capsys) -> None:
    configure_logging(level="INFO", fmt="text")
    with acting_as("cli", request_id="req-9b1c"):
        logging.getLogger("adflux.test").info("seeding")
    assert "[req-9b1c] adflux.test: seeding" in capsys.readouterr().err


def test_configuring_twice_keeps_one_handler(adflux_logging, capsys) -> None:
    configure_logging(level="INFO", fmt="text")
    configure_logging(level="INFO", fmt="json")
    logging.getLogger("adflux.test").info("once")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["message"] == "once"
