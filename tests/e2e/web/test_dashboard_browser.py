"""The dashboard in headless Chromium against a real server and the platform sandbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.e2e.web.conftest import VIEWPORTS, Dashboard, shot

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.platforms.registry import ADAPTERS

pytestmark = pytest.mark.browser

PUBLISH_TIMEOUT_MS = 45_000


def _create_campaign(  # type: ignore[no-untyped-def]
    page,
    dashboard: Dashboard,
    job_id: int,
    platforms: list[str],
    *,
    segments: int = 0,
    budget: int | None = None,
) -> int:
    """Fill the job page's form (the first `segments` segments, `budget` if given) and submit."""
    page.goto(f"/jobs/{job_id}")
    form = page.locator("#campaign-form")
    for index in range(segments):
        form.locator("input[name=segment_ids]").nth(index).check()
    confirmation = form.locator("input[name=acknowledge_warnings]")
    if confirmation.is_visible():
        # A chosen segment is flagged as a possible age filter: the recruiter confirms the offer
        # is open to every age, as the form asks.
        confirmation.check()
    if budget is not None:
        form.locator("input[name=daily_budget_cop]").fill(str(budget))
    shot(page, "job-form-filled-laptop")
    for name in platforms:
        form.locator(f"input[name=platforms][value={name}]").check()
    # The compliance check answers for each chosen platform before anything is submitted.
    expect(page.locator("#preview-body li.check")).to_have_count(len(platforms))
    expect(page.locator("#preview-body li.check[data-ok=false]")).to_have_count(0)
    page.get_by_role("button", name=re.compile("Crear campaña|Create campaign")).click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_every_page_at_laptop_and_phone_width(open_as, dashboard: Dashboard):
    for viewport in VIEWPORTS:
        page = open_as("operator", viewport=viewport)
        shot(page, f"overview-{viewport}")
        expect(page.locator("[data-figure=candidates]")).to_have_text("500")
        page.get_by_role("navigation", name="Navegación principal").get_by_role(
            "link", name="Vacantes"
        ).click()
        expect(page.get_by_role("heading", name="Vacantes", level=1)).to_be_visible()
        page.get_by_label("Buscar por título").fill("a")
        page.get_by_role("button", name="Buscar").click()
        expect(page).to_have_url(re.compile(r"/jobs\?q=a"))
        shot(page, f"jobs-{viewport}")
        page.goto(f"/jobs/{dashboard.job_ids[0]}")
        expect(page.locator("#campaign-form")).to_be_visible()
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select')]
                   .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label'))
                   .map(e => e.name)"""
        )
        assert unlabelled == []
        shot(page, f"job-{viewport}")
        page.goto("/segments")
        expect(page.locator(".segment-card").first).to_be_visible()
        expect(page.locator("svg.scatter circle").first).to_be_attached()
        shot(page, f"segments-{viewport}")
        page.goto("/campaigns")
        shot(page, f"campaigns-{viewport}")
        # Nothing on a phone page is wider than the screen (tables scroll inside their card).
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{viewport}: page is {overflow}px wider than the window"


def test_campaign_created_from_the_form_is_published_on_every_platform(
    open_as, dashboard: Dashboard
):
    page = open_as("operator")
    job_id = dashboard.job_ids[0]
    every_platform = list(ADAPTERS)  # every platform AdFlux offers
    # Two segments, each an arm of its own on every platform (its city, area and skills its
    # targeting). The budget covers every arm's platform minimum (TikTok's is above the form's
    # default).
    campaign_id = _create_campaign(
        page,
        dashboard,
        job_id,
        every_platform,
        segments=2,
        budget=2 * sum(MIN_DAILY_BUDGET_COP[p] for p in every_platform),
    )
    # The page refreshes itself: no reload between "queued" and "published".
    status = page.locator("#campaign-status")
    expect(status).to_have_attribute("data-status", "published", timeout=PUBLISH_TIMEOUT_MS)
    rows = page.locator("tr[data-platform]")
    expect(rows).to_have_count(2 * len(every_platform))
    for platform in every_platform:
        arms = page.locator(f"tr[data-platform={platform}]")
        expect(arms).to_have_count(2)
        for row in (arms.nth(0), arms.nth(1)):
            expect(row).to_have_attribute("data-status", "published")
            expect(row.locator("td.ids code").first).not_to_be_empty()
        expect(
            page.locator(f"tr[data-arm-platform={platform}][data-change=applied]")
        ).to_have_count(2)
    shot(page, "campaign-published-laptop")
    objects = dashboard.sandbox.state.store.dump()
    key = re.compile(r"adflux-pub-\d+")
    assert all(objects.get(p) for p in every_platform), objects.keys()
    assert any(key.search(str(o)) for o in objects["meta"])
    phone = open_as("operator", viewport="phone")
    phone.goto(f"/campaigns/{campaign_id}")
    expect(phone.locator("#campaign-status")).to_have_attribute("data-status", "published")
    shot(phone, "campaign-published-phone")


def test_failed_publication_is_retried_from_the_campaign_page(open_as, dashboard: Dashboard):
    page = open_as("operator")
    dashboard.sandbox.state.revoke("x")
    try:
        _create_campaign(page, dashboard, dashboard.job_ids[1], ["meta", "x"])
        status = page.locator("#campaign-status")
        expect(status).to_have_attribute(
            "data-status", "partially_published", timeout=PUBLISH_TIMEOUT_MS
        )
        x_row = page.locator("tr[data-platform=x]")
        expect(x_row).to_have_attribute("data-status", "failed")
        expect(x_row.locator("td.error-cell")).to_contain_text("reconnect")
        shot(page, "campaign-failed-laptop")
    finally:
        dashboard.sandbox.state.restore("x")
    page.get_by_role("button", name="Reintentar fallidas").click()
    expect(page.locator(".flash-success")).to_contain_text("en cola de nuevo")
    expect(page.locator("#campaign-status")).to_have_attribute(
        "data-status", "published", timeout=PUBLISH_TIMEOUT_MS
    )
    expect(page.locator("tr[data-platform=x]")).to_have_attribute("data-status", "published")
    expect(page.get_by_role("button", name="Reintentar fallidas")).to_have_count(0)
    page.goto("/")
    # Recent failures lists publications that are failed now; this one is published again.
    expect(page.get_by_text("Ningún fallo reciente.")).to_be_visible()
    shot(page, "overview-after-campaigns-laptop")
    page.goto("/campaigns?status=published")
    expect(page.locator("table.list tbody tr").first).to_be_visible()
    shot(page, "campaigns-published-laptop")
    phone = open_as("operator", viewport="phone")
    phone.goto("/campaigns")
    shot(phone, "campaigns-list-phone")


def test_viewer_sees_everything_but_no_forms(open_as, dashboard: Dashboard):
    page = open_as("viewer", locale="en-US")
    expect(page.locator(".readonly-note")).to_contain_text("Read-only access")
    page.goto(f"/jobs/{dashboard.job_ids[0]}")
    expect(page.get_by_role("heading", name="Campaigns for this job")).to_be_visible()
    expect(page.locator("#campaign-form")).to_have_count(0)
    expect(page.locator("form[method=post]")).to_have_count(1)  # sign-out
    shot(page, "job-viewer-laptop")
    page.goto("/campaigns")
    page.locator("table.list a[href^='/campaigns/']").first.click()
    expect(page.locator("#campaign-status")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Retry|Pause|Resume"))).to_have_count(0)
    # A write the page does not offer is refused by the server as well.
    answer = page.request.post(f"/jobs/{dashboard.job_ids[0]}/campaigns", form={})
    assert answer.status == 400  # no CSRF token: refused before anything else
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    answer = page.request.post(
        f"/jobs/{dashboard.job_ids[0]}/campaigns",
        form={"csrf_token": token or "", "platforms": "meta", "daily_budget_cop": "50000"},
    )
    assert answer.status == 403


def test_a_bad_token_does_not_sign_in(browser, dashboard: Dashboard):
    context = browser.new_context(
        viewport=VIEWPORTS["phone"], base_url=dashboard.url, locale="es-CO"
    )
    try:
        page = context.new_page()
        page.goto("/campaigns")
        page.get_by_label("Token de API").fill("adf_wrong")
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.locator(".flash-error")).to_contain_text("Token inválido")
        shot(page, "sign-in-refused-phone")
        assert not any(c["value"] == "adf_wrong" for c in context.cookies())
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/sign-in"))
    finally:
        context.close()


def test_operator_trains_a_new_segmentation_and_watches_it_finish(open_as, dashboard: Dashboard):
    page = open_as("operator")
    page.goto("/segments")
    page.get_by_role("button", name="Entrenar nueva segmentación").click()
    started = page.locator(".flash-success")
    expect(started).to_contain_text("iniciado")
    run_id = re.search(r"#(\d+)", started.inner_text()).group(1)  # type: ignore[union-attr]
    expect(page.locator("#training")).to_be_visible()
    shot(page, "segments-training-laptop")
    # The page polls the run and reloads itself when the new run is active.
    # The page reloads once the run is done; the new run is then the active one, first listed.
    expect(page.locator("#training")).to_have_count(0, timeout=60_000)
    expect(page.locator("table.list tbody tr").first).to_contain_text(f"#{run_id}")
    expect(page.locator(".segment-card").first).to_be_visible()
    expect(page.locator("table.list tbody tr")).to_have_count(2)  # both runs listed
