"""The emulated Graph API refuses what Meta refuses, in Graph's own error shape."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib

import httpx
import pytest
from tests.integration.sandbox.http_support import fault, meta_auth

ACCOUNT = "act_1000000001"


def post(sb, path: str, **form):
    encoded = {
        k: json.dumps(v) if isinstance(v, dict | list | bool) else v for k, v in form.items()
    }
    return httpx.post(f"{sb.base_url}/v26.0/{path}", params=meta_auth(sb), data=encoded)


def campaign(sb, categories=("EMPLOYMENT",)) -> str:
    answer = post(
        sb,
        f"{ACCOUNT}/campaigns",
        name="c",
        objective="OUTCOME_TRAFFIC",
        status="PAUSED",
        special_ad_categories=list(categories),
        special_ad_category_country=["CO"],
        is_adset_budget_sharing_enabled=False,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def ad_set(sb, campaign_id: str, **targeting):
    spec = {
        "geo_locations": {"countries": ["CO"]},
        "age_min": 18,
        "age_max": 65,
        "targeting_automation": {"advantage_audience": 0},
        **targeting,
    }
    return post(
        sb,
        f"{ACCOUNT}/adsets",
        name="s",
        campaign_id=campaign_id,
        daily_budget="50000",
        billing_event="IMPRESSIONS",
        optimization_goal="LINK_CLICKS",
        targeting=spec,
    )


def error(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["error"]


def test_a_missing_required_field_is_code_100_with_the_blamed_field(sb):
    answer = post(sb, f"{ACCOUNT}/campaigns", name="c", objective="OUTCOME_TRAFFIC")
    body = error(answer)
    assert body["code"] == 100 and body["type"] == "OAuthException"
    assert body["error_data"]["blame_field_specs"] == [["special_ad_categories"]]
    assert body["fbtrace_id"]


def test_employment_needs_a_country(sb):
    answer = post(
        sb,
        f"{ACCOUNT}/campaigns",
        name="c",
        objective="OUTCOME_TRAFFIC",
        special_ad_categories=["EMPLOYMENT"],
        is_adset_budget_sharing_enabled=False,
    )
    assert error(answer)["error_data"]["blame_field_specs"] == [["special_ad_category_country"]]


@pytest.mark.parametrize(
    ("targeting", "blamed"),
    [
        ({"age_min": 25}, "age_min"),
        ({"age_max": 45}, "age_max"),
        ({"genders": [2]}, "genders"),
        ({"geo_locations": {"zips": [{"key": "CO:110111"}]}}, "zips"),
        ({"excluded_geo_locations": {"countries": ["VE"]}}, "excluded_geo_locations"),
        (
            {"geo_locations": {"custom_locations": [{"latitude": 4.7, "longitude": -74.1,
                                                     "radius": 10, "distance_unit": "kilometer"}]}},
            "geo_locations",
        ),
        ({"geo_locations": {"countries": ["US"]}}, "geo_locations"),
    ],
)  # fmt: skip
def test_employment_ad_sets_cannot_narrow_the_audience(sb, targeting, blamed):
    body = error(ad_set(sb, campaign(sb), **targeting))
    assert (body["code"], body["error_subcode"]) == (100, 2909034)
    assert body["error_data"]["blame_field_specs"] == [["targeting", blamed]]
    assert body["error_user_title"] and body["error_user_msg"]


def test_the_same_targeting_is_fine_without_a_special_category(sb):
    assert ad_set(sb, campaign(sb, ("NONE",)), age_min=25, genders=[2]).status_code == 200


def customer_list(sb) -> dict:
    """A new customer-file custom audience, as AdFlux creates them."""
    return post(
        sb,
        f"{ACCOUNT}/customaudiences",
        name="a",
        subtype="CUSTOM",
        customer_file_source="USER_PROVIDED_ONLY",
    ).json()


def test_lookalikes_are_refused_for_employment(sb):
    lookalike = post(sb, f"{ACCOUNT}/customaudiences", name="lal", subtype="LOOKALIKE").json()
    body = error(ad_set(sb, campaign(sb), custom_audiences=[{"id": lookalike["id"]}]))
    assert body["error_data"]["blame_field_specs"] == [["targeting", "custom_audiences"]]


def test_advantage_audience_flag_is_required(sb):
    answer = ad_set(sb, campaign(sb), targeting_automation={})
    assert error(answer)["error_subcode"] == 1870227


def test_bad_token_is_190_and_a_missing_proof_is_refused(sb):
    url = f"{sb.base_url}/v26.0/{ACCOUNT}"
    bad = httpx.get(url, params={**meta_auth(sb), "access_token": "nope"})
    assert error(bad)["code"] == 190
    no_proof = httpx.get(url, params={"access_token": meta_auth(sb)["access_token"]})
    assert "appsecret_proof" in error(no_proof)["message"]


def test_rate_limit_answers_carry_the_usage_header(sb):
    fault(sb, "meta", rate_limit=1.0, times=1, retry_after_s=300)
    answer = httpx.get(f"{sb.base_url}/v26.0/{ACCOUNT}/campaigns", params=meta_auth(sb))
    body = error(answer)
    assert body["code"] == 80004 and body["is_transient"] is True
    usage = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    (entry,) = usage["1000000001"]
    assert entry["type"] == "ads_management" and entry["estimated_time_to_regain_access"] == 5


def test_ad_account_throttle_613_reports_reset_seconds(sb):
    fault(sb, "meta", rate_limit=1.0, times=1, retry_after_s=90, variant="613")
    answer = httpx.get(f"{sb.base_url}/v26.0/{ACCOUNT}/campaigns", params=meta_auth(sb))
    assert error(answer)["code"] == 613
    assert json.loads(answer.headers["X-Ad-Account-Usage"])["reset_time_duration"] == 90


def test_objects_read_back_with_requested_fields_and_paging(sb):
    ids = [campaign(sb) for _ in range(3)]
    one = httpx.get(
        f"{sb.base_url}/v26.0/{ids[0]}", params={**meta_auth(sb), "fields": "name,status"}
    )
    assert one.json() == {"name": "c", "status": "PAUSED", "id": ids[0]}
    unknown = httpx.get(f"{sb.base_url}/v26.0/{ids[0]}", params={**meta_auth(sb), "fields": "x"})
    assert "nonexisting field" in error(unknown)["message"]

    page = httpx.get(
        f"{sb.base_url}/v26.0/{ACCOUNT}/campaigns", params={**meta_auth(sb), "limit": 2}
    ).json()
    assert [row["id"] for row in page["data"]] == ids[:2] and "next" in page["paging"]
    rest = httpx.get(
        f"{sb.base_url}/v26.0/{ACCOUNT}/campaigns",
        params={**meta_auth(sb), "limit": 2, "after": page["paging"]["cursors"]["after"]},
    ).json()
    assert [row["id"] for row in rest["data"]] == ids[2:] and "next" not in rest["paging"]


def test_audience_users_must_be_sha256_hex(sb):
    audience = customer_list(sb)
    answer = post(
        sb,
        f"{audience['id']}/users",
        payload={"schema": "EMAIL_SHA256", "data": ["a" * 64, "ana@example.com"]},
    ).json()
    assert answer["num_received"] == 2 and answer["num_invalid_entries"] == 1


def _ad(sb) -> dict[str, str]:
    """campaign -> ad set -> creative -> ad, created on the wire; {kind: id}."""
    ids = {"campaign": campaign(sb)}
    ids["adset"] = ad_set(sb, ids["campaign"]).json()["id"]
    link = "https://empleos.example.co/vacantes/42"
    story = {"page_id": sb.state.credentials["meta"]["page_id"], "link_data": {"link": link}}
    ids["creative"] = post(sb, f"{ACCOUNT}/adcreatives", name="k", object_story_spec=story).json()[
        "id"
    ]
    made = post(
        sb,
        f"{ACCOUNT}/ads",
        name="a",
        adset_id=ids["adset"],
        creative={"creative_id": ids["creative"]},
        status="PAUSED",
    )
    assert made.status_code == 200, made.text
    ids["ad"] = made.json()["id"]
    return ids


def get(sb, path: str, **params):
    return httpx.get(f"{sb.base_url}/v26.0/{path}", params={**meta_auth(sb), **params})


def test_an_ads_creative_reads_back_as_the_creative_node(sb):
    ids = _ad(sb)
    ad = get(sb, ids["ad"], fields="creative,adset,campaign,adset_id").json()
    assert ad["creative"] == {"id": ids["creative"]}
    assert ad["adset"] == {"id": ids["adset"]} and ad["campaign"] == {"id": ids["campaign"]}
    assert ad["adset_id"] == ids["adset"]
    assert get(sb, ids["adset"], fields="campaign").json()["campaign"] == {"id": ids["campaign"]}


def test_the_read_edges_of_campaigns_ad_sets_and_ads(sb):
    ids = _ad(sb)
    _ad(sb)  # another tree: never listed under the first one's nodes

    def listed(node: str, edge: str, **params) -> list[dict]:
        answer = get(sb, f"{node}/{edge}", **params)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    assert listed(ids["campaign"], "adsets") == [{"id": ids["adset"]}]
    assert listed(ids["campaign"], "ads", fields="name") == [{"name": "a", "id": ids["ad"]}]
    assert listed(ids["adset"], "ads", fields="creative") == [
        {"creative": {"id": ids["creative"]}, "id": ids["ad"]}
    ]
    for node in (ids["ad"], ids["adset"]):
        (creative,) = listed(node, "adcreatives", fields="name,object_story_spec")
        assert creative["id"] == ids["creative"]
        assert creative["object_story_spec"]["link_data"]["link"].endswith("/vacantes/42")
    unknown = error(get(sb, f"{ids['ad']}/leads"))
    assert unknown["code"] == 100 and "Unsupported get request" in unknown["message"]


def test_an_uploaded_image_reads_back_with_the_url_of_its_bytes(sb):
    png = _png(600, 314)
    uploaded = post(sb, f"{ACCOUNT}/adimages", bytes=base64.b64encode(png).decode())
    (image,) = uploaded.json()["images"].values()

    listed = get(sb, f"{ACCOUNT}/adimages", hashes=json.dumps([image["hash"]]), fields="hash,url")

    (read,) = listed.json()["data"]
    assert read["hash"] == image["hash"] == hashlib.md5(png).hexdigest()
    assert httpx.get(read["url"]).content == png


def test_a_link_ads_creative_reads_back_the_fields_graph_derives_from_its_link_data(sb):
    ids = _ad(sb)
    fields = "status,object_type,body,title,call_to_action_type,image_hash,object_story_spec"

    creative = get(sb, ids["creative"], fields=fields).json()

    # The wire-level creative has a link only: no message, headline, image or call to action.
    assert creative == {
        "status": "ACTIVE",
        "object_type": "SHARE",
        "object_story_spec": creative["object_story_spec"],
        "id": ids["creative"],
    }


def test_a_creatives_body_title_and_call_to_action_come_from_its_link_data(sb):
    link = "https://empleos.example.co/vacantes/42"
    story = {
        "page_id": sb.state.credentials["meta"]["page_id"],
        "link_data": {
            "link": link,
            "message": "Buscamos analista en Bogotá.",
            "name": "Analista de marca",
            "call_to_action": {"type": "APPLY_NOW", "value": {"link": link}},
        },
    }
    made = post(sb, f"{ACCOUNT}/adcreatives", name="k", object_story_spec=story).json()

    read = get(sb, made["id"], fields="body,title,call_to_action_type").json()

    assert read == {
        "body": "Buscamos analista en Bogotá.",
        "title": "Analista de marca",
        "call_to_action_type": "APPLY_NOW",
        "id": made["id"],
    }


def _png(width: int, height: int) -> bytes:
    """A plain PNG, built by hand (no imaging library in the test)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xd0\x10\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_schedule_times_read_back_in_the_ad_accounts_zone(sb):
    made = ad_set(sb, campaign(sb)).json()
    answer = httpx.post(
        f"{sb.base_url}/v26.0/{made['id']}",
        params=meta_auth(sb),
        data={"end_time": "2026-12-21T04:59:59+00:00"},
    )
    assert answer.status_code == 200, answer.text

    read = get(sb, made["id"], fields="end_time").json()

    # Graph's notation: the account's offset (Bogotá, -0500) without a colon.
    assert read["end_time"] == "2026-12-20T23:59:59-0500"


