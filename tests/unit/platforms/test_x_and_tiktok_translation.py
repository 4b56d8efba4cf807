"""X and TikTok: targeting translation and error classification from the SDKs' own errors."""

from __future__ import annotations

from datetime import date

import pytest
from business_api_client.rest import ApiException
from business_api_client.tiktok_business.tiktok_exceptions import TiktokSDKError

from adflux.platforms.base import (
    AuthExpired,
    Creative,
    InvalidRequest,
    RateLimited,
    Targeting,
    TransientError,
)
from adflux.platforms.tiktok_errors import classify_business, classify_http
from adflux.platforms.tiktok_targeting import tiktok_targeting
from adflux.platforms.x_ads import _daily, post_text
from adflux.platforms.x_targeting import age_bucket


def test_x_age_buckets():
    assert age_bucket(Targeting(), "x") == "AGE_OVER_18"
    assert age_bucket(Targeting(age_min=25, age_max=49), "x") == "AGE_25_TO_49"
    with pytest.raises(InvalidRequest) as caught:
        age_bucket(Targeting(age_min=19, age_max=40), "x")
    assert caught.value.field == "age"


def test_the_post_carries_the_link_once():
    link = "https://empleos.example.co/vacantes/42"
    fitted = Creative(headlines=(), descriptions=(), primary_text=f"Ven. Postúlate: {link}",
                      link_url=link)  # fmt: skip
    assert post_text(fitted) == f"Ven. Postúlate: {link}"
    bare = Creative(headlines=(), descriptions=(), primary_text="Ven.", link_url=link)
    assert post_text(bare) == f"Ven. {link}"


def test_x_stats_arrays_become_days():
    entity = {
        "id": "p1",
        "id_data": [
            {
                "segment": None,
                "metrics": {
                    "impressions": [0, 120, 80],
                    "clicks": [0, 3, None],
                    "billed_charge_local_micro": [0, 1_500_400_000, 999_600_000],
                },
            }
        ],
    }
    rows = _daily(date(2026, 12, 1), entity)
    assert [(day.day, impressions, clicks, spend) for day, impressions, clicks, spend in rows] == [
        (2, 120, 3, 1500),
        (3, 80, 0, 1000),
    ]


def test_tiktok_targeting_defaults_to_adults_everywhere_configured():
    fields = tiktok_targeting(Targeting(), "3686110, 3688689")
    assert fields["location_ids"] == ["3686110", "3688689"]
    # TikTok's adult age groups (its age_groups enum), 18 and over: every one of them.
    assert fields["age_groups"] == [
        "AGE_18_24",
        "AGE_25_34",
        "AGE_35_44",
        "AGE_45_54",
        "AGE_55_100",
    ]
    assert fields["gender"] == "GENDER_UNLIMITED"
    narrowed = tiktok_targeting(Targeting(age_min=25, age_max=40, genders=("male",)), "1")
    assert narrowed["age_groups"] == ["AGE_25_34", "AGE_35_44"]
    assert narrowed["gender"] == "GENDER_MALE"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (40100, RateLimited),
        (40132, RateLimited),
        (40105, AuthExpired),
        (40102, AuthExpired),
        (50002, TransientError),
        (51003, TransientError),
        (40002, InvalidRequest),
        (40700, InvalidRequest),
    ],
)
def test_tiktok_business_codes_from_the_sdks_own_error(code, expected):
    error = classify_business(TiktokSDKError("Something, with commas", code, "req-1"))
    assert isinstance(error, expected)
    assert (error.code, error.request_id, error.message) == (
        code,
        "req-1",
        "Something, with commas",
    )


def test_tiktok_http_errors():
    throttled = classify_http(ApiException(status=429))
    assert isinstance(throttled, RateLimited) and throttled.retry_after_s == 60
    assert isinstance(classify_http(ApiException(status=502)), TransientError)
    assert isinstance(classify_http(ApiException(status=401)), AuthExpired)
