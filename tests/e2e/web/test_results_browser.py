"""A campaign's results in headless Chromium: the figures, the daily chart and the tables read at
a laptop and a phone width, nothing wider than the screen."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.e2e.web.conftest import VIEWPORTS, Dashboard, shot

from adflux.app import create_app
from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.config import Settings
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.results.models import Application, CampaignMetric

pytestmark = pytest.mark.browser

FIRST_DAY = date(2026, 11, 20)
# platform -> (daily spend, clicks, applications on day n): a week that differs by platform.
WEEK = {"google": (70_000, 700, 14), "meta": (75_000, 450, 5), "tiktok": (72_000, 400, 3)}


def _campaign_with_a_week_of_results(dashboard: Dashboard) -> int:
    """Rows as the results sync and the applications endpoint leave them, written straight into
    the served database (the sync and endpoint are tested against the market elsewhere)."""
    env = dashboard.deployment.env
    app = create_app(
        Settings(
            database_url=env["DATABASE_URL"],
            data_dir=Path(env["ADFLUX_DATA_DIR"]),
            log_level="WARNING",
        )
    )
    with app.app_context():
        job = db.session.get(JobOpening, dashboard.job_ids[-1])
        assert job is not None
        campaign = AdCampaign(
            job_id=job.id, name=f"{job.title} · resultados", status="published",
            daily_budget_cop=80_000, start_date=FIRST_DAY,
        )  # fmt: skip
        db.session.add(campaign)
        db.session.flush()
        for platform, (spend, clicks, applications) in WEEK.items():
            publication = PlatformPublication(
                campaign_id=campaign.id, platform=platform, status="published",
                daily_budget_cop=campaign.daily_budget_cop, external_ids={"ad": f"{platform}-1"},
            )  # fmt: skip
            db.session.add(publication)
            db.session.flush()
            for n in range(7):
                day = FIRST_DAY + timedelta(days=n)
                db.session.add(
                    CampaignMetric(
                        publication_id=publication.id, day=day, impressions=clicks * 90,
                        clicks=clicks + 10 * n, spend_cop=spend - 1_000 * n,
                    )
                )  # fmt: skip
                for k in range(applications + n % 3):
                    db.session.add(
                        Application(
                            source_id=f"{campaign.id}-{platform}-{n}-{k}", job_ref=job.external_ref,
                            job_id=job.id, campaign_id=campaign.id,
                            publication_id=publication.id, platform=platform,
                            applied_at=datetime.combine(day, datetime.min.time(), UTC)
                            + timedelta(hours=15), day=day, tracking={"utm_source": platform},
                        )
                    )  # fmt: skip
        db.session.commit()
        campaign_id = campaign.id
        db.session.remove()
        db.engine.dispose()
    app.extensions["adflux_dispatcher"].shutdown()
    return campaign_id


def test_a_campaigns_week_of_results_reads_at_laptop_and_phone_width(open_as, dashboard: Dashboard):
    campaign_id = _campaign_with_a_week_of_results(dashboard)
    for viewport in VIEWPORTS:
        page = open_as("viewer", viewport=viewport)
        page.goto(f"/campaigns/{campaign_id}")
        results = page.locator("#campaign-results")
        expect(results.get_by_role("heading", name="Resultados")).to_be_visible()
        expect(results.locator("svg rect.bar-spend")).to_have_count(7)
        expect(results.locator("svg polyline.line-applications")).to_be_visible()
        expect(results.locator("[data-results-platform=google] th")).to_have_text("Google Ads")
        # Spend, applications and cost per application stay in view on a phone too.
        for figure in ("spend_cop", "applications", "cost_per_application_cop"):
            expect(results.locator(f".stat [data-figure={figure}]")).to_be_visible()
        expect(results.locator("[data-results-platform=meta] [data-figure=cpa]")).to_be_visible()
        results.scroll_into_view_if_needed()
        shot(page, f"campaign-results-{viewport}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{viewport}: page is {overflow}px wider than the window"
        page.goto("/")
        expect(page.locator("#overview-results .stat [data-figure=applications]")).to_have_text(
            re.compile(r"^\d")
        )
        shot(page, f"overview-results-{viewport}")
