"""The recommended audience in headless Chromium: the job page ranks the segments with their
reasons, the form comes with the recommended ones ticked, a low-fit choice is warned about
before submitting and the warning stays on the campaign's page."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.web.conftest import Dashboard, shot

pytestmark = pytest.mark.browser


def _audiences(dashboard: Dashboard) -> dict[int, dict]:
    """Each open job's ranked segments, as the API answers them."""
    headers = {"Authorization": f"Bearer {dashboard.tokens['viewer']}"}
    found = {}
    for job_id in dashboard.job_ids:
        response = httpx.get(
            f"{dashboard.url}/api/v1/jobs/{job_id}/audience", headers=headers, timeout=10
        )
        assert response.status_code == 200, response.text
        found[job_id] = response.json()
    return found


def test_the_form_preselects_the_recommendation_and_warns_on_a_low_fit_choice(
    open_as, dashboard: Dashboard
):
    audiences = _audiences(dashboard)
    # A job some segments fit (not age proxies: the page says which) and some do not.
    job_id, audience = next(
        (job_id, a)
        for job_id, a in audiences.items()
        if any(s["fits"] for s in a["segments"]) and not all(s["fits"] for s in a["segments"])
    )
    low_fit = next(s for s in audience["segments"] if not s["fits"])
    page = open_as("operator")
    page.goto(f"/jobs/{job_id}")

    section = page.locator("#audience")
    expect(section.get_by_role("heading", name="Audiencia recomendada")).to_be_visible()
    # Where and with which words the ads go, and the job's own audience, as the API says them.
    places = section.locator("#audience-places")
    for place in audience["places"]["cities"]:
        expect(places.locator(f"li[data-city='{place['city']}']")).to_have_text(
            place["reason"]["message"]
        )
    expect(places.locator(".chip")).to_have_text(audience["keywords"])
    own = section.locator("#audience-people")
    reach = f"{audience['people']['reach']:,}".replace(",", ".")
    expect(own).to_contain_text(f"{reach} candidatos encajan (de hasta 1.000)")
    items = section.locator("li.fit-item")
    expect(items).to_have_count(len(audience["segments"]))
    # Best first, each with its score and its reasons in Spanish.
    best = audience["segments"][0]
    expect(items.first.locator(".fit-name")).to_have_text(best["name"])
    expect(items.first.locator(".fit-reasons li").first).to_have_text(best["reasons"][0]["message"])
    expect(items.first).to_contain_text(f"Afinidad {best['score']:.2f}".replace(".", ","))
    recommended = [
        int(i)
        for i in section.locator("li[data-recommended=true]").evaluate_all(
            "items => items.map(i => i.dataset.segmentId)"
        )
    ]
    assert recommended and set(recommended) <= {
        s["segment_id"] for s in audience["segments"] if s["fits"]
    }
    expect(section.locator("li[data-recommended=true] .badge-fit").first).to_have_text(
        "✓ recomendado"
    )

    # The form: the recommended segments come ticked, and nothing else.
    form = page.locator("#campaign-form")
    ticked = form.locator("input[name=segment_ids]:checked").evaluate_all(
        "boxes => boxes.map(b => Number(b.value))"
    )
    assert sorted(ticked) == sorted(recommended)
    low_choice = form.locator(
        "label.choice", has=page.locator(f"input[value='{low_fit['segment_id']}']")
    )
    expect(low_choice).to_contain_text("encaja poco")
    expect(low_choice).to_contain_text(f"afinidad {low_fit['score']:.2f}".replace(".", ","))
    shot(page, "job-audience-laptop")

    form.locator("input[name=platforms][value=meta]").check()
    expect(page.locator("#preview-body li.check")).to_have_count(1)
    expect(page.locator("#preview-body li[data-rule=segment_low_fit]")).to_have_count(0)
    low_choice.locator("input").check()
    warning = page.locator("#preview-body li[data-rule=segment_low_fit]")
    expect(warning).to_contain_text(f"El segmento «{low_fit['name']}» encaja poco con este empleo")
    shot(page, "job-low-fit-preview-laptop")

    confirmation = form.locator("input[name=acknowledge_warnings]")
    if confirmation.is_visible():  # the low-fit segment happens to be an age proxy too
        confirmation.check()
    page.get_by_role("button", name="Crear campaña").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))

    kept = page.locator("#campaign-fit-warnings li[data-rule=segment_low_fit]")
    expect(kept).to_contain_text(f"El segmento «{low_fit['name']}» encaja poco")
    expect(page.locator("dd .chip")).to_have_count(len(recommended) + 1)
    assert low_fit["name"] in page.locator("dd .chip").all_inner_texts()
    shot(page, "campaign-low-fit-laptop")

    phone = open_as("operator", viewport="phone")
    phone.goto(f"/jobs/{job_id}")
    expect(phone.locator("#audience li.fit-item").first).to_be_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the job page is {overflow}px wider than a phone"
    shot(phone, "job-audience-phone")
