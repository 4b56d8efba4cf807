"""The account-level report endpoints refuse what each platform refuses, in its own error shape,
and throttle past each platform's documented report rate limit (Google's is covered through the
adapter in tests/integration/platforms/test_daily_report.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest
from tests.integration.sandbox.http_support import meta_auth, x_session

from adflux.sandbox.quotas import Limit

META_INSIGHTS = "/v26.0/act_1000000001/insights"
ADVERTISER = "7000000000000000001"


def meta_insights(sb, **params) -> httpx.Response:
    encoded = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
    return httpx.get(f"{sb.base_url}{META_INSIGHTS}", params={**meta_auth(sb), **encoded})


TODAY = date.today()
DAILY = {
    "level": "ad",
    "time_increment": 1,
    "time_range": {"since": str(TODAY - timedelta(days=2)), "until": str(TODAY)},
}


@pytest.mark.parametrize(
    ("changes", "blamed"),
    [
        ({"level": "creative"}, "level"),
        ({"level": "campaign"}, "level"),  # Graph has it; this sandbox serves level=ad
        ({"time_increment": "all_days"}, "time_increment"),
        (
            {"time_range": {"since": str(TODAY), "until": str(TODAY - timedelta(days=1))}},
            "time_range",
        ),
        (
            {"time_range": {"since": "2020-01-01", "until": "2020-01-02"}},
            "time_range",
        ),  # > 37 months
        ({"fields": "ad_id,reach_estimate"}, "fields"),
        ({"filtering": [{"field": "adset.name", "operator": "IN", "value": ["x"]}]}, "filtering"),
    ],
)
def test_meta_account_insights_refuse_like_graph(sb, changes, blamed):
    answer = meta_insights(sb, **{**DAILY, **changes})

    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == 100 and error["type"] == "OAuthException"
    assert error["error_data"]["blame_field_specs"] == [[blamed]]


def test_meta_account_insights_past_the_ads_insights_limit_are_code_80000(sb):
    sb.state.quotas.override("meta:ads_insights", Limit(calls=1, window_s=3600))
    assert meta_insights(sb, **DAILY).status_code == 200

    answer = meta_insights(sb, **DAILY)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 80000
    usage = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    (entry,) = usage["1000000001"]
    assert entry["type"] == "ads_insights" and entry["estimated_time_to_regain_access"] == 60


def x_stats(sb, **changes) -> httpx.Response:
    account = sb.state.credentials["x"]["account_id"]
    params = {
        "entity": "PROMOTED_TWEET",
        "entity_ids": "abc1",
        "start_time": "2026-12-01",
        "end_time": "2026-12-03",
        "granularity": "DAY",
        "metric_groups": "ENGAGEMENT,BILLING",
        "placement": "ALL_ON_TWITTER",
        **changes,
    }
    with x_session(sb) as session:
        return session.get(f"{sb.base_url}/12/stats/accounts/{account}", params=params, timeout=5)


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"entity_ids": ",".join(f"id{i}" for i in range(21))}, "entity_ids"),
        ({"end_time": "2026-12-09"}, "end_time"),  # 8 days
        ({"start_time": "2026-12-01T05:30:00Z"}, "start_time"),  # not a whole hour
        ({"start_time": "2026-12-01T00:00:00Z"}, "start_time"),  # 19:00 in Bogotá
        ({"metric_groups": "ENGAGEMENT,LIFETIME_VALUE"}, "metric_groups"),
        ({"placement": "EVERYWHERE"}, "placement"),
    ],
)
def test_x_stats_refuse_like_x(sb, changes, parameter):
    answer = x_stats(sb, **changes)

    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]
    assert error["code"] == "INVALID_PARAMETER" and error["parameter"] == parameter


def test_x_stats_take_account_midnights_as_whole_hours(sb):
    answer = x_stats(sb, start_time="2026-12-01T05:00:00Z", end_time="2026-12-03T05:00:00Z")

    # Past the time checks: the (unknown) entity is what X refuses now.
    assert answer.status_code == 404, answer.text


def test_x_stats_past_250_calls_in_15_minutes_are_429(sb):
    sb.state.quotas.override("x:stats", Limit(calls=2, window_s=900))
    first = x_stats(sb)
    assert first.headers["x-rate-limit-limit"] == "250"  # what X documents, whatever the override
    x_stats(sb)

    answer = x_stats(sb)

    assert answer.status_code == 429
    assert answer.json()["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    assert answer.headers["x-rate-limit-remaining"] == "0"
    assert int(answer.headers["x-rate-limit-reset"]) > 0


def tiktok_report(sb, **changes) -> dict:
    params = {
        "advertiser_id": ADVERTISER,
        "report_type": "BASIC",
        "data_level": "AUCTION_AD",
        "dimensions": ["ad_id", "stat_time_day"],
        "metrics": ["spend", "impressions", "clicks"],
        "start_date": "2026-12-01",
        "end_date": "2026-12-03",
        **changes,
    }
    encoded = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
    answer = httpx.get(
        f"{sb.base_url}/open_api/v1.3/report/integrated/get/",
        params=encoded,
        headers={"Access-Token": sb.state.credentials["tiktok"]["access_token"]},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"data_level": "AUCTION_CREATIVE"}, "data_level"),
        ({"end_date": "2026-12-31"}, "end_date"),  # 31 days
        ({"page_size": 1001}, "page_size"),
        ({"metrics": ["spend", "reach"]}, "metrics"),
        (
            {
                "filtering": [
                    {
                        "field_name": "ad_ids",
                        "filter_type": "IN",
                        "filter_value": json.dumps([str(i) for i in range(101)]),
                    }
                ]
            },
            "filtering",
        ),
    ],
)
def test_tiktok_reports_refuse_like_tiktok(sb, changes, field):
    answer = tiktok_report(sb, **changes)

    assert answer["code"] == 40002
    assert answer["message"].startswith(f"{field}:")


def test_tiktok_report_pages_tell_their_count(sb):
    answer = tiktok_report(sb, page=1, page_size=1000)

    assert answer["code"] == 0
    assert answer["data"] == {
        "list": [],
        "page_info": {"page": 1, "page_size": 1000, "total_number": 0, "total_page": 0},
    }


def test_tiktok_reports_past_600_a_minute_are_code_40100(sb):
    sb.state.quotas.override("tiktok:report", Limit(calls=1, window_s=60))
    assert tiktok_report(sb)["code"] == 0

    answer = tiktok_report(sb)

    assert answer["code"] == 40100
    sb.state.clock.advance(61)
    assert tiktok_report(sb)["code"] == 0
