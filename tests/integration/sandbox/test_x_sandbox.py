"""The emulated X Ads API: OAuth 1.0a checked, both list encodings, X's errors and limits."""

from __future__ import annotations

import time

import httpx
import pytest
from tests.integration.sandbox.http_support import fault, x_session

ACCOUNT = "18ce54d4x5t"


def url(sb, path: str, version: str = "11") -> str:
    return f"{sb.base_url}/{version}/accounts/{ACCOUNT}/{path}"


def make_campaign(sb, session, **overrides) -> dict:
    campaign = session.post(
        url(sb, "campaigns"),
        params={
            "name": "c",
            "funding_instrument_id": "lygyi",
            "daily_budget_amount_local_micro": "50000000000",
            "entity_status": "PAUSED",
            **overrides,
        },
    )
    assert campaign.status_code == 200, campaign.text
    return campaign.json()["data"]


def make_line_item(sb, session, **overrides):
    params = {
        "campaign_id": make_campaign(sb, session)["id"],
        "objective": "WEBSITE_CLICKS",
        "product_type": "PROMOTED_TWEETS",
        "placements": ["ALL_ON_TWITTER", "PUBLISHER_NETWORK"],
        "start_time": "2026-12-01T00:00:00Z",
        **overrides,
    }
    return session.post(url(sb, "line_items"), params=params)


def test_unsigned_and_wrongly_signed_requests_are_unauthorized(sb):
    unsigned = httpx.get(f"{sb.base_url}/11/accounts/{ACCOUNT}")
    assert unsigned.status_code == 401
    assert unsigned.json()["errors"][0]["code"] == "UNAUTHORIZED_ACCESS"
    with x_session(sb, consumer_secret="not-the-secret") as session:
        assert session.get(f"{sb.base_url}/11/accounts/{ACCOUNT}").status_code == 401
    with x_session(sb) as session:
        assert session.get(f"{sb.base_url}/11/accounts/{ACCOUNT}").status_code == 200


@pytest.mark.parametrize(
    "placements",
    [["ALL_ON_TWITTER", "PUBLISHER_NETWORK"], "ALL_ON_TWITTER,PUBLISHER_NETWORK"],
    ids=["repeated-keys", "comma-joined"],
)
def test_list_parameters_in_both_encodings(sb, placements):
    with x_session(sb) as session:
        answer = make_line_item(sb, session, placements=placements)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["placements"] == ["ALL_ON_TWITTER", "PUBLISHER_NETWORK"]


def test_missing_and_invalid_parameters_use_xs_error_codes(sb):
    with x_session(sb) as session:
        missing = session.post(url(sb, "campaigns"), params={"name": "c"})
        invalid = make_line_item(sb, session, objective="JOBS")
    assert missing.status_code == 400
    assert missing.json()["errors"] == [
        {
            "code": "MISSING_PARAMETER",
            "message": '"funding_instrument_id" is a required parameter',
            "parameter": "funding_instrument_id",
        }
    ]
    assert missing.json()["request"]["params"] == {"name": "c"}
    assert invalid.json()["errors"][0]["code"] == "INVALID_PARAMETER"
    assert invalid.json()["errors"][0]["parameter"] == "objective"


def test_version_12_requires_the_line_item_start_time(sb):
    with x_session(sb) as session:
        v12 = session.post(
            url(sb, "line_items", "12"),
            params={
                "campaign_id": "nope",
                "objective": "WEBSITE_CLICKS",
                "product_type": "PROMOTED_TWEETS",
                "placements": "ALL_ON_TWITTER",
            },
        )
    assert v12.json()["errors"][0]["parameter"] == "start_time"
    assert v12.headers["x-current-api-version"] == "12"


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("a" * 280, True),
        ("a" * 281, False),
        ("a" * 256 + " https://empleos.example.co/" + "v" * 120, True),  # URL counts 23
        ("😀" * 141, False),  # emoji weigh 2
    ],
)
def test_post_text_is_limited_to_280_weighted_characters(sb, text, accepted):
    with x_session(sb) as session:
        answer = session.post(
            url(sb, "tweet"), params={"text": text, "as_user_id": "756201191646691328"}
        )
    assert (answer.status_code == 200) is accepted, answer.text
    if not accepted:
        assert answer.json()["errors"][0]["parameter"] == "text"


