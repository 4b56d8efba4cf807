"""The emulated TikTok Marketing API: envelope errors as HTTP 200, text and employment rules."""

from __future__ import annotations

import json

import httpx
import pytest
from tests.integration.sandbox.http_support import fault

ADVERTISER = "7000000000000000001"
IDENTITY = "7000000000000000002"


def call(sb, path: str, body: dict, token: str | None = None) -> httpx.Response:
    token = token or sb.state.credentials["tiktok"]["access_token"]
    return httpx.post(
        f"{sb.base_url}/open_api/v1.3/{path}",
        json={"advertiser_id": ADVERTISER, **body},
        headers={"Access-Token": token},
    )


def envelope(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def campaign(sb) -> str:
    body = {
        "campaign_name": "c",
        "objective_type": "TRAFFIC",
        "budget_mode": "BUDGET_MODE_INFINITE",
        "special_industries": ["EMPLOYMENT"],
    }
    answer = envelope(call(sb, "campaign/create/", body))
    assert answer["code"] == 0, answer
    return answer["data"]["campaign_id"]


def ad_group(sb, **changes) -> dict:
    body = {
        "campaign_id": campaign(sb),
        "adgroup_name": "g",
        "promotion_type": "WEBSITE",
        "placement_type": "PLACEMENT_TYPE_NORMAL",
        "placements": ["PLACEMENT_TIKTOK"],
        "location_ids": ["3686110"],
        "budget_mode": "BUDGET_MODE_DAY",
        "budget": 50000,
        "schedule_type": "SCHEDULE_FROM_NOW",
        "schedule_start_time": "2026-12-01 00:00:00",
        "optimization_goal": "CLICK",
        "billing_event": "CPC",
        **changes,
    }
    return envelope(call(sb, "adgroup/create/", body))


def test_business_errors_are_http_200_with_a_code(sb):
    answer = envelope(call(sb, "campaign/create/", {"objective_type": "TRAFFIC"}))
    assert answer["code"] == 40002
    assert answer["message"].startswith("campaign_name:")
    assert answer["request_id"] and answer["data"] == {}


def test_a_bad_token_is_40105(sb):
    assert envelope(call(sb, "campaign/create/", {}, token="nope"))["code"] == 40105


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age_groups": ["AGE_25_34", "AGE_35_44"]}, "age_groups"),
        ({"gender": "GENDER_FEMALE"}, "gender"),
        ({"targeting_expansion": {"expansion_enabled": True}}, "targeting_expansion"),
    ],
)
def test_employment_ad_groups_cannot_narrow_the_audience(sb, changes, field):
    answer = ad_group(sb, **changes)
    assert answer["code"] == 40002 and answer["message"].startswith(f"{field}:")


def test_an_unrestricted_employment_ad_group_is_created_once_per_request_id(sb):
    first = ad_group(sb, request_id="42")
    assert first["code"] == 0
    again = ad_group(sb, request_id="42")
    assert again["data"]["adgroup_id"] == first["data"]["adgroup_id"]


@pytest.mark.parametrize(
    ("ad_text", "accepted"),
    [("a" * 100, True), ("a" * 101, False), ("Postúlate ya 🚀", False), ("", False)],
)
def test_ad_text_is_1_to_100_characters_without_emoji(sb, ad_text, accepted):
    group = ad_group(sb)["data"]["adgroup_id"]
    creative = {
        "ad_name": "a",
        "identity_type": "CUSTOMIZED_USER",
        "identity_id": IDENTITY,
        "ad_format": "SINGLE_VIDEO",
        "video_id": "v10033g50000",
        "ad_text": ad_text,
        "landing_page_url": "https://empleos.example.co/vacantes/42",
    }
    answer = envelope(call(sb, "ad/create/", {"adgroup_id": group, "creatives": [creative]}))
    assert (answer["code"] == 0) is accepted, answer
    if not accepted:
        assert answer["message"].startswith("ad_text:")


def test_rate_limit_is_40100_in_an_http_200(sb):
    fault(sb, "tiktok", rate_limit=1.0, times=1)
    answer = envelope(call(sb, "campaign/create/", {}))
    assert answer["code"] == 40100


def test_rate_limit_variant_429_is_an_http_error(sb):
    fault(sb, "tiktok", rate_limit=1.0, times=1, variant="429", retry_after_s=30)
    answer = call(sb, "campaign/create/", {})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "30"


def _get(sb, path: str, **params) -> dict:
    encoded = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
    answer = httpx.get(
        f"{sb.base_url}/open_api/v1.3/{path}",
        params={"advertiser_id": ADVERTISER, **encoded},
        headers={"Access-Token": sb.state.credentials["tiktok"]["access_token"]},
    )
    return envelope(answer)


def test_get_returns_only_the_fields_asked_for_and_every_field_otherwise(sb):
    campaign_id = campaign(sb)
    filtering = {"campaign_ids": [campaign_id]}

    (some,) = _get(
        sb, "campaign/get/", filtering=filtering, fields=["campaign_id", "campaign_name"]
    )["data"]["list"]
    (every,) = _get(sb, "campaign/get/", filtering=filtering)["data"]["list"]

    assert some == {"campaign_id": campaign_id, "campaign_name": "c"}
    assert {"campaign_id", "budget_mode", "create_time", "modify_time"} <= set(every)
    refused = _get(sb, "campaign/get/", filtering=filtering, fields="campaign_id")
    assert refused["code"] == 40002 and refused["message"].startswith("fields")


def test_a_status_change_moves_modify_time(sb):
    campaign_id = campaign(sb)
    sb.state.clock.advance(60)
    call(
        sb,
        "campaign/status/update/",
        {"campaign_ids": [campaign_id], "operation_status": "DISABLE"},
    )

    (read,) = _get(sb, "campaign/get/", filtering={"campaign_ids": [campaign_id]})["data"]["list"]

    assert read["operation_status"] == "DISABLE" and read["modify_time"] > read["create_time"]
