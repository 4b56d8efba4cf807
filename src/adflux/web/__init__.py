"""The web dashboard: server-rendered pages on the same services as the API."""

from __future__ import annotations

from flask import Flask

from adflux.web import errors, templating  # noqa: F401  (error pages, template helpers)
from adflux.web.blueprint import bp, csrf
from adflux.web.session import configure_session
from adflux.web.views import (  # noqa: F401  (routes)
    auth,
    campaigns,
    candidates,
    jobs,
    optimisation,
    overview,
    segments,
)


def init_web(app: Flask) -> None:
    configure_session(app)
    # CSRF is checked by the dashboard's own gate only: the API authenticates with bearer
    # tokens, which a browser never sends on its own, so it needs no CSRF token.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # The token lives as long as the session (whose lifetime is checked on every request).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.register_blueprint(bp)
