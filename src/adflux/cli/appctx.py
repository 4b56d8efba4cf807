"""Building the app for the server-side commands (they run where the database is)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask

from adflux.config import ConfigError
from adflux.context import acting_as


def build_app() -> Flask:
    from adflux.app import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def server_context(actor: str = "cli") -> Iterator[Flask]:
    """An app context acting as ``actor`` for audit entries."""
    app = build_app()
    with app.app_context(), acting_as(actor):
        yield app
