"""The two reference apps the API benchmark serves next to AdFlux, under the same gunicorn setup.

``gunicorn 'reference_apps:ceiling()'``: a trivial JSON endpoint, what Flask + gunicorn can do.
``gunicorn 'reference_apps:floor()'``: the same 50 job rows AdFlux returns, straight from
SQLAlchemy, with no token check, no validation, no schema and no total count.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, request


def ceiling() -> Flask:
    app = Flask("ceiling")

    @app.get("/ping")
    def ping():  # type: ignore[no-untyped-def]
        return jsonify({"status": "ok"})

    return app


def floor() -> Flask:
    app = Flask("floor")
    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=10)
    jobs = sa.Table("job_openings", sa.MetaData(), autoload_with=engine)

    @app.get("/jobs")
    def list_jobs():  # type: ignore[no-untyped-def]
        limit = int(request.args.get("limit", 50))
        with engine.connect() as connection:
            rows = connection.execute(sa.select(jobs).order_by(jobs.c.id).limit(limit))
            return jsonify([dict(row._mapping) for row in rows])

    return app
