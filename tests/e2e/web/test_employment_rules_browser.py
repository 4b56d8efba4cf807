"""The employment-ad rules in headless Chromium: the form's note on what it does not offer and why,
an age-proxy segment confirmed on the form, and the warning on the campaign's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.e2e.web.conftest import Dashboard, shot

pytestmark = pytest.mark.browser


def test_the_form_explains_the_rules_and_an_age_proxy_must_be_confirmed(
    open_as, dashboard: Dashboard
):
    page = open_as("operator")
    assert len(dashboard.job_ids) >= 3
    page.goto(f"/jobs/{dashboard.job_ids[2]}")

    note = page.locator("#targeting-rules")
    expect(note).to_contain_text("La segmentación por edad, género o código postal no se ofrece")
    note.get_by_text("Las reglas y sus fuentes").click()
    expect(note.locator("li[data-rule=no_age_targeting]")).to_be_visible()
    expect(note.locator("li[data-rule=no_age_targeting]")).to_contain_text("Ley 931 de 2004")
    expect(note.locator("li[data-rule=no_gender_targeting]")).to_contain_text("Ley 1482 de 2011")
    expect(note.locator("li[data-rule=no_postal_codes]")).to_contain_text("código postal")
    shot(page, "job-rules-laptop")

    form = page.locator("#campaign-form")
    form.locator("input[name=platforms][value=meta]").check()
    flagged = form.locator("label.choice", has=page.locator(".badge-warn")).first
    expect(flagged).to_be_visible()
    segment_name = flagged.locator(".choice-title").inner_text()
    # The confirmation is asked only once a flagged segment is chosen.
    confirm = page.locator("#age-proxy-confirm")
    expect(confirm).to_be_hidden()
    flagged.locator("input[name=segment_ids]").check()
    expect(confirm).to_be_visible()
    # The compliance check on the page already warns before anything is sent.
    expect(page.locator("#preview-body .advisories")).to_contain_text(segment_name)
    page.get_by_role("button", name="Crear campaña").click()

    # Not confirmed: refused, saying why, and nothing created.
    expect(page.locator(".flash-error")).to_contain_text("advertencias sin confirmar")
    expect(page.locator("#acknowledge_warnings-error")).to_contain_text("segment_age_proxy")
    assert re.search(r"/jobs/\d+/campaigns$", page.url)
    shot(page, "job-age-proxy-refused-laptop")

    page.get_by_label(re.compile("Confirmo que la oferta es para todas las edades")).check()
    page.get_by_role("button", name="Crear campaña").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))

    warnings = page.locator("#campaign-warnings")
    expect(warnings).to_contain_text("Advertencias de cumplimiento")
    expect(warnings.locator("li[data-rule=segment_age_proxy]")).to_contain_text(
        f"El segmento {segment_name} se explica en gran parte por la edad"
    )
    shot(page, "campaign-warnings-laptop")