def test_an_audience_under_100_people_reports_it_cannot_deliver(sb):
    audience = customer_list(sb)

    def status() -> dict:
        fields = {**meta_auth(sb), "fields": "delivery_status"}
        return httpx.get(f"{sb.base_url}/v26.0/{audience['id']}", params=fields).json()

    def add(start: int, count: int) -> None:
        hashes = [f"{n:064x}" for n in range(start, start + count)]
        post(sb, f"{audience['id']}/users", payload={"schema": "EMAIL_SHA256", "data": hashes})

    add(0, 99)
    small = status()["delivery_status"]
    add(99, 1)
    enough = status()["delivery_status"]
    assert small["code"] == 300 and "too small" in small["description"]
    assert enough["code"] == 200


def test_an_audiences_approximate_count_counts_people_not_hashes(sb):
    """AdFlux sends each person's e-mail and phone hashes: the same three people uploaded under
    both schemas are three people (a count of hashes said six)."""
    audience = customer_list(sb)
    for schema, letter in (("EMAIL_SHA256", "a"), ("PHONE_SHA256", "b")):
        post(
            sb,
            f"{audience['id']}/users",
            payload={"schema": schema, "data": [letter * 63 + str(n) for n in range(3)]},
        ).raise_for_status()

    counted = get(sb, audience["id"], fields="approximate_count_lower_bound").json()

    assert counted["approximate_count_lower_bound"] == 3


