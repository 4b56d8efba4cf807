"""Snapchat's adapter parts without a network: targeting, error classes, the OAuth token's life
(refreshed before it ends, and once on a 401), and the stats rows."""

from __future__ import annotations

import hashlib
import threading
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from adflux.audiences.hashing import hash_member
from adflux.platforms.base import (
    AuthExpired,
    GeoTarget,
    InvalidRequest,
    RateLimited,
    Targeting,
    TransientError,
)
from adflux.platforms.settings import SnapchatSettings
from adflux.platforms.snapchat_errors import DEFAULT_THROTTLE_WAIT_S, classify, classify_token
from adflux.platforms.snapchat_http import REFRESH_MARGIN_S, SnapClient
from adflux.platforms.snapchat_reports import day_rows
from adflux.platforms.snapchat_targeting import snapchat_targeting

BOGOTA = GeoTarget("Bogotá", latitude=4.711, longitude=-74.072, radius_km=25.0)


# --------------------------------------------------------------------------- targeting


def test_an_adflux_job_ad_is_regulated_content_for_every_adult():
    fields = snapchat_targeting(Targeting(locations=(BOGOTA,), languages=("es",)), "CO")
    assert fields == {
        "regulated_content": True,
        "geos": [{"country_code": "co"}],
        "demographics": [{"min_age": "18", "languages": ["es"]}],
        "locations": [
            {
                "circles": [{"latitude": 4.711, "longitude": -74.072, "radius": 25.0,
                             "unit": "KILOMETERS"}],
                "operation": "INCLUDE",
            }
        ],
    }  # fmt: skip


def test_segments_are_included_by_id():
    fields = snapchat_targeting(Targeting(custom_audience_ids=("s1", "s2")), "co")
    assert fields["segments"] == [{"segment_id": ["s1", "s2"], "operation": "INCLUDE"}]


def test_narrowing_is_translated_as_given_for_snap_to_refuse():
    narrowed = Targeting(age_min=25, age_max=40, genders=("female",), postal_codes=("110111",),
                         expansion=True)  # fmt: skip
    fields = snapchat_targeting(narrowed, "co")
    assert fields["demographics"] == [
        {"min_age": "25", "max_age": "40", "gender": "FEMALE", "languages": ["es"]}
    ]
    assert fields["geos"] == [{"country_code": "co", "postal_code": ["110111"]}]
    assert fields["auto_expansion_options"] == {"interest_expansion_option": {"enabled": True}}


# --------------------------------------------------------------------------- errors


def test_a_429_waits_as_told_or_60_seconds_when_snap_says_nothing():
    silent = classify(429, {"request_status": "ERROR"}, {})
    told = classify(429, {}, {"Retry-After": "7"})
    assert isinstance(silent, RateLimited) and silent.retry_after_s == DEFAULT_THROTTLE_WAIT_S
    assert isinstance(told, RateLimited) and told.retry_after_s == 7.0


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, AuthExpired), (403, AuthExpired), (500, TransientError), (503, TransientError),
     (400, InvalidRequest), (404, InvalidRequest)],
)  # fmt: skip
def test_status_codes_decide_the_class(status, expected):
    assert type(classify(status, {"debug_message": "x"}, {})) is expected


def test_a_refused_batch_item_carries_its_reason_and_snaps_code():
    body = {
        "request_status": "ERROR",
        "request_id": "r-1",
        "debug_message": "targeting.demographics.min_age: 18 and up only",
        "error_code": "E1008",
        "adsquads": [{"sub_request_status": "ERROR",
                      "sub_request_error_reason": "targeting.demographics.min_age: 18 and up"}],
    }  # fmt: skip
    error = classify(400, body, {})
    assert isinstance(error, InvalidRequest)
    assert error.message == "targeting.demographics.min_age: 18 and up"
    assert (error.code, error.request_id, error.field) == ("E1008", "r-1", None)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"error": "invalid_grant"}, AuthExpired),
        (401, {"error": "invalid_client"}, AuthExpired),
        (429, {}, RateLimited),
        (502, None, TransientError),
    ],
)
def test_a_refused_refresh_is_classified(status, body, expected):
    assert type(classify_token(status, body, {})) is expected


# --------------------------------------------------------------------------- OAuth 2.0


class FakeResponse:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code, self._body, self.headers = status, body, {}

    def json(self) -> Any:
        return self._body


