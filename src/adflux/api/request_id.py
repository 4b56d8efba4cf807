"""Give every request an id (or keep the caller's), for logs, the audit log and responses."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, request

from adflux.context import actor_var, request_id_var

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def install_request_id(app: Flask) -> None:
    @app.before_request
    def _assign() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        g.request_id_token = request_id_var.set(g.request_id)

    @app.after_request
    def _echo(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        actor_token = g.pop("actor_token", None)
        if actor_token is not None:
            actor_var.reset(actor_token)
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
