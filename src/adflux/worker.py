"""Celery entry point: ``celery -A adflux.worker worker`` (or ``adflux worker``)."""

from adflux.app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
