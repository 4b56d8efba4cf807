"""The reference apps the API benchmarks serve next to AdFlux, under the same gunicorn setup.

``gunicorn 'reference_apps:ceiling()'``: a trivial JSON endpoint, what Flask + gunicorn can do.
``gunicorn 'reference_apps:floor()'``: the same 50 job rows AdFlux returns, straight from
SQLAlchemy, with no token check, no validation, no schema and no total count.
``gunicorn 'reference_apps:applications_floor()'``: an application stored with one INSERT per
request (bench/applications_ingest.py).
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


def applications_floor() -> Flask:
    """``POST /applications``: the job site's application stored with one INSERT, deduplicated by
    the unique source id (ON CONFLICT DO NOTHING); no token, no validation, no attribution."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy.dialects.postgresql import insert

    app = Flask("applications_floor")
    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=10)
    applications = sa.Table("applications", sa.MetaData(), autoload_with=engine)
    bogota = ZoneInfo("America/Bogota")

    @app.post("/applications")
    def receive():  # type: ignore[no-untyped-def]
        body = request.get_json()
        applied_at = datetime.fromisoformat(body["applied_at"])
        tracking = {k: v for k, v in body.items() if k.startswith("utm_")}
        with engine.begin() as connection:
            stored = connection.execute(
                insert(applications)
                .values(
                    source_id=body["application_id"],
                    job_ref=body["job_ref"],
                    candidate_ref=body.get("candidate_ref"),
                    applied_at=applied_at,
                    day=applied_at.astimezone(bogota).date(),
                    received_at=datetime.now(UTC),
                    tracking=tracking,
                )
                .on_conflict_do_nothing(index_elements=["source_id"])
            ).rowcount
        status = "accepted" if stored else "duplicate"
        return jsonify({"application_id": body["application_id"], "status": status}), 202

    return app
