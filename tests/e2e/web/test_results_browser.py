"""A campaign's results in headless Chromium: the figures, the daily chart and the tables read at
a laptop and a phone width, nothing wider than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.e2e.web.conftest import VIEWPORTS, Dashboard, shot

pytestmark = pytest.mark.browser


def test_a_campaigns_week_of_results_reads_at_laptop_and_phone_width(
    open_as, dashboard: Dashboard, campaign_with_results: int
):
    campaign_id = campaign_with_results
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
