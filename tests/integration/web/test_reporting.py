"""The overview figures (reporting service): right numbers, from a fixed number of queries.

(They belong to tests/integration/reporting once that folder exists; the dashboard is their
only reader today.)
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from tests.factories import make_candidate, make_job

from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.extensions import db
from adflux.reporting import service as reporting
from adflux.segmentation.models import SegmentationRun

pytestmark = pytest.mark.postgres


def _campaign(job, status: str, publications: dict[str, tuple[str, str | None]]) -> AdCampaign:
    campaign = AdCampaign(
        job_id=job.id,
        name=f"c-{status}",
        status=status,
        daily_budget_cop=50_000,
        start_date=date.today(),
    )
    db.session.add(campaign)
    db.session.flush()
    for platform, (pub_status, error) in publications.items():
        db.session.add(
            PlatformPublication(
                campaign_id=campaign.id,
                platform=platform,
                status=pub_status,
                last_error=error,
                daily_budget_cop=campaign.daily_budget_cop,
            )
        )
    db.session.flush()
    return campaign


def test_overview_counts_by_sql_aggregates(app):
    open_job = make_job()
    make_job(status="closed")
    for consent in (True, True, True, False):
        make_candidate(marketing_consent=consent)
    db.session.add(SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=4))
    _campaign(open_job, "published", {"meta": ("published", None), "x": ("published", None)})
    _campaign(
        open_job,
        "partially_published",
        {"meta": ("published", None), "google": ("failed", "Headline too long.")},
    )
    _campaign(open_job, "queued", {"x": ("pending", None)})

    figures = reporting.overview(db_session=db.session)

    assert (figures.open_jobs, figures.candidates, figures.consenting) == (1, 4, 3)
    assert figures.consenting_share == 0.75
    assert figures.active_run is not None and figures.active_run.k == 4
    assert figures.campaigns_by_status == {"published": 1, "partially_published": 1, "queued": 1}
    assert figures.campaigns_total == 3
    assert figures.publications == {
        "google": {"failed": 1},
        "meta": {"published": 2},
        "x": {"pending": 1, "published": 1},
    }
    [failure] = figures.recent_failures
    assert (failure.platform, failure.message) == ("google", "Headline too long.")


def test_overview_query_count_does_not_grow_with_rows(app):
    job = make_job()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine_connection = db.session.connection()
    sa.event.listen(engine_connection, "before_cursor_execute", record)
    try:
        reporting.overview(db_session=db.session)
        few = len(statements)
        for n in range(40):
            make_candidate()
            _campaign(job, "failed", {"meta": ("failed", f"error {n}")})
        statements.clear()
        figures = reporting.overview(db_session=db.session)
        many = len(statements)
    finally:
        sa.event.remove(engine_connection, "before_cursor_execute", record)
    assert figures.campaigns_by_status == {"failed": 40}
    assert len(figures.recent_failures) == 8
    assert few == many <= 7
