"""WSGI entry point: ``gunicorn adflux.wsgi:app``."""

from adflux.app import create_app

app = create_app()
