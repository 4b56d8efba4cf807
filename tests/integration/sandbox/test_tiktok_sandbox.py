"""The emulated TikTok Marketing API: envelope errors as HTTP 200, text and employment rules."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
        "budget": 80000,
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


def _square_png(side: int = 640) -> bytes:
    """A plain side x side PNG, built by hand: the smallest square image ad TikTok takes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x10\x60\xd0" * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _ad(sb, adgroup_id: str) -> str:
    png = _square_png()
    uploaded = envelope(
        httpx.post(
            f"{sb.base_url}/open_api/v1.3/file/image/ad/upload/",
            data={"advertiser_id": ADVERTISER, "image_signature": hashlib.md5(png).hexdigest()},
            files={"image_file": ("ad.png", png, "image/png")},
            headers={"Access-Token": sb.state.credentials["tiktok"]["access_token"]},
        )
    )
    creative = {
        "ad_name": "a",
        "identity_type": "CUSTOMIZED_USER",
        "identity_id": IDENTITY,
        "ad_format": "SINGLE_IMAGE",
        "image_ids": [uploaded["data"]["image_id"]],
        "ad_text": "Analista de marca en Bogotá.",
        "call_to_action": "APPLY_NOW",
        "landing_page_url": "https://empleos.example.co/vacantes/42",
        "display_name": "Magneto Empleos",
    }
    made = envelope(call(sb, "ad/create/", {"adgroup_id": adgroup_id, "creatives": [creative]}))
    assert made["code"] == 0, made
    return made["data"]["ad_ids"][0]


def test_reports_per_ad_group_and_campaign_add_up_their_ads(sb):
    # Image ads run on the TikTok Ad Network: TikTok's own feed takes videos only.
    group = ad_group(sb, budget=80_000, placements=["PLACEMENT_PANGLE"])["data"]["adgroup_id"]
    (read,) = _get(sb, "adgroup/get/", filtering={"adgroup_ids": [group]})["data"]["list"]
    ads = [_ad(sb, group), _ad(sb, group)]
    sb.state.clock.advance(6 * 3600)
    # Paused, so the three reports read the same figures: live, they grow between the calls.
    call(sb, "adgroup/status/update/", {"adgroup_ids": [group], "operation_status": "DISABLE"})
    today = datetime.fromtimestamp(sb.state.clock.now(), ZoneInfo("America/Bogota")).date()

    def report(level: str, dimension: str, ids: list[str]) -> dict[str, tuple[int, int, float]]:
        answer = _get(
            sb,
            "report/integrated/get/",
            report_type="BASIC",
            data_level=level,
            dimensions=[dimension, "stat_time_day"],
            start_date=str(today - timedelta(days=1)),
            end_date=str(today),
            filtering=[{"field_name": f"{dimension}s", "filter_value": json.dumps(ids)}],
        )
        assert answer["code"] == 0, answer
        totals: dict[str, tuple[int, int, float]] = {}
        for row in answer["data"]["list"]:
            day, m = row["dimensions"]["stat_time_day"], row["metrics"]
            before = totals.get(day, (0, 0, 0.0))
            totals[day] = (
                before[0] + int(m["impressions"]),
                before[1] + int(m["clicks"]),
                round(before[2] + float(m["spend"]), 2),
            )
        return totals

    by_ad = report("AUCTION_AD", "ad_id", ads)
    assert by_ad and sum(figures[0] for figures in by_ad.values()) > 0
    assert report("AUCTION_ADGROUP", "adgroup_id", [group]) == by_ad
    assert report("AUCTION_CAMPAIGN", "campaign_id", [read["campaign_id"]]) == by_ad


# --------------------------------------------------------------------------- updates


def _ad_group_held(sb, group: str) -> dict:
    (read,) = _get(sb, "adgroup/get/", filtering={"adgroup_ids": [group]})["data"]["list"]
    return read


def test_an_ad_group_budget_under_the_minimum_is_refused_and_nothing_changes(sb):
    group = ad_group(sb)["data"]["adgroup_id"]
    before = _ad_group_held(sb, group)
    sb.state.clock.advance(60)

    body = {"adgroup_id": group, "budget": 79_999, "adgroup_name": "otro nombre"}
    answer = envelope(call(sb, "adgroup/update/", body))

    assert answer["code"] == 40002 and answer["message"].startswith("budget:")
    assert _ad_group_held(sb, group) == before  # the name was not changed either


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"placements": ["PLACEMENT_PANGLE"]}, "placements"),  # not updatable here
        ({"location_ids": "3686110"}, "location_ids"),  # a list, not a string
        ({"budget": "mucho"}, "budget"),
        ({"schedule_type": "SCHEDULE_START_END"}, "schedule_end_time"),
        (
            {"schedule_type": "SCHEDULE_START_END", "schedule_end_time": "2026-11-30 00:00:00"},
            "schedule_end_time",
        ),
        ({"schedule_start_time": "2026-01-01 00:00:00"}, "schedule_start_time"),  # > 12 h ago
        ({"age_groups": ["AGE_25_34"]}, "age_groups"),  # an employment ad
        ({"audience_ids": ["404"]}, "audience_ids"),
    ],
)
def test_an_ad_group_update_tiktok_refuses_names_the_field_and_changes_nothing(sb, changes, field):
    group = ad_group(sb)["data"]["adgroup_id"]
    before = _ad_group_held(sb, group)

    answer = envelope(call(sb, "adgroup/update/", {"adgroup_id": group, **changes}))

    assert answer["code"] == 40002 and answer["message"].startswith(f"{field}:"), answer
    assert _ad_group_held(sb, group) == before


