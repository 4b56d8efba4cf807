"""The first page: how AdFlux stands right now."""

from __future__ import annotations

from flask import render_template

from adflux.campaigns.status import CAMPAIGN_STATUSES
from adflux.extensions import db
from adflux.reporting import service as reporting
from adflux.results import service as results
from adflux.web.blueprint import bp

PUBLICATION_STATUSES = ("pending", "publishing", "published", "paused", "failed")


@bp.get("/")
def overview() -> str:
    figures = reporting.overview(db_session=db.session)
    return render_template(
        "web/overview.html",
        figures=figures,
        results=results.results(db_session=db.session, by=("platform",)),
        campaign_statuses=CAMPAIGN_STATUSES,
        publication_statuses=PUBLICATION_STATUSES,
    )
