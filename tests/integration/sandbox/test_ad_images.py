"""Ad images travel with the ads: uploaded through each platform's SDK, referenced by the ad,
stored by the sandbox as sent (size, format, bytes) and uploaded once per publication."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from PIL import Image
from tests.integration.sandbox.ad_support import JOB, Recorder, adapter, spec

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.creatives import build_creative
from adflux.campaigns.images import LANDSCAPE, SQUARE
from adflux.platforms.base import InvalidRequest
from adflux.platforms.meta import MetaAdapter
from adflux.platforms.tiktok import TikTokAdapter
from adflux.platforms.x_ads import XAdsAdapter


def stored(sb, platform: str, kind: str) -> list[dict[str, Any]]:
    return sb.state.store.find(platform, kind)


# --------------------------------------------------------------------------- TikTok


def test_tiktok_publishes_a_single_image_ad_with_the_uploaded_image(sb):
    tiktok = adapter(sb, TikTokAdapter)
    ad_spec = spec("tiktok")
    recorder = Recorder()
    result = tiktok.publish(ad_spec, known_ids={}, on_created=recorder)

    assert [kind for kind, _ in recorder.calls] == ["campaign", "image", "ad_group", "ad"]
    png = ad_spec.creative.image_png
    assert png is not None
    [ad] = stored(sb, "tiktok", "ad")
    assert ad["ad_format"] == "SINGLE_IMAGE"
    assert ad["image_ids"] == [result.external_ids["image"]]
    # Read back the image as TikTok describes it: the file sent, in the size sent.
    credentials = sb.state.credentials["tiktok"]
    answer = httpx.get(
        f"{sb.base_url}/open_api/v1.3/file/image/ad/info/",
        params={
            "advertiser_id": credentials["advertiser_id"],
            "image_ids": f'["{result.external_ids["image"]}"]',
        },
        headers={"Access-Token": credentials["access_token"]},
    ).json()
    assert answer["code"] == 0, answer
    [info] = answer["data"]["list"]
    assert (info["width"], info["height"], info["format"]) == (*SQUARE, "png")
    assert info["signature"] == hashlib.md5(png).hexdigest()
    file = httpx.get(info["image_url"], headers={"Access-Token": credentials["access_token"]})
    assert file.content == png


def test_tiktok_retry_reuses_the_recorded_image(sb):
    tiktok = adapter(sb, TikTokAdapter)
    ad_spec = spec("tiktok")
    first = Recorder(fail_on="image")  # the worker dies right after recording the image id
    with pytest.raises(RuntimeError):
        tiktok.publish(ad_spec, known_ids={}, on_created=first)

    again = Recorder()
    result = tiktok.publish(ad_spec, known_ids=first.ids, on_created=again)

    assert [kind for kind, _ in again.calls] == ["ad_group", "ad"]  # no second upload
    [ad] = stored(sb, "tiktok", "ad")
    assert ad["image_ids"] == [first.ids["image"]] == [result.external_ids["image"]]


def _tiktok_ad_with_image(sb, png: bytes) -> dict[str, Any]:
    """Upload `png` and create a SINGLE_IMAGE ad with it, over TikTok's wire protocol."""
    c = sb.state.credentials["tiktok"]
    base, headers = f"{sb.base_url}/open_api/v1.3", {"Access-Token": c["access_token"]}
    upload = httpx.post(
        f"{base}/file/image/ad/upload/",
        data={
            "advertiser_id": c["advertiser_id"],
            "upload_type": "UPLOAD_BY_FILE",
            "image_signature": hashlib.md5(png).hexdigest(),
        },
        files={"image_file": ("a.png", png, "image/png")},
        headers=headers,
    ).json()
    if upload["code"] != 0:
        return upload
    campaign = httpx.post(
        f"{base}/campaign/create/",
        json={
            "advertiser_id": c["advertiser_id"],
            "campaign_name": "c",
            "objective_type": "TRAFFIC",
            "budget_mode": "BUDGET_MODE_INFINITE",
        },
        headers=headers,
    ).json()["data"]["campaign_id"]
    group = httpx.post(
        f"{base}/adgroup/create/",
        json={
            "advertiser_id": c["advertiser_id"],
            "campaign_id": campaign,
            "adgroup_name": "g",
            "promotion_type": "WEBSITE",
            "placement_type": "PLACEMENT_TYPE_NORMAL",
            "placements": ["PLACEMENT_PANGLE"],
            "location_ids": ["3686110"],
            "budget_mode": "BUDGET_MODE_DAY",
            "budget": MIN_DAILY_BUDGET_COP["tiktok"],
            "schedule_type": "SCHEDULE_FROM_NOW",
            "schedule_start_time": "2026-12-01 00:00:00",
            "optimization_goal": "CLICK",
            "billing_event": "CPC",
        },
        headers=headers,
    ).json()["data"]["adgroup_id"]
    creative = {
        "ad_name": "a",
        "identity_type": "CUSTOMIZED_USER",
        "identity_id": c["identity_id"],
        "ad_format": "SINGLE_IMAGE",
        "image_ids": [upload["data"]["image_id"]],
        "ad_text": "Técnico electricista en Cartagena. Postúlate ya.",
        "landing_page_url": "https://empleos.example.co/vacantes/77",
    }
    return httpx.post(
        f"{base}/ad/create/",
        json={"advertiser_id": c["advertiser_id"], "adgroup_id": group, "creatives": [creative]},
        headers=headers,
    ).json()


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#3451b2").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("size", "accepted"),
    [
        ((1080, 1080), True),
        ((1200, 628), True),
        ((720, 1280), True),
        ((600, 600), False),  # square, but under 640x640
        ((1000, 700), False),  # no supported aspect ratio
    ],
)
def test_tiktok_image_ads_take_the_documented_ratios_and_sizes(sb, size, accepted):
    answer = _tiktok_ad_with_image(sb, _png(size))
    assert (answer["code"] == 0) is accepted, answer
    if not accepted:
        assert answer["message"].startswith("image_ids:")


