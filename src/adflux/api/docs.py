"""Serve Swagger UI's assets locally: the interactive docs work with no internet access."""

from __future__ import annotations

from flask import Flask, send_from_directory
from werkzeug.wrappers import Response


def register_docs(app: Flask, prefix: str) -> None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - the dependency is declared; the docs page degrades
        return

    @app.get(f"{prefix}/docs/assets/<path:filename>")
    def swagger_assets(filename: str) -> Response:
        return send_from_directory(swagger_ui_path, filename)