def test_rate_limit_is_429_with_reset_epochs(sb):
    fault(sb, "x", rate_limit=1.0, times=1, retry_after_s=120)
    with x_session(sb) as session:
        answer = session.get(url(sb, "campaigns"))
    assert answer.status_code == 429
    assert answer.json()["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    reset = int(answer.headers["x-account-rate-limit-reset"])
    assert 110 <= reset - time.time() <= 125
    assert answer.headers["x-rate-limit-remaining"] == "0"


def test_audience_users_must_be_hashed(sb):
    with x_session(sb) as session:
        audience = session.post(url(sb, "custom_audiences"), params={"name": "a"}).json()["data"]
        users = url(sb, f"custom_audiences/{audience['id']}/users")
        body = [{"operation_type": "Update", "params": {"users": [{"email": ["ana@x.co"]}]}}]
        refused = session.post(users, json=body)
        body[0]["params"]["users"] = [{"email": ["a" * 64], "phone_number": ["b" * 64]}]
        accepted = session.post(users, json=body)
    assert refused.status_code == 400 and refused.json()["errors"][0]["parameter"] == "email"
    assert accepted.json()["data"] == {"success_count": 1, "total_count": 1}


def test_an_audience_is_targetable_from_100_matched_users(sb):
    # developer.x.com/en/docs/ads/audiences: targeted only from 100 users matched.
    def hashed(start: int, count: int) -> list[dict]:
        return [{"email": [f"{n:064x}"]} for n in range(start, start + count)]

    with x_session(sb) as session:
        audience = session.post(url(sb, "custom_audiences"), params={"name": "a"}).json()["data"]
        users = url(sb, f"custom_audiences/{audience['id']}/users")
        read = url(sb, f"custom_audiences/{audience['id']}")
        session.post(users, json=[{"operation_type": "Update", "params": {"users": hashed(0, 99)}}])
        small = session.get(read).json()["data"]
        session.post(users, json=[{"operation_type": "Update", "params": {"users": hashed(99, 1)}}])
        enough = session.get(read).json()["data"]
    assert audience["targetable"] is False and audience["reasons_not_targetable"] == ["TOO_SMALL"]
    assert (small["audience_size"], small["targetable"]) == (99, False)
    assert small["reasons_not_targetable"] == ["TOO_SMALL"]
    assert (enough["audience_size"], enough["targetable"]) == (100, True)
    assert enough["reasons_not_targetable"] == []


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("0", "daily_budget_amount_local_micro must be greater than 0"),
        ("mucho", 'Expected Long, got "mucho" for daily_budget_amount_local_micro'),
        (
            "950000000000",
            "daily_budget_amount_local_micro must be less than or equal to "
            "total_budget_amount_local_micro",
        ),
    ],
)
def test_a_refused_budget_change_names_the_field_and_changes_nothing(sb, budget, message):
    with x_session(sb) as session:
        campaign = make_campaign(sb, session, total_budget_amount_local_micro="900000000000")
        refused = session.put(
            url(sb, f"campaigns/{campaign['id']}"),
            params={"daily_budget_amount_local_micro": budget},
        )
        held = session.get(url(sb, f"campaigns/{campaign['id']}")).json()["data"]
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "code": "INVALID_PARAMETER",
            "message": message,
            "parameter": "daily_budget_amount_local_micro",
        }
    ]
    assert held["daily_budget_amount_local_micro"] == 50_000_000_000
    assert "_budget_log" not in sb.state.store.get("x", campaign["id"])


def test_a_budget_change_is_kept_in_the_budget_history(sb):
    with x_session(sb) as session:
        campaign = make_campaign(sb, session, total_budget_amount_local_micro="900000000000")
        asked = sb.state.clock.now()
        changed = session.put(
            url(sb, f"campaigns/{campaign['id']}"),
            params={"daily_budget_amount_local_micro": "80000000000"},
        )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["daily_budget_amount_local_micro"] == 80_000_000_000
    # The market reads the days' budgets from this history (delivery.budget_on).
    first, (moment, cop) = sb.state.store.get("x", campaign["id"])["_budget_log"]
    assert (first, cop) == ([0.0, 50_000], 80_000)
    assert asked <= moment <= sb.state.clock.now()


def test_a_line_items_end_is_set_refused_before_its_start_and_unset_when_empty(sb):
    with x_session(sb) as session:
        item = make_line_item(sb, session).json()["data"]
        where = url(sb, f"line_items/{item['id']}")
        ending = session.put(where, params={"end_time": "2026-12-20T05:00:00Z"})
        backwards = session.put(where, params={"end_time": "2026-11-20T05:00:00Z"})
        held = session.get(where).json()["data"]["end_time"]
        # X: "You can un-set an optional value by specifying the parameter with an empty string".
        unset = session.put(f"{where}?end_time=")
    assert ending.json()["data"]["end_time"] == "2026-12-20T05:00:00Z"
    assert backwards.status_code == 400
    assert backwards.json()["errors"][0]["parameter"] == "end_time"
    assert held == "2026-12-20T05:00:00Z"
    assert unset.status_code == 200, unset.text
    assert unset.json()["data"]["end_time"] is None


def test_batch_targeting_creates_and_deletes_together_or_not_at_all(sb):
    with x_session(sb) as session:
        item = make_line_item(sb, session).json()["data"]
        batch = f"{sb.base_url}/11/batch/accounts/{ACCOUNT}/targeting_criteria"
        language = {"line_item_id": item["id"], "targeting_type": "LANGUAGE"}
        made = session.post(batch, json=[{"operation_type": "Create", "params": {**language,
                                          "targeting_value": "es"}}])  # fmt: skip
        (spanish,) = made.json()["data"]
        refused = session.post(
            batch,
            json=[
                {"operation_type": "Create", "params": {**language, "targeting_value": "en"}},
                {"operation_type": "Delete", "params": {"targeting_criterion_id": "nope"}},
            ],
        )
        swapped = session.post(
            batch,
            json=[
                {"operation_type": "Create", "params": {**language, "targeting_value": "en"}},
                {"operation_type": "Delete", "params": {"targeting_criterion_id": spanish["id"]}},
            ],
        )
        held = session.get(url(sb, "targeting_criteria"), params={"line_item_ids": item["id"]})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["parameter"] == "targeting_criterion_id"
    assert swapped.status_code == 200, swapped.text
    assert [c["deleted"] for c in swapped.json()["data"]] == [False, True]
    assert [c["targeting_value"] for c in held.json()["data"]] == ["en"]