def test_an_ad_group_update_sets_budget_schedule_and_targeting(sb):
    group = ad_group(sb)["data"]["adgroup_id"]
    changes = {
        "budget": 120_000,
        "schedule_type": "SCHEDULE_START_END",
        "schedule_end_time": "2027-01-31 04:59:59",
        "languages": ["es", "en"],
    }

    answer = envelope(call(sb, "adgroup/update/", {"adgroup_id": group, **changes}))

    assert answer["code"] == 0 and answer["data"]["adgroup_id"] == group
    held = _ad_group_held(sb, group)
    assert {k: held[k] for k in changes} == changes
    assert held["schedule_start_time"] == "2026-12-01 00:00:00"  # left as it was
    # From now on again: the end it held goes with it.
    body = {"adgroup_id": group, "schedule_type": "SCHEDULE_FROM_NOW"}
    assert envelope(call(sb, "adgroup/update/", body))["code"] == 0
    assert "schedule_end_time" not in _ad_group_held(sb, group)


def test_an_ad_update_replaces_its_creative_and_keeps_the_ad(sb):
    group = ad_group(sb, placements=["PLACEMENT_PANGLE"])["data"]["adgroup_id"]
    ad_id = _ad(sb, group)
    (before,) = _get(sb, "ad/get/", filtering={"ad_ids": [ad_id]})["data"]["list"]
    creative = {
        "ad_id": ad_id,
        "ad_name": before["ad_name"],
        "identity_type": "CUSTOMIZED_USER",
        "identity_id": IDENTITY,
        "ad_format": "SINGLE_IMAGE",
        "image_ids": before["image_ids"],
        "ad_text": "Contratamos analistas de marca.",
        "landing_page_url": "https://empleos.example.co/vacantes/43",
    }

    answer = envelope(call(sb, "ad/update/", {"adgroup_id": group, "creatives": [creative]}))

    assert answer["code"] == 0 and answer["data"]["ad_ids"] == [ad_id]
    (after,) = _get(sb, "ad/get/", filtering={"ad_ids": [ad_id]})["data"]["list"]
    assert after["ad_text"] == creative["ad_text"]
    assert after["landing_page_url"] == creative["landing_page_url"]
    # The creative sent replaces the held one: what it leaves out is not kept.
    assert "call_to_action" not in after and "display_name" not in after
    assert after["operation_status"] == before["operation_status"]
    assert after["adgroup_id"] == group and after["create_time"] == before["create_time"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ad_id": None}, "ad_id"),
        ({"ad_text": "x" * 101}, "ad_text"),
        ({"landing_page_url": "empleos"}, "landing_page_url"),
    ],
)
def test_an_ad_update_tiktok_refuses_changes_nothing(sb, changes, field):
    group = ad_group(sb, placements=["PLACEMENT_PANGLE"])["data"]["adgroup_id"]
    ad_id = _ad(sb, group)
    (before,) = _get(sb, "ad/get/", filtering={"ad_ids": [ad_id]})["data"]["list"]
    kept = ("ad_name", "identity_type", "identity_id", "ad_format", "image_ids", "ad_text")
    creative = {"ad_id": ad_id, **{k: before[k] for k in kept}}
    creative |= {"landing_page_url": before["landing_page_url"], **changes}

    answer = envelope(call(sb, "ad/update/", {"adgroup_id": group, "creatives": [creative]}))

    assert answer["code"] == 40002 and answer["message"].startswith(f"{field}:"), answer
    assert _get(sb, "ad/get/", filtering={"ad_ids": [ad_id]})["data"]["list"] == [before]


def test_an_ad_update_refuses_an_ad_of_another_ad_group(sb):
    group = ad_group(sb, placements=["PLACEMENT_PANGLE"])["data"]["adgroup_id"]
    other = ad_group(sb, placements=["PLACEMENT_PANGLE"])["data"]["adgroup_id"]
    ad_id = _ad(sb, other)
    (held,) = _get(sb, "ad/get/", filtering={"ad_ids": [ad_id]})["data"]["list"]
    own = ("create_time", "modify_time", "adgroup_id", "campaign_id", "advertiser_id")
    creative = {k: v for k, v in held.items() if k not in own}

    answer = envelope(call(sb, "ad/update/", {"adgroup_id": group, "creatives": [creative]}))
    assert answer["code"] == 40002 and answer["message"].startswith("ad_id:"), answer
    # Nor can a creative move its ad: its ad group is not a creative field.
    moved = {**creative, "adgroup_id": group}
    answer = envelope(call(sb, "ad/update/", {"adgroup_id": other, "creatives": [moved]}))
    assert answer["code"] == 40002 and answer["message"].startswith("adgroup_id:"), answer
    assert _get(sb, "ad/get/", filtering={"ad_ids": [ad_id]})["data"]["list"] == [held]
