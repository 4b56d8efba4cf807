"""Meta: AdFlux targeting to Graph targeting, and Graph errors to the port's errors."""

from __future__ import annotations

import json
import socket

import pytest
from facebook_business.exceptions import FacebookRequestError

from adflux.platforms.base import (
    AuthExpired,
    GeoTarget,
    InvalidRequest,
    RateLimited,
    Targeting,
    TransientError,
)
from adflux.platforms.meta import MetaAdapter, _throttle_wait_s, meta_targeting
from adflux.platforms.settings import MetaSettings

BOGOTA = GeoTarget("Bogotá", latitude=4.711, longitude=-74.0721, radius_km=30)


def test_default_targeting_is_the_country_with_advantage_audience_off():
    assert meta_targeting(Targeting()) == {
        "geo_locations": {"countries": ["CO"]},
        "age_min": 18,
        "age_max": 65,
        "targeting_automation": {"advantage_audience": 0},
    }


def test_cities_become_custom_locations_in_kilometres():
    spec = meta_targeting(Targeting(locations=(BOGOTA,), custom_audience_ids=("238",)))
    assert spec["geo_locations"] == {
        "custom_locations": [
            {"latitude": 4.711, "longitude": -74.0721, "radius": 30, "distance_unit": "kilometer"}
        ]
    }
    assert spec["custom_audiences"] == [{"id": "238"}]


def test_forbidden_choices_are_translated_not_hidden():
    # Compliance refuses these upstream; if one slipped through, Meta must see it and refuse.
    spec = meta_targeting(
        Targeting(genders=("female",), postal_codes=("110111",), expansion=True, age_min=25)
    )
    assert spec["genders"] == [2]
    assert spec["geo_locations"]["zips"] == [{"key": "CO:110111"}]
    assert spec["targeting_automation"] == {"advantage_audience": 1}


def test_throttle_wait_prefers_the_longest_the_platform_asks_for():
    buc = {"1": [{"type": "ads_management", "estimated_time_to_regain_access": 3}]}
    assert _throttle_wait_s({"X-Business-Use-Case-Usage": json.dumps(buc)}) == 180
    account = {"acc_id_util_pct": 100, "reset_time_duration": 95}
    assert _throttle_wait_s({"x-ad-account-usage": json.dumps(account)}) == 95
    assert _throttle_wait_s({}) == 60
    assert _throttle_wait_s({"X-Business-Use-Case-Usage": "not json"}) == 60


def _graph_error(status: int, error: dict, headers: dict | None = None) -> FacebookRequestError:
    return FacebookRequestError("failed", {}, status, headers or {}, json.dumps({"error": error}))


def classify(status: int, error: dict, headers: dict | None = None):
    adapter = MetaAdapter(MetaSettings(access_token="t", ad_account_id="act_1", page_id="2"))
    return adapter._classify(_graph_error(status, error, headers))


def test_graph_errors_map_by_code():
    throttled = classify(400, {"code": 17, "error_subcode": 2446079, "message": "m"})
    assert isinstance(throttled, RateLimited) and throttled.retry_after_s == 60
    assert isinstance(classify(400, {"code": 190, "error_subcode": 463}), AuthExpired)
    assert isinstance(classify(403, {"code": 200, "message": "permission"}), AuthExpired)
    assert isinstance(classify(500, {"code": 1, "is_transient": True}), TransientError)
    assert isinstance(classify(503, {"code": 2}), TransientError)


def test_validation_errors_keep_the_user_message_and_blamed_field():
    error = classify(
        400,
        {
            "code": 100,
            "error_subcode": 2909034,
            "message": "(#100) Invalid parameter",
            "error_user_msg": "Age can't be narrowed.",
            "error_data": {"blame_field_specs": [["targeting", "age_min"]]},
            "fbtrace_id": "Abc",
        },
    )
    assert isinstance(error, InvalidRequest)
    assert (error.message, error.field, error.code, error.request_id) == (
        "Age can't be narrowed.",
        "targeting.age_min",
        100,
        "Abc",
    )


def test_network_errors_never_carry_the_url_with_the_token():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = MetaSettings(
        graph_url=f"http://127.0.0.1:{port}",
        access_token="EAAB-very-secret",
        ad_account_id="act_1",
        page_id="2",
        timeout_s=2,
    )
    with pytest.raises(TransientError) as caught:
        MetaAdapter(settings).find_existing("adflux-pub-1")
    error = caught.value
    assert error.__cause__ is None and error.__suppress_context__
    assert "EAAB-very-secret" not in repr(error) + str(error)
