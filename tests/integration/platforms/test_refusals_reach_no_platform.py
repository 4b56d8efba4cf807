"""A campaign refused by the employment-ad rules never reaches a platform: the sandbox's request
log (every call it received) shows none, while an accepted campaign's publication shows its calls.

The app's real adapters point at the sandbox here (no fakes), so any call would be logged.
"""

from __future__ import annotations

import httpx
import pytest
from tests.conftest import count_rows
from tests.factories import make_job

from adflux.campaigns import publishing
from adflux.campaigns.models import AdCampaign
from adflux.extensions import db
from adflux.sandbox.server import RunningSandbox

pytestmark = pytest.mark.postgres

EVERY_PLATFORM = ["meta", "google", "x", "tiktok", "snapchat"]
# Targeting an employment ad may not narrow (compliance.py): by age, gender or postal code.
REFUSED = [
    {"age_min": 25},
    {"age_max": 40},
    {"genders": ["female"]},
    {"postal_codes": ["110111"]},
    {"targeting": {"age_min": 25, "age_max": 40}},
]


def _platform_calls(sandbox: RunningSandbox) -> list[dict]:
    return httpx.get(f"{sandbox.base_url}/_sandbox/requests").json()["requests"]


@pytest.mark.parametrize("narrowing", REFUSED, ids=lambda body: ",".join(body))
def test_a_refused_campaign_makes_no_platform_call(
    client, token_for, real_platforms, dispatcher, sandbox, narrowing
):
    job = make_job(city="Bogotá")
    headers = token_for("operator")

    created = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": EVERY_PLATFORM, **narrowing},
        headers=headers,
    )
    published = client.post(
        f"/publish/{job.id}", json={"platforms": EVERY_PLATFORM, **narrowing}, headers=headers
    )

    assert created.status_code == 422, created.json
    assert published.status_code == 422, published.json
    assert count_rows(AdCampaign) == 0 and dispatcher.sent == []
    assert _platform_calls(sandbox) == []


def test_an_accepted_campaign_reaches_the_platform_and_the_log_shows_it(
    client, token_for, real_platforms, dispatcher, sandbox
):
    # The control for the test above: the same wiring, a campaign the rules accept.
    job = make_job(city="Bogotá")
    created = client.post(
        "/api/v1/campaigns",
        json={"job_id": job.id, "platforms": ["meta"]},
        headers=token_for("operator"),
    )
    assert created.status_code == 202, created.json

    for _name, args, _countdown in dispatcher.take():
        outcome = publishing.attempt_publication(db_session=db.session, publication_id=args[0])
        assert outcome.state == "published", outcome.detail

    calls = _platform_calls(sandbox)
    assert {call["platform"] for call in calls} == {"meta"}
    created_edges = [c["path"].rsplit("/", 1)[-1] for c in calls if c["method"] == "POST"]
    # The ad image's upload (adimages) comes after the campaign when the ad carries one.
    assert [edge for edge in created_edges if edge != "adimages"] == [
        "campaigns",
        "adsets",
        "adcreatives",
        "ads",
    ]
    assert all(call["status"] == 200 for call in calls)