def test_tiktok_refuses_an_upload_that_is_not_a_jpg_or_png(sb):
    gif = io.BytesIO()
    Image.new("RGB", (1080, 1080)).save(gif, format="GIF")
    answer = _tiktok_ad_with_image(sb, gif.getvalue())
    assert answer["code"] == 40002 and answer["message"].startswith("image_file:")
    fake = _tiktok_ad_with_image(sb, b"\x89PNG\r\n\x1a\n not really an image")
    assert fake["code"] == 40002 and fake["message"].startswith("image_file:")


# --------------------------------------------------------------------------- Meta


def test_meta_link_ad_shows_the_uploaded_image_by_hash(sb):
    meta = adapter(sb, MetaAdapter)
    ad_spec = spec("meta")
    recorder = Recorder()
    result = meta.publish(ad_spec, known_ids={}, on_created=recorder)

    png = ad_spec.creative.image_png
    assert png is not None
    assert result.external_ids["image"] == hashlib.md5(png).hexdigest()
    assert [kind for kind, _ in recorder.calls].index("image") < [
        kind for kind, _ in recorder.calls
    ].index("creative")
    [creative] = stored(sb, "meta", "adcreative")
    link_data = creative["object_story_spec"]["link_data"]
    assert link_data["image_hash"] == result.external_ids["image"]
    [image] = stored(sb, "meta", "adimage")
    assert (image["width"], image["height"]) == LANDSCAPE
    file = httpx.get(f"{sb.base_url}/_sandbox/meta/adimages/{image['hash']}")
    assert file.content == png


def test_meta_retry_reuses_the_recorded_image_hash(sb):
    meta = adapter(sb, MetaAdapter)
    ad_spec = spec("meta")
    first = Recorder(fail_on="image")
    with pytest.raises(RuntimeError):
        meta.publish(ad_spec, known_ids={}, on_created=first)
    again = Recorder()
    meta.publish(ad_spec, known_ids=first.ids, on_created=again)
    assert "image" not in dict(again.calls)
    [creative] = stored(sb, "meta", "adcreative")
    assert creative["object_story_spec"]["link_data"]["image_hash"] == first.ids["image"]


