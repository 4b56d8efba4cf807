"""Settings from the environment: defaults, URL normalisation, and errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from adflux.cli.main import cli
from adflux.config import ConfigError, load_settings


def test_defaults_are_the_embedded_mode(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADFLUX_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.sqlalchemy_url == f"sqlite:///{(tmp_path / 'adflux.db').resolve()}"
    assert settings.is_embedded
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


@pytest.mark.parametrize("value", ["eighty", "0", "70000"])
def test_bad_port_names_the_variable(monkeypatch, value: str) -> None:
    monkeypatch.setenv("ADFLUX_PORT", value)
    with pytest.raises(ConfigError, match=r"ADFLUX_PORT"):
        load_settings()


def test_the_stale_claim_time_defaults_to_ten_minutes_and_refuses_under_five_seconds(
    monkeypatch,
) -> None:
    assert load_settings().publish_stale_after_s == 600
    monkeypatch.setenv("ADFLUX_PUBLISH_STALE_AFTER_S", "5")
    assert load_settings().publish_stale_after_s == 5
    monkeypatch.setenv("ADFLUX_PUBLISH_STALE_AFTER_S", "4")
    with pytest.raises(ConfigError, match=r"ADFLUX_PUBLISH_STALE_AFTER_S"):
        load_settings()


@pytest.mark.parametrize(
    "url", ["mysql://u:p@db/adflux", "not a url", "postgresql+asyncpg://u@db/adflux"]
)
def test_bad_database_url_names_the_variable(monkeypatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match=r"^bad configuration: DATABASE_URL: "):
        load_settings()


def test_every_bad_variable_is_named_at_once(monkeypatch) -> None:
    monkeypatch.setenv("ADFLUX_PORT", "x")
    monkeypatch.setenv("ADFLUX_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "ADFLUX_PORT" in str(caught.value)
    assert "ADFLUX_LOG_FORMAT" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://ana:s3cret@db.example:5432/adflux",
            "postgresql+psycopg://ana:s3cret@db.example:5432/adflux",
        ),
        ("postgresql://ana@db/adflux", "postgresql+psycopg://ana@db/adflux"),
        ("postgresql+psycopg://ana@db/adflux", "postgresql+psycopg://ana@db/adflux"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_are_normalised_to_psycopg3(monkeypatch, given: str, expected: str) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_settings().sqlalchemy_url == expected


def test_safe_url_hides_the_password(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://ana:s3cret@db/adflux")
    safe = load_settings().sqlalchemy_url_safe
    assert "s3cret" not in safe
    assert safe.startswith("postgresql+psycopg://ana:")


def test_a_broker_url_leaves_embedded_mode(monkeypatch) -> None:
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    assert not load_settings().is_embedded


def test_server_command_fails_with_one_line_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("ADFLUX_PORT", "eighty")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "ADFLUX_PORT" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