# --------------------------------------------------------------------------- updates


def _held_ad_set(sb, ad_set_id: str) -> dict:
    fields = "daily_budget,start_time,end_time,targeting,updated_time"
    return get(sb, ad_set_id, fields=fields).json()


def test_a_daily_budget_under_the_minimum_is_refused_and_nothing_changes(sb):
    made = ad_set(sb, campaign(sb)).json()
    before = _held_ad_set(sb, made["id"])
    sb.state.clock.advance(60)

    refused = error(post(sb, made["id"], daily_budget="1999", end_time="2027-01-31T00:00:00-0500"))

    assert refused["code"] == 100 and refused["error_subcode"] == 1885272
    assert refused["error_data"]["blame_field_specs"] == [["daily_budget"]]
    assert refused["error_user_title"] == "Your Budget Is Too Low"
    assert _held_ad_set(sb, made["id"]) == before  # the valid end_time was not applied either


@pytest.mark.parametrize(
    ("form", "blamed"),
    [
        ({"optimization_goal": "REACH"}, ["optimization_goal"]),  # not an updatable field
        ({"daily_budget": "mucho"}, ["daily_budget"]),
        (
            {"start_time": "2027-01-10T00:00:00-0500", "end_time": "2027-01-05T00:00:00-0500"},
            ["end_time"],
        ),
        (
            {
                "targeting": {
                    "geo_locations": {"countries": ["CO"]},
                    "age_min": 30,
                    "age_max": 65,
                    "targeting_automation": {"advantage_audience": 0},
                }
            },
            ["targeting", "age_min"],
        ),
        (
            {"targeting": {"geo_locations": {"countries": ["CO"]}}},
            ["targeting", "targeting_automation"],
        ),
    ],
)
def test_an_ad_set_update_graph_refuses_names_the_field_and_changes_nothing(sb, form, blamed):
    made = ad_set(sb, campaign(sb)).json()
    before = _held_ad_set(sb, made["id"])

    refused = error(post(sb, made["id"], **form))

    assert refused["code"] == 100 and refused["error_data"]["blame_field_specs"] == [blamed]
    assert _held_ad_set(sb, made["id"]) == before