def test_meta_gives_one_image_to_the_same_file_uploaded_by_many_campaigns_at_once(sb, monkeypatch):
    """Campaigns of one job upload the same picture; uploads racing in the sandbox once made
    the second insert of its hash-derived id fail with a 500 (and the publishing task crash).
    Storing the bytes is slowed down so that the uploads overlap on every run."""
    writers = 8
    start = threading.Barrier(writers)
    store = sb.state.store
    put_blob = store.put_blob

    def slow_put_blob(data: bytes) -> str:
        time.sleep(0.2)
        return put_blob(data)

    monkeypatch.setattr(store, "put_blob", slow_put_blob)

    def publish(n: int) -> dict[str, str]:
        meta = adapter(sb, MetaAdapter)
        start.wait()
        return meta.publish(
            spec("meta", key=f"adflux-pub-{n}"), known_ids={}, on_created=Recorder()
        ).external_ids

    with ThreadPoolExecutor(writers) as pool:
        published = list(pool.map(publish, range(writers)))

    assert {ids["image"] for ids in published} == {published[0]["image"]}
    assert len(stored(sb, "meta", "adimage")) == 1
    assert len(stored(sb, "meta", "ad")) == writers


def test_meta_refuses_a_file_that_is_not_an_image(sb):
    meta = adapter(sb, MetaAdapter)
    broken = build_creative(JOB, "meta")
    broken = type(broken)(**{**broken.__dict__, "image_png": b"\x89PNG\r\n\x1a\n broken"})
    with pytest.raises(InvalidRequest) as refused:
        meta.publish(spec("meta", creative=broken), known_ids={}, on_created=Recorder())
    assert "image" in refused.value.message.lower()


# --------------------------------------------------------------------------- X


def test_x_post_carries_a_website_card_with_the_uploaded_image(sb):
    x = adapter(sb, XAdsAdapter)
    ad_spec = spec("x", key="adflux-pub-9")
    recorder = Recorder()
    result = x.publish(ad_spec, known_ids={}, on_created=recorder)

    kinds = [kind for kind, _ in recorder.calls]
    assert kinds.index("media") < kinds.index("card") < kinds.index("tweet")
    png = ad_spec.creative.image_png
    assert png is not None
    [tweet] = stored(sb, "x", "tweet")
    [card] = stored(sb, "x", "card")
    assert tweet["card_uri"] == card["card_uri"] and card["id"] == result.external_ids["card"]
    media_part, details = card["components"]
    assert media_part == {"type": "MEDIA", "media_key": result.external_ids["media"]}
    assert details["destination"] == {"type": "WEBSITE", "url": JOB.apply_url}
    assert details["title"] == ad_spec.creative.headlines[1]
    [media] = stored(sb, "x", "media")
    assert media["in_library"] and (media["width"], media["height"]) == LANDSCAPE
    file = httpx.get(f"{sb.base_url}/_sandbox/x/media/{media['media_key']}")
    assert file.content == png


def test_x_retry_reuses_the_recorded_media_and_card(sb):
    x = adapter(sb, XAdsAdapter)
    ad_spec = spec("x", key="adflux-pub-10")
    first = Recorder(fail_on="card")  # the worker dies right after recording the card
    with pytest.raises(RuntimeError):
        x.publish(ad_spec, known_ids={}, on_created=first)
    again = Recorder()
    x.publish(ad_spec, known_ids=first.ids, on_created=again)
    assert [kind for kind, _ in again.calls] == ["tweet", "promoted_tweet"]
    assert len(stored(sb, "x", "media")) == len(stored(sb, "x", "card")) == 1
    [tweet] = stored(sb, "x", "tweet")
    [card] = stored(sb, "x", "card")
    assert tweet["card_uri"] == card["card_uri"]


