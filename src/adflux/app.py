"""The application factory: config -> logging -> extensions -> blueprints -> error handlers."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, current_app, request

from adflux.config import Settings, load_settings
from adflux.db import end_read_only_transaction, track_writes
from adflux.errors import ValidationFailed
from adflux.extensions import db, migrate
from adflux.json_provider import OrjsonProvider
from adflux.logging_setup import configure_logging

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    """Build a configured app; nothing connects until a request or command needs it."""
    settings = settings or load_settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)

    app = Flask(__name__)
    _install_path_converters(app)
    app.config.update(
        ADFLUX_SETTINGS=settings,
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        SECRET_KEY=settings.secret_key or _local_secret(settings.data_dir),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    app.config.update(flask_config)
    app.json = OrjsonProvider(app)  # keeps the schemas' field order
    if settings.sqlalchemy_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    _end_read_only_transactions_with_commit(app)

    from adflux import models  # noqa: F401  (every table registered before migrations run)
    from adflux.api import init_api
    from adflux.background.celery_app import celery_init_app
    from adflux.background.dispatch import CeleryDispatcher, InProcessDispatcher
    from adflux.campaigns.adapters import init_platforms
    from adflux.web import init_web

    init_api(app)
    # After the API's request id is given, so the refusals carry it.
    app.before_request(_refuse_oversized_chunked_bodies)
    app.before_request(_refuse_nul_characters)
    init_web(app)
    celery_init_app(app, settings)
    app.extensions["adflux_dispatcher"] = (
        InProcessDispatcher(app) if settings.is_embedded else CeleryDispatcher(app)
    )
    init_platforms(app)
    return app


def _end_read_only_transactions_with_commit(app: Flask) -> None:
    """A request's transaction that only read ends with COMMIT (`db.end_read_only_transaction`:
    a rollback makes the driver forget its prepared statements). Registered after
    Flask-SQLAlchemy's own teardown, so it runs before that one closes the session."""
    with app.app_context():
        track_writes(db.engine)

    @app.teardown_appcontext
    def _commit_reads(exc: BaseException | None) -> None:
        if exc is None:
            end_read_only_transaction(db.session())


def _install_path_converters(app: Flask) -> None:
    """Path ids the database cannot hold never reach it, in the API and the dashboard alike."""
    from adflux.api.schemas import BoundedIntConverter, IdConverter, TextConverter

    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.url_map.converters["id"] = IdConverter


def _refuse_oversized_chunked_bodies() -> None:
    """A body sent without Content-Length (chunked) past ADFLUX_MAX_BODY_BYTES is a 413 for
    every page and endpoint: Werkzeug would cut it at the limit and parse what is left."""
    from adflux.api.blueprint import STREAMED_BODY_ENDPOINTS, read_body

    if request.endpoint in STREAMED_BODY_ENDPOINTS:
        # Read as it arrives, under its own limit: set here, before anything opens the stream.
        request.max_content_length = get_settings(current_app).feed_max_bytes
        return
    if request.content_length is None and request.headers.get("Transfer-Encoding"):
        read_body(request)  # cached: the form or JSON parser reads the same bytes afterwards


# The bodies werkzeug parses into `request.form` (`FormDataParser.parse`); any other is empty.
_FORM_MIMETYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _refuse_nul_characters() -> None:
    """No query parameter or form field of any page or endpoint carries a NUL character.

    PostgreSQL cannot store one (a 500 before this) and SQLite stores it (and a platform then gets
    it in an ad name). JSON bodies are checked by the API's schemas, field by field.
    """
    from adflux.api.blueprint import STREAMED_BODY_ENDPOINTS
    from adflux.api.schemas import NUL_MESSAGE

    # Only a form's body is read as one (a JSON body is not: werkzeug would set up its form
    # parser for nothing), and never a streamed body: reading it would consume the stream.
    is_form = request.mimetype in _FORM_MIMETYPES
    forms = (request.form,) if is_form and request.endpoint not in STREAMED_BODY_ENDPOINTS else ()
    found = {
        name.replace("\x00", "\\0"): [NUL_MESSAGE]
        for values in (request.args, *forms)
        for name, value in values.items(multi=True)
        if "\x00" in name or "\x00" in value
    }
    if found:
        raise ValidationFailed("the request has NUL characters", fields=found)


def get_settings(app: Flask) -> Settings:
    return app.config["ADFLUX_SETTINGS"]  # type: ignore[no-any-return]


def _engine_options(settings: Settings) -> dict[str, Any]:
    # JSON columns (a job's skills, a candidate's languages) decoded by orjson: the standard
    # library's decoder was a tenth of a page of jobs.
    decode = {"json_deserializer": orjson.loads}
    if settings.sqlalchemy_url.startswith("sqlite"):
        # Threads of one process share the file; wait for locks instead of failing at once.
        return {**decode, "connect_args": {"timeout": 30, "check_same_thread": False}}
    # No pre-ping (a query per checkout): a connection the server dropped fails one request with
    # 503 and is replaced; recycling keeps connections younger than server-side idle limits.
    # Each process holds at most pool + overflow connections: the deployment's processes times
    # that must stay under the server's max_connections (100 by default).
    return {
        **decode,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_recycle": 1800,
    }


def _local_secret(data_dir: Path) -> str:
    """A per-installation secret kept in the data directory, so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value