def test_an_ad_set_update_sets_budget_schedule_and_targeting_and_end_time_0_removes_the_end(sb):
    made = ad_set(sb, campaign(sb)).json()
    targeting = {
        "geo_locations": {"custom_locations": [{"latitude": 6.2442, "longitude": -75.5812,
                                                "radius": 25, "distance_unit": "kilometer"}]},
        "targeting_automation": {"advantage_audience": 0},
    }  # fmt: skip

    answer = post(
        sb,
        made["id"],
        daily_budget="75000",
        start_time="2027-01-04T00:00:00-0500",
        end_time="2027-01-31T23:59:59-0500",
        targeting=targeting,
    )

    assert answer.status_code == 200 and answer.json() == {"success": True}
    held = _held_ad_set(sb, made["id"])
    assert held["daily_budget"] == "75000" and held["targeting"] == targeting
    assert (held["start_time"], held["end_time"]) == (
        "2027-01-04T00:00:00-0500",
        "2027-01-31T23:59:59-0500",
    )
    # "Specify end_time=0 to set the set to be ongoing and have no end date" (Ad Set reference).
    assert post(sb, made["id"], end_time="0").status_code == 200
    assert "end_time" not in _held_ad_set(sb, made["id"])


def test_a_creative_is_never_edited_the_ad_is_pointed_at_a_new_one(sb):
    ids = _ad(sb)
    link = "https://empleos.example.co/vacantes/42"
    story = {
        "page_id": sb.state.credentials["meta"]["page_id"],
        "link_data": {"link": link, "message": "Nueva convocatoria"},
    }
    refused = error(post(sb, ids["creative"], object_story_spec=story))
    assert refused["error_data"]["blame_field_specs"] == [["object_story_spec"]]
    new = post(sb, f"{ACCOUNT}/adcreatives", name="k2", object_story_spec=story).json()["id"]

    assert post(sb, ids["ad"], creative={"creative_id": new}).status_code == 200

    assert get(sb, ids["ad"], fields="creative").json()["creative"] == {"id": new}
    (shown,) = get(sb, f"{ids['ad']}/adcreatives", fields="body").json()["data"]
    assert shown == {"body": "Nueva convocatoria", "id": new}
    # The old creative is still there, as it was.
    assert get(sb, ids["creative"], fields="object_story_spec").status_code == 200
    missing = error(post(sb, ids["ad"], creative={"creative_id": "120210000000099999"}))
    assert missing["error_data"]["blame_field_specs"] == [["creative"]]
    assert get(sb, ids["ad"], fields="creative").json()["creative"] == {"id": new}