@pytest.mark.parametrize(
    ("size", "accepted"), [((1200, 628), True), ((800, 800), True), ((600, 314), False)]
)
def test_x_website_cards_take_documented_image_sizes(sb, size, accepted):
    from tests.integration.sandbox.http_support import x_session

    session = x_session(sb)
    account = sb.state.credentials["x"]["account_id"]
    uploaded = session.post(
        f"{sb.base_url}/1.1/media/upload.json",
        params={"media_category": "tweet_image"},
        files={"media": ("a.png", _png(size), "image/png")},
    )
    assert uploaded.status_code == 200, uploaded.text
    key = uploaded.json()["media_key"]
    added = session.post(
        f"{sb.base_url}/11/accounts/{account}/media_library", params={"media_key": key}
    )
    assert added.status_code == 200, added.text
    card = session.post(
        f"{sb.base_url}/11/accounts/{account}/cards",
        json={
            "name": "c",
            "components": [
                {"type": "MEDIA", "media_key": key},
                {
                    "type": "DETAILS",
                    "title": "Auxiliar contable en Bogotá",
                    "destination": {"type": "WEBSITE", "url": "https://empleos.example.co/1"},
                },
            ],
        },
    )
    assert (card.status_code == 200) is accepted, card.text
    if not accepted:
        assert card.json()["errors"][0]["parameter"] == "media_key"


def test_x_upload_refuses_a_file_that_is_not_an_image(sb):
    from tests.integration.sandbox.http_support import x_session

    answer = x_session(sb).post(
        f"{sb.base_url}/1.1/media/upload.json",
        files={"media": ("a.png", b"\x89PNG\r\n\x1a\n broken", "image/png")},
    )
    assert answer.status_code == 400 and answer.json()["errors"][0]["code"] == 324


def test_x_finds_a_card_whose_creation_was_never_heard_back(sb):
    x = adapter(sb, XAdsAdapter)
    ad_spec = spec("x", key="adflux-pub-11")
    lost = Recorder(fail_on="card")  # the card exists; its id never reached the database
    with pytest.raises(RuntimeError):
        x.publish(ad_spec, known_ids={}, on_created=lost)
    known = {k: v for k, v in lost.ids.items() if k != "card"}

    found = x.find_existing("adflux-pub-11")
    assert found["card"] == lost.ids["card"]
    x.publish(ad_spec, known_ids={**known, **found}, on_created=Recorder())
    assert len(stored(sb, "x", "card")) == 1


def test_tiktok_refuses_an_image_ad_in_its_own_video_feed(sb):
    """TikTok's feed takes videos ('for in-feed ads on TikTok, set this field to SINGLE_VIDEO');
    AdFlux's image ads go to the TikTok Ad Network placement."""
    tiktok = adapter(sb, TikTokAdapter)
    tiktok.publish(spec("tiktok"), known_ids={}, on_created=Recorder())
    [group] = stored(sb, "tiktok", "adgroup")
    assert group["placements"] == ["PLACEMENT_PANGLE"]

    c = sb.state.credentials["tiktok"]
    [image] = stored(sb, "tiktok", "image")
    feed_group = dict(group, placements=["PLACEMENT_TIKTOK"], adgroup_name="feed", request_id=None)
    feed_group = {k: v for k, v in feed_group.items() if not k.startswith("_")}
    for drop in ("id", "kind", "adgroup_id", "operation_status", "create_time"):
        feed_group.pop(drop, None)
    base, headers = f"{sb.base_url}/open_api/v1.3", {"Access-Token": c["access_token"]}
    made = httpx.post(f"{base}/adgroup/create/", json=feed_group, headers=headers).json()
    assert made["code"] == 0, made
    creative = {
        "ad_name": "a",
        "identity_type": "CUSTOMIZED_USER",
        "identity_id": c["identity_id"],
        "ad_format": "SINGLE_IMAGE",
        "image_ids": [image["image_id"]],
        "ad_text": "Técnico electricista en Cartagena.",
        "landing_page_url": "https://empleos.example.co/vacantes/77",
    }
    refused = httpx.post(
        f"{base}/ad/create/",
        json={
            "advertiser_id": c["advertiser_id"],
            "adgroup_id": made["data"]["adgroup_id"],
            "creatives": [creative],
        },
        headers=headers,
    ).json()
    assert refused["code"] == 40002 and refused["message"].startswith("ad_format:")
