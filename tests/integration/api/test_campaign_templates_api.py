"""/api/v1/campaign-templates: create, read, change, apply; refusals name the field."""

from __future__ import annotations

import pytest
from tests.integration.feeds.conftest import feed_job, platforms, xml_feed  # noqa: F401

from adflux.campaign_templates import service as templates
from adflux.extensions import db
from adflux.feeds import service as feeds

pytestmark = pytest.mark.postgres

PATH = "/api/v1/campaign-templates"
BODY = {
    "name": "Contabilidad en Cali",
    "area": "contabilidad",
    "city": "CALI",
    "platforms": ["meta", "google"],
    "daily_budget_cop": 60_000,
    "daily_cap": 5,
    "rules": [{"kind": "max_applications", "max_applications": 30, "period": "week"}],
}


@pytest.mark.usefixtures("platforms", "dispatcher")
def test_a_template_made_through_the_api_creates_campaigns_after_a_feed_import(client, token_for):
    operator = token_for("operator")
    created = client.post(PATH, json=BODY, headers=operator)
    assert created.status_code == 201, created.json
    template = created.json
    assert (template["area"], template["city"], template["active"]) == (
        "Contabilidad y finanzas",
        "Cali",
        True,
    )
    assert template["campaign_ids"] == []

    imported = client.post(
        "/api/v1/job-feeds/imports",
        data=xml_feed(feed_job("A-1"), feed_job("B-1", city="Pasto")).getvalue(),
        headers={**operator, "Content-Type": "application/xml"},
    )

    assert imported.status_code == 200, imported.json
    shown = client.get(f"{PATH}/{template['id']}", headers=token_for("viewer")).json
    assert shown["campaign_ids"] == imported.json["campaigns_created"]
    assert len(shown["campaign_ids"]) == 1
    listed = client.get(PATH, headers=token_for("viewer")).json
    assert [t["name"] for t in listed["items"]] == ["Contabilidad en Cali"]

    off = client.patch(f"{PATH}/{template['id']}", json={"active": False}, headers=operator)
    assert off.status_code == 200 and off.json["active"] is False
    applied = client.post(f"{PATH}/apply", headers=operator)
    assert applied.status_code == 200
    assert applied.json == {"created": [], "capped": {}, "failed": []}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"area": "astronautas"}, "area"),
        ({"city": "Gotham"}, "city"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"rules": [{"kind": "max_cpa", "max_cpa_cop": 9000}]}, "rules"),
        ({"rules": [{"kind": "nope"}]}, "rules.0.kind"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_template_is_a_422_naming_the_field(client, token_for, change, field):
    answer = client.post(PATH, json={**BODY, **change}, headers=token_for("operator"))
    assert answer.status_code == 422, answer.json
    assert field in answer.json["error"]["fields"]


def test_names_are_unique_and_viewers_cannot_create(client, token_for):
    operator = token_for("operator")
    assert client.post(PATH, json=BODY, headers=operator).status_code == 201
    again = client.post(PATH, json=BODY, headers=operator)
    assert again.status_code == 409 and again.json["error"]["fields"] == {"name": ["ya existe"]}
    assert client.post(PATH, json=BODY, headers=token_for("viewer")).status_code == 403
    assert client.get(f"{PATH}/999", headers=operator).status_code == 404


@pytest.mark.usefixtures("platforms", "dispatcher")
def test_a_template_that_cannot_create_a_campaign_says_why_in_the_readers_language(
    client, token_for
):
    template = templates.create_template(
        db_session=db.session,
        name="Contabilidad en Cali",
        platforms=["meta"],
        city="cali",
        daily_budget_cop=1_000,  # under Meta's minimum
    )
    feeds.import_feed(db_session=db.session, stream=xml_feed(feed_job("A-1")), source="test")
    operator = token_for("operator")

    english = client.post(f"{PATH}/apply", headers={**operator, "Accept-Language": "en"})
    spanish = client.post(f"{PATH}/apply", headers={**operator, "Accept-Language": "es"})

    ((failed_en,), (failed_es,)) = (english.json["failed"], spanish.json["failed"])
    assert failed_en["template_id"] == failed_es["template_id"] == template.id
    assert (failed_en["error"], failed_es["error"]) == ("invalid budget", "presupuesto no válido")
    assert failed_es["fields"] != failed_en["fields"]
    said = " ".join(reason for reasons in failed_es["fields"].values() for reason in reasons)
    assert "Meta necesita al menos" in said
