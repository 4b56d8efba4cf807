"""The emulated Snap Marketing API over HTTP, without AdFlux's adapter: OAuth 2.0 refresh grant
and bearer tokens, the batch envelopes, the employment (HEC) rules, Audience Match, stats."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from tests.integration.sandbox.http_support import fault

from adflux.sandbox.delivery import ACCOUNT_TZ, local_day
from adflux.sandbox.quotas import Limit

PNG_SIZE = (1080, 1920)


def credentials(sb) -> dict[str, str]:
    return sb.state.credentials["snapchat"]


def token(sb, **overrides: str) -> httpx.Response:
    c = credentials(sb)
    form = {
        "grant_type": "refresh_token",
        "client_id": c["client_id"],
        "client_secret": c["client_secret"],
        "refresh_token": c["refresh_token"],
        **overrides,
    }
    return httpx.post(f"{sb.base_url}/login/oauth2/access_token", data=form)


class Snap:
    """A bare client: a bearer token from the refresh grant, JSON in and out."""

    def __init__(self, sb) -> None:
        self.sb = sb
        answer = token(sb)
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]
        self.account = credentials(sb)["ad_account_id"]

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, f"{self.sb.base_url}/v1/{path}", headers=headers, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["request_status"] == "SUCCESS" and body["request_id"]
        return body

    def create(self, path: str, plural: str, singular: str, item: dict[str, Any]) -> dict:
        body = self.ok("POST", path, json={plural: [item]})
        (entry,) = body[plural]
        assert entry["sub_request_status"] == "SUCCESS"
        return entry[singular]

    # -- a tree, field by field as Snap's reference lists them

    def campaign(self, **changes: Any) -> dict:
        item = {
            "ad_account_id": self.account,
            "name": "[adflux-pub-1] campaign: Contador",
            "status": "PAUSED",
            "start_time": "2026-12-04T00:00:00.000-05:00",
            "objective_v2_properties": {"objective_v2_type": "TRAFFIC"},
            "regulations": {"restricted_delivery_signals": True},
            **changes,
        }
        return self.create(f"adaccounts/{self.account}/campaigns", "campaigns", "campaign", item)

    def squad_item(self, campaign_id: str, **changes: Any) -> dict:
        return {
            "campaign_id": campaign_id,
            "name": "[adflux-pub-1] ad_squad: Contador",
            "type": "SNAP_ADS",
            "status": "PAUSED",
            "placement_v2": {"config": "AUTOMATIC"},
            "billing_event": "IMPRESSION",
            "optimization_goal": "SWIPES",
            "bid_strategy": "AUTO_BID",
            "daily_budget_micro": 20_000 * 10**6,
            "start_time": "2026-12-04T00:00:00.000-05:00",
            "targeting": {
                "regulated_content": True,
                "geos": [{"country_code": "co"}],
                "demographics": [{"min_age": "18", "languages": ["es"]}],
            },
            **changes,
        }

    def squad(self, campaign_id: str, **changes: Any) -> dict:
        item = self.squad_item(campaign_id, **changes)
        return self.create(f"campaigns/{campaign_id}/adsquads", "adsquads", "adsquad", item)

    def media(self, size: tuple[int, int] = PNG_SIZE) -> dict:
        item = {"ad_account_id": self.account, "name": "[adflux-pub-1] media", "type": "IMAGE"}
        media = self.create(f"adaccounts/{self.account}/media", "media", "media", item)
        assert media["media_status"] == "PENDING_UPLOAD"
        answer = self.ok(
            "POST", f"media/{media['id']}/upload", files={"file": ("ad.png", png(size))}
        )
        return answer["result"]

    def creative(self, media_id: str, **changes: Any) -> dict:
        item = {
            "ad_account_id": self.account,
            "name": "[adflux-pub-1] creative: Contador",
            "type": "WEB_VIEW",
            "headline": "Contador en Bogotá",
            "brand_name": "Magneto Empleos",
            "top_snap_media_id": media_id,
            "call_to_action": "APPLY_NOW",
            "web_view_properties": {"url": "https://empleos.example.co/ofertas/1?utm_source=snap"},
            **changes,
        }
        return self.create(f"adaccounts/{self.account}/creatives", "creatives", "creative", item)

    def ad(self, squad_id: str, creative_id: str, **changes: Any) -> dict:
        item = {
            "ad_squad_id": squad_id,
            "creative_id": creative_id,
            "name": "[adflux-pub-1] ad: Contador",
            "type": "REMOTE_WEBPAGE",
            "status": "PAUSED",
            **changes,
        }
        return self.create(f"adsquads/{squad_id}/ads", "ads", "ad", item)

    def tree(self, status: str = "PAUSED") -> dict[str, dict]:
        campaign = self.campaign(status=status)
        squad = self.squad(campaign["id"], status=status)
        media = self.media()
        creative = self.creative(media["id"])
        ad = self.ad(squad["id"], creative["id"], status=status)
        return {"campaign": campaign, "adsquad": squad, "media": media, "creative": creative,
                "ad": ad}  # fmt: skip


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#3451b2").save(buffer, format="PNG")
    return buffer.getvalue()


def refused(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["request_status"] == "ERROR" and body["error_code"]
    assert body["debug_message"] == body["display_message"]
    return body["debug_message"]


# --------------------------------------------------------------------------- OAuth 2.0


def test_the_refresh_grant_issues_a_30_minute_bearer_token(sb):
    answer = token(sb)

    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["scope"] == "snapchat-marketing-api"
    assert body["refresh_token"] == credentials(sb)["refresh_token"]
    me = httpx.get(
        f"{sb.base_url}/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["request_status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"refresh_token": "wrong"}, 400, "invalid_grant"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
    ],
)
def test_the_token_endpoint_answers_oauth_errors(sb, overrides, status, error):
    answer = token(sb, **overrides)
    assert answer.status_code == status
    assert answer.json()["error"] == error


def test_an_access_token_expires_with_the_sandbox_clock(sb):
    snap = Snap(sb)
    assert snap.call("GET", "me").status_code == 200

    sb.state.clock.advance(1801)

    refused(snap.call("GET", "me"), 401)
    assert Snap(sb).call("GET", "me").status_code == 200  # a refreshed one works


def test_a_revoked_refresh_token_is_invalid_grant_and_its_access_tokens_stop(sb):
    snap = Snap(sb)
    sb.state.revoke("snapchat")

    refused(snap.call("GET", "me"), 401)
    answer = token(sb)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_a_call_without_a_bearer_token_is_401(sb):
    refused(httpx.get(f"{sb.base_url}/v1/me"), 401)
    refused(httpx.get(f"{sb.base_url}/v1/me", headers={"Authorization": "Bearer nope"}), 401)


# --------------------------------------------------------------------------- objects


def test_organisation_lists_its_ad_account_with_currency_timezone_and_hec_declared(sb):
    snap = Snap(sb)
    body = snap.ok("GET", "me/organizations", params={"with_ad_accounts": "true"})
    (entry,) = body["organizations"]
    organization = entry["organization"]
    assert organization["id"] == credentials(sb)["organization_id"]
    (account,) = organization["ad_accounts"]
    assert account["id"] == snap.account
    assert (account["currency"], account["timezone"]) == ("COP", "America/Bogota")
    assert account["regulations"] == {"restricted_delivery_signals": True}
    refused(snap.call("GET", "adaccounts/someone-else"), 403)


def test_a_whole_tree_is_created_and_read_back(sb):
    snap = Snap(sb)
    tree = snap.tree()

    for path, plural, kind in (
        (f"campaigns/{tree['campaign']['id']}", "campaigns", "campaign"),
        (f"adsquads/{tree['adsquad']['id']}", "adsquads", "adsquad"),
        (f"creatives/{tree['creative']['id']}", "creatives", "creative"),
        (f"ads/{tree['ad']['id']}", "ads", "ad"),
    ):
        (entry,) = snap.ok("GET", path)[plural]
        assert entry["sub_request_status"] == "SUCCESS"
        assert entry[plural[:-1]]["id"] == tree[kind]["id"]
    ad = snap.ok("GET", f"ads/{tree['ad']['id']}")["ads"][0]["ad"]
    assert ad["review_status"] == "APPROVED" and ad["created_at"].endswith("Z")
    squad = snap.ok("GET", f"adsquads/{tree['adsquad']['id']}")["adsquads"][0]["adsquad"]
    assert squad["child_ad_type"] == "REMOTE_WEBPAGE"
    # The media's file is served at its download link, byte for byte.
    media = snap.ok("GET", f"media/{tree['media']['id']}")["media"][0]["media"]
    assert media["media_status"] == "READY"
    assert httpx.get(media["download_link"]).content == png(PNG_SIZE)
    listed = snap.ok("GET", f"campaigns/{tree['campaign']['id']}/adsquads")["adsquads"]
    assert [entry["adsquad"]["id"] for entry in listed] == [tree["adsquad"]["id"]]


def test_lists_page_with_limit_and_next_link(sb):
    snap = Snap(sb)
    made = [snap.campaign(name=f"c{n}")["id"] for n in range(55)]

    first = snap.ok("GET", f"adaccounts/{snap.account}/campaigns", params={"limit": 50})
    assert len(first["campaigns"]) == 50
    rest = httpx.get(
        first["paging"]["next_link"], headers={"Authorization": f"Bearer {snap.token}"}
    ).json()
    assert "next_link" not in rest["paging"]
    seen = [e["campaign"]["id"] for e in first["campaigns"] + rest["campaigns"]]
    assert seen == made
    refused(snap.call("GET", f"adaccounts/{snap.account}/campaigns", params={"limit": 10}))


def test_a_batch_with_one_bad_item_stores_nothing_and_says_which(sb):
    snap = Snap(sb)
    good = {"ad_account_id": snap.account, "name": "ok", "status": "PAUSED",
            "start_time": "2026-12-04T00:00:00-05:00"}  # fmt: skip
    bad = {**good, "status": "RUNNING"}

    answer = snap.call(
        "POST", f"adaccounts/{snap.account}/campaigns", json={"campaigns": [good, bad]}
    )

    message = refused(answer)
    assert message.startswith("status:")
    first, second = answer.json()["campaigns"]
    assert (
        first["sub_request_status"] == "ERROR"
        and "another item" in first["sub_request_error_reason"]
    )
    assert second["sub_request_error_reason"].startswith("status:")
    assert sb.state.store.find("snapchat", "campaign") == []


@pytest.mark.parametrize(
    ("targeting", "field"),
    [
        ({"demographics": [{"min_age": "25", "max_age": "40"}]}, "targeting.demographics.min_age"),
        ({"demographics": [{"min_age": "18", "max_age": "40"}]}, "targeting.demographics.max_age"),
        ({"demographics": [{"gender": "FEMALE"}]}, "targeting.demographics.gender"),
        ({"geos": [{"country_code": "co", "postal_code": ["110111"]}]}, "targeting.geos"),
        (
            {"auto_expansion_options": {"interest_expansion_option": {"enabled": True}}},
            "targeting.auto_expansion_options",
        ),
    ],
)
def test_an_employment_ad_squad_cannot_narrow_the_audience(sb, targeting, field):
    snap = Snap(sb)
    campaign = snap.campaign()
    item = snap.squad_item(campaign["id"])
    item["targeting"] = {**item["targeting"], **targeting}

    answer = snap.call("POST", f"campaigns/{campaign['id']}/adsquads", json={"adsquads": [item]})

    assert refused(answer).startswith(f"{field}:")
    assert sb.state.store.find("snapchat", "adsquad") == []


def test_the_same_narrowing_is_allowed_outside_regulated_content(sb):
    snap = Snap(sb)
    campaign = snap.campaign(regulations=None)
    targeting = {
        "regulated_content": False,
        "geos": [{"country_code": "co"}],
        "demographics": [{"min_age": "25", "max_age": "40", "gender": "FEMALE"}],
    }
    assert snap.squad(campaign["id"], targeting=targeting)["targeting"] == targeting


def test_a_regulated_ad_squad_needs_its_campaign_to_declare_hec(sb):
    snap = Snap(sb)
    campaign = snap.campaign(regulations=None)
    item = snap.squad_item(campaign["id"])
    answer = snap.call("POST", f"campaigns/{campaign['id']}/adsquads", json={"adsquads": [item]})
    assert refused(answer).startswith("targeting.regulated_content:")


def test_an_ad_squad_budget_under_usd_5_in_cop_is_refused(sb):
    snap = Snap(sb)
    campaign = snap.campaign()
    item = snap.squad_item(campaign["id"], daily_budget_micro=20_000 * 10**6 - 1)
    answer = snap.call("POST", f"campaigns/{campaign['id']}/adsquads", json={"adsquads": [item]})
    assert refused(answer).startswith("daily_budget_micro:")


def test_an_update_replaces_the_object_and_keeps_its_history(sb):
    snap = Snap(sb)
    campaign = snap.campaign()
    squad = snap.squad(campaign["id"], end_time="2026-12-31T00:00:00.000-05:00")
    path = f"campaigns/{campaign['id']}/adsquads"
    # The object as read, changed: more budget, ACTIVE, and no end (left out: cleared).
    changed = {**squad, "daily_budget_micro": 50_000 * 10**6, "status": "ACTIVE"}
    del changed["end_time"]

    body = snap.ok("PUT", path, json={"adsquads": [changed]})

    updated = body["adsquads"][0]["adsquad"]
    assert updated["daily_budget_micro"] == 50_000 * 10**6 and updated["status"] == "ACTIVE"
    assert "end_time" not in updated and updated["created_at"] == squad["created_at"]
    stored = sb.state.store.get("snapchat", squad["id"])
    assert [budget for _, budget in stored["_budget_log"]] == [20_000, 50_000]
    assert [active for _, active in stored["_status_log"]] == [False, True]


def test_an_update_refused_changes_nothing(sb):
    snap = Snap(sb)
    campaign = snap.campaign()
    squad = snap.squad(campaign["id"])
    path = f"campaigns/{campaign['id']}/adsquads"

    moved = {**squad, "campaign_id": snap.campaign(name="other")["id"]}
    assert refused(snap.call("PUT", path, json={"adsquads": [moved]})).startswith("campaign_id:")
    narrowed = {**squad, "targeting": {**squad["targeting"], "demographics": [{"min_age": "30"}]}}
    refused(snap.call("PUT", path, json={"adsquads": [narrowed]}))

    again = snap.ok("GET", f"adsquads/{squad['id']}")["adsquads"][0]["adsquad"]
    assert again == squad


def test_media_must_be_a_9_16_top_snap_and_uploaded_before_a_creative_uses_it(sb):
    snap = Snap(sb)
    item = {"ad_account_id": snap.account, "name": "m", "type": "IMAGE"}
    media = snap.create(f"adaccounts/{snap.account}/media", "media", "media", item)

    early = snap.call(
        "POST",
        f"adaccounts/{snap.account}/creatives",
        json={"creatives": [{"ad_account_id": snap.account, "name": "c", "type": "WEB_VIEW",
                             "headline": "h", "top_snap_media_id": media["id"],
                             "call_to_action": "APPLY_NOW",
                             "web_view_properties": {"url": "https://example.co"}}]},
    )  # fmt: skip
    assert refused(early).startswith("top_snap_media_id:")
    square = snap.call(
        "POST", f"media/{media['id']}/upload", files={"file": ("a.png", png((1080, 1080)))}
    )
    assert refused(square).startswith("file:")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"headline": "x" * 35}, "headline"),
        ({"brand_name": "x" * 33}, "brand_name"),
        ({"web_view_properties": {"url": "not a url"}}, "web_view_properties.url"),
        ({"call_to_action": "BUY_A_CAR"}, "call_to_action"),
    ],
)
def test_creative_texts_and_link_follow_snaps_limits(sb, changes, field):
    snap = Snap(sb)
    media = snap.media()
    answer = snap.call(
        "POST",
        f"adaccounts/{snap.account}/creatives",
        json={"creatives": [{**_creative_item(snap, media["id"]), **changes}]},
    )
    assert refused(answer).startswith(f"{field}:")


def _creative_item(snap: Snap, media_id: str) -> dict:
    return {
        "ad_account_id": snap.account,
        "name": "c",
        "type": "WEB_VIEW",
        "headline": "Contador",
        "brand_name": "Magneto",
        "top_snap_media_id": media_id,
        "call_to_action": "APPLY_NOW",
        "web_view_properties": {"url": "https://e.co/1"},
    }


# --------------------------------------------------------------------------- Audience Match


def _hashes(prefix: str, count: int) -> list[list[str]]:
    return [[hashlib.sha256(f"{prefix}{n}".encode()).hexdigest()] for n in range(count)]


def test_a_segment_takes_and_removes_hashed_users_and_says_when_it_is_targetable(sb):
    snap = Snap(sb)
    item = {"ad_account_id": snap.account, "name": "Contadores", "source_type": "FIRST_PARTY",
            "retention_in_days": 9999}  # fmt: skip
    segment = snap.create(f"adaccounts/{snap.account}/segments", "segments", "segment", item)
    assert (segment["approximate_number_users"], segment["targetable_status"]) == (0, "NOT_READY")
    path = f"segments/{segment['id']}/users"

    emails = _hashes("e", 1200)
    snap.ok("POST", path, json={"users": [{"schema": ["EMAIL_SHA256"], "data": emails}]})
    snap.ok("POST", path, json={"users": [{"schema": ["PHONE_SHA256"], "data": _hashes("p", 5)}]})
    added = snap.ok("GET", f"segments/{segment['id']}")["segments"][0]["segment"]
    assert (added["approximate_number_users"], added["targetable_status"]) == (1200, "READY")

    removed = snap.ok(
        "DELETE", path, json={"users": [{"schema": ["EMAIL_SHA256"], "data": emails[:300]}]}
    )["segments"][0]["segment"]
    assert (removed["approximate_number_users"], removed["targetable_status"]) == (
        900,
        "TOO_FEW_USERS",
    )


@pytest.mark.parametrize(
    ("users", "field"),
    [
        ([{"schema": ["EMAIL"], "data": [["a" * 64]]}], "users.schema"),
        ([{"schema": ["EMAIL_SHA256"], "data": [["ana@example.com"]]}], "users.data"),
        ([{"schema": ["EMAIL_SHA256"], "data": [["A" * 64]]}], "users.data"),
    ],
)
def test_users_must_be_lowercase_sha256_of_a_known_schema(sb, users, field):
    snap = Snap(sb)
    item = {"ad_account_id": snap.account, "name": "s", "source_type": "FIRST_PARTY",
            "retention_in_days": 180}  # fmt: skip
    segment = snap.create(f"adaccounts/{snap.account}/segments", "segments", "segment", item)
    answer = snap.call("POST", f"segments/{segment['id']}/users", json={"users": users})
    assert refused(answer).startswith(f"{field}:")


# --------------------------------------------------------------------------- stats


def _midnight(day) -> str:
    return datetime.combine(day, datetime.min.time(), ACCOUNT_TZ).isoformat()


def test_stats_by_day_come_from_the_market_in_micro_currency(sb):
    snap = Snap(sb)
    tree = snap.tree(status="ACTIVE")
    today = local_day(sb.state.clock.now())
    sb.state.clock.advance(30 * 3600)
    snap = Snap(sb)  # the first token expired meanwhile
    params = {
        "granularity": "DAY",
        "fields": "impressions,swipes,spend",
        "start_time": _midnight(today),
        "end_time": _midnight(today + timedelta(days=3)),
    }

    ad_stats = snap.ok("GET", f"ads/{tree['ad']['id']}/stats", params=params)
    (entry,) = ad_stats["timeseries_stats"]
    series = entry["timeseries_stat"]["timeseries"]
    assert [row["start_time"][:10] for row in series] == [
        str(today + timedelta(days=n)) for n in range(3)
    ]
    truth = sb.state.market.ad_days("snapchat", tree["ad"]["id"], since=today,
                                    until=today + timedelta(days=2))  # fmt: skip
    assert truth and sum(row["stats"]["impressions"] for row in series) == sum(
        day.impressions for day in truth
    )
    assert sum(row["stats"]["spend"] for row in series) == sum(d.spend for d in truth) * 10**6

    account = snap.ok(
        "GET", f"adaccounts/{snap.account}/stats", params={**params, "breakdown": "ad"}
    )
    (row,) = account["timeseries_stats"][0]["timeseries_stat"]["breakdown_stats"]["ad"]
    assert row["id"] == tree["ad"]["id"] and row["timeseries"] == series


@pytest.mark.parametrize(
    ("start_hour", "days", "field"), [(3, 2, "start_time"), (0, 32, "end_time")]
)
def test_stats_days_are_whole_local_days_at_most_31(sb, start_hour, days, field):
    snap = Snap(sb)
    start = datetime(2026, 12, 1, start_hour, tzinfo=ACCOUNT_TZ)
    params = {"granularity": "DAY", "start_time": start.isoformat(),
              "end_time": (start.replace(hour=0) + timedelta(days=days)).isoformat()}  # fmt: skip
    answer = snap.call("GET", f"adaccounts/{snap.account}/stats", params=params)
    assert refused(answer).startswith(f"{field}:")


# --------------------------------------------------------------------------- limits and faults


def test_rate_limit_is_http_429_without_a_wait_header(sb):
    snap = Snap(sb)
    fault(sb, "snapchat", rate_limit=1.0, times=1)
    answer = snap.call("GET", "me")
    assert refused(answer, 429) == "Too Many Requests"
    assert "Retry-After" not in answer.headers
    assert snap.call("GET", "me").status_code == 200


def test_an_access_token_past_its_request_rate_is_throttled(sb):
    snap = Snap(sb)
    sb.state.quotas.override(f"snapchat:{snap.token}", Limit(calls=2, window_s=60))
    assert snap.call("GET", "me").status_code == 200
    assert snap.call("GET", "me").status_code == 200
    refused(snap.call("GET", "me"), 429)
    assert Snap(sb).call("GET", "me").status_code == 200  # per token


def test_server_errors_are_5xx_envelopes(sb):
    snap = Snap(sb)
    fault(sb, "snapchat", server_error=1.0, times=1)
    refused(snap.call("GET", "me"), 500)


def test_the_retry_after_flavour_of_a_rate_limit_says_how_long_to_wait(sb):
    snap = Snap(sb)
    fault(sb, "snapchat", rate_limit=1.0, times=1, variant="retry-after", retry_after_s=3)
    answer = snap.call("GET", "me")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
