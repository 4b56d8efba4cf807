"""adflux serve's default server configuration (chosen by bench/serve_config.py)."""

from __future__ import annotations

import os

from click.testing import CliRunner

from adflux.cli.main import cli
from adflux.cli.serve import DEFAULT_THREADS, default_workers


def test_a_worker_per_cpu_on_a_database_server():
    assert default_workers("postgresql+psycopg://db/adflux") == (os.cpu_count() or 1)


def test_one_worker_on_sqlite():
    assert default_workers("sqlite:////tmp/adflux.db") == 1


def test_the_help_says_the_defaults():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # click wraps the help at the terminal's width
    assert "uno por CPU; uno con SQLite" in text
    assert f"por defecto: {DEFAULT_THREADS};" in text