class FakeSession:
    """Answers the token endpoint with numbered tokens and the API with `api` (a function of
    the token used)."""

    def __init__(self, api=None, lifetime: int = 1800) -> None:
        self.refreshes = 0
        self.calls: list[str] = []
        self.api = api or (lambda token: FakeResponse(200, {"request_status": "SUCCESS"}))
        self.lifetime = lifetime
        self.lock = threading.Lock()

    def post(self, url: str, data: dict, timeout: Any) -> FakeResponse:
        assert data["grant_type"] == "refresh_token" and data["refresh_token"] == "r"
        with self.lock:
            self.refreshes += 1
            number = self.refreshes
        return FakeResponse(200, {"access_token": f"t{number}", "expires_in": self.lifetime})

    def request(self, method: str, url: str, headers: dict, **kwargs: Any) -> FakeResponse:
        token = headers["Authorization"].removeprefix("Bearer ")
        self.calls.append(token)
        return self.api(token)


def client(session: FakeSession, clock) -> SnapClient:
    settings = SnapchatSettings(client_id="c", client_secret="s", refresh_token="r",
                                organization_id="o", ad_account_id="a")  # fmt: skip
    snap = SnapClient(settings, clock=clock)
    snap._session = session  # type: ignore[assignment]
    return snap


def test_the_token_is_refreshed_before_it_expires_not_at_every_call():
    now = [0.0]
    session = FakeSession()
    snap = client(session, lambda: now[0])

    snap.call("GET", "/me", write=False)
    now[0] = 1800 - REFRESH_MARGIN_S - 1
    snap.call("GET", "/me", write=False)
    assert session.refreshes == 1
    now[0] = 1800 - REFRESH_MARGIN_S + 1  # inside the margin: a new token before the call
    snap.call("GET", "/me", write=False)

    assert session.refreshes == 2 and session.calls == ["t1", "t1", "t2"]


def test_a_401_refreshes_once_and_repeats_the_call_once():
    session = FakeSession(
        api=lambda token: FakeResponse(401 if token == "t1" else 200, {"request_status": "SUCCESS"})
    )
    snap = client(session, lambda: 0.0)

    assert snap.call("GET", "/me", write=False) == {"request_status": "SUCCESS"}
    assert session.calls == ["t1", "t2"] and session.refreshes == 2


def test_a_401_after_the_refresh_is_auth_expired_without_a_third_try():
    session = FakeSession(api=lambda token: FakeResponse(401, {"debug_message": "Unauthorized"}))
    snap = client(session, lambda: 0.0)

    with pytest.raises(AuthExpired):
        snap.call("GET", "/me", write=False)
    assert session.calls == ["t1", "t2"]


def test_threads_that_saw_the_same_stale_token_refresh_it_once():
    session = FakeSession()
    snap = client(session, lambda: 0.0)
    stale = snap.access_token()
    start = threading.Barrier(8)
    seen: list[str] = []

    def refresh() -> None:
        start.wait()
        seen.append(snap.access_token(stale=stale))

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert session.refreshes == 2 and set(seen) == {"t2"}


def test_a_short_lived_token_is_refreshed_halfway():
    now = [0.0]
    session = FakeSession(lifetime=120)  # shorter than the margin
    snap = client(session, lambda: now[0])
    snap.access_token()
    now[0] = 59
    assert snap.access_token() == "t1"
    now[0] = 61
    assert snap.access_token() == "t2"


# --------------------------------------------------------------------------- stats rows and hashes


def test_stats_rows_are_account_days_in_whole_pesos_without_empty_days():
    series = [
        {"start_time": "2026-12-01T00:00:00.000-05:00",
         "stats": {"impressions": 1000, "swipes": 9, "spend": 12_345_500_000}},
        {"start_time": "2026-12-02T00:00:00.000-05:00",
         "stats": {"impressions": 0, "swipes": 0, "spend": 0}},
    ]  # fmt: skip
    (row,) = day_rows("adflux-pub-1", series)
    assert (row.day, row.impressions, row.clicks, row.spend_cop) == (
        date(2026, 12, 1),
        1000,
        9,
        12_346,  # 12,345.5 COP rounds half up
    )


def test_snap_audience_match_hashes_of_an_email_and_a_colombian_phone():
    member = hash_member(
        "snapchat", SimpleNamespace(email=" Ana@Example.com ", phone="300 123 4567")
    )
    assert member is not None
    assert member.email_sha256 == hashlib.sha256(b"ana@example.com").hexdigest()
    assert member.phone_sha256 == hashlib.sha256(b"573001234567").hexdigest()
