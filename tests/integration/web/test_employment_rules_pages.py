"""The dashboard and the employment-ad rules: the form says why age, gender and postal code are not
offered, refuses a post carrying them naming the rule, and an age-proxy segment is confirmed on the
form and warned about on the campaign's page."""

from __future__ import annotations

import html

import pytest
from tests.conftest import count_rows
from tests.integration.web.test_pages import _campaign_form

from adflux.audit.models import AuditLog
from adflux.campaigns.compliance import NARROWING_RULES
from adflux.campaigns.models import AdCampaign
from adflux.extensions import db

pytestmark = pytest.mark.postgres


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_the_form_says_why_age_gender_and_postal_code_are_not_offered(
    client, sign_in, job, active_run, platforms
):
    sign_in("operator")

    page = _text(client.get(f"/jobs/{job.id}"))

    assert 'id="targeting-rules"' in page
    assert "La segmentación por edad, género o código postal no se ofrece" in page
    for rule in NARROWING_RULES.values():
        assert f'data-rule="{rule.rule}"' in page
        assert rule.message.render("es") in page
    assert "Ley 931 de 2004 (Colombia)" in page and "Meta, categoría especial" in page
    # No form control for any of them.
    for rule in NARROWING_RULES.values():
        for name in rule.fields:
            assert f'name="{name}"' not in page


def test_the_form_note_follows_the_browser_language(client, sign_in, job, active_run, platforms):
    sign_in("operator")

    page = _text(client.get(f"/jobs/{job.id}", headers={"Accept-Language": "en"}))

    assert "Age, gender and postal-code targeting is not offered" in page
    assert NARROWING_RULES["no_age_targeting"].message.render("en") in page


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("age_min", "25", "no_age_targeting"),
        ("age_max", "40", "no_age_targeting"),
        ("genders", "female", "no_gender_targeting"),
        ("postal_codes", "110111", "no_postal_codes"),
        ("marital_status", "single", "no_family_status_targeting"),
    ],
)
def test_a_post_carrying_a_forbidden_narrowing_is_refused_with_the_rule(
    client, sign_in, job, active_run, platforms, dispatcher, field, value, rule
):
    sign_in("operator")
    data = _campaign_form(job.id, client, platforms=["meta"], **{field: value})

    response = client.post(f"/jobs/{job.id}/campaigns", data=data)

    assert response.status_code == 422
    page = _text(response)
    assert "Esta segmentación no está permitida en anuncios de empleo" in page
    assert f"<code>{field}</code>: {NARROWING_RULES[rule].message.render('es')}" in page
    assert count_rows(AdCampaign) == 0
    assert dispatcher.sent == []


def test_a_posted_targeting_field_is_refused(
    client, sign_in, job, active_run, platforms, dispatcher
):
    sign_in("operator")
    data = _campaign_form(job.id, client, platforms=["meta"], targeting='{"age_min": 25}')

    response = client.post(
        f"/jobs/{job.id}/campaigns", data=data, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert "<code>targeting</code>: AdFlux builds each campaign's targeting" in _text(response)
    assert count_rows(AdCampaign) == 0


def test_an_age_proxy_segment_needs_the_box_ticked_and_the_campaign_page_warns(
    client, sign_in, job, active_run, platforms, dispatcher
):
    sign_in("operator")
    proxy_segment = active_run.segments[1]
    form = _text(client.get(f"/jobs/{job.id}"))
    assert 'name="acknowledge_warnings" value="segment_age_proxy"' in form
    data = _campaign_form(job.id, client, platforms=["meta"], segment_ids=[str(proxy_segment.id)])

    refused = client.post(f"/jobs/{job.id}/campaigns", data=data)

    assert refused.status_code == 422
    page = _text(refused)
    assert "La campaña tiene advertencias sin confirmar" in page
    assert "Recién egresados · Bogotá se explica en gran parte por la edad" in page
    assert count_rows(AdCampaign) == 0

    confirmed = client.post(
        f"/jobs/{job.id}/campaigns", data={**data, "acknowledge_warnings": "segment_age_proxy"}
    )

    assert confirmed.status_code == 302, _text(confirmed)
    campaign = db.session.scalars(db.select(AdCampaign)).one()
    entry = db.session.scalars(
        db.select(AuditLog).where(
            AuditLog.entity_type == "campaign", AuditLog.entity_id == str(campaign.id)
        )
    ).one()
    assert entry.details["acknowledged_warnings"] == ["segment_age_proxy"]
    assert entry.actor.startswith("token:web-operator")
    shown = _text(client.get(f"/campaigns/{campaign.id}"))
    assert 'id="campaign-warnings"' in shown
    assert 'data-rule="segment_age_proxy"' in shown
    assert campaign.warnings[0].message.render("es") in shown


def test_a_campaign_without_proxy_segments_shows_no_warning(
    client, sign_in, job, active_run, platforms, dispatcher
):
    sign_in("operator")
    data = _campaign_form(
        job.id, client, platforms=["meta"], segment_ids=[str(active_run.segments[0].id)]
    )
    response = client.post(f"/jobs/{job.id}/campaigns", data=data)
    assert response.status_code == 302

    shown = _text(client.get(response.headers["Location"]))

    assert 'id="campaign-warnings"' not in shown
