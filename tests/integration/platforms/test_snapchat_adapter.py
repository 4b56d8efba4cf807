"""What only Snapchat's adapter has to get right, against the sandbox over HTTP: the OAuth 2.0
token's life across calls, a media created but not uploaded, the ad account's currency and
HEC declaration, the organisation check, and Audience Match removals."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
from tests.integration.platforms.cases.base import sandbox_objects
from tests.integration.platforms.test_adapter_contract import CASES, _fault, _publish, make_spec

from adflux.audiences.hashing import hash_members
from adflux.platforms.base import AudienceSpec, InvalidRequest, TransientError
from adflux.platforms.registry import get_adapter
from adflux.platforms.settings import load_platform_settings
from adflux.sandbox import snapchat_objects

CASE = next(case for case in CASES if case.name == "snapchat")
TOKEN_PATH = "/login/oauth2/access_token"


@pytest.fixture
def adapter(settings):
    return get_adapter("snapchat", settings)


def _calls(sandbox, path_part: str) -> list[dict]:
    entries = sandbox.state.requests.entries(platform="snapchat")
    return [e for e in entries if path_part in e["path"]]


def test_one_token_serves_a_whole_publication_and_an_expired_one_is_refreshed_once(
    adapter, sandbox
):
    _publish(adapter, make_spec(CASE, key="adflux-pub-1"))
    assert len(_calls(sandbox, TOKEN_PATH)) == 1

    # The sandbox's clock passes the token's 30 minutes; the adapter's own clock does not know:
    # the API answers 401, and the adapter refreshes once and repeats the call.
    sandbox.state.clock.advance(31 * 60)
    found = adapter.find_existing("adflux-pub-1")

    assert set(found) == set(CASE.findable)
    assert len(_calls(sandbox, TOKEN_PATH)) == 2
    statuses = [e["status"] for e in sandbox.state.requests.entries(platform="snapchat")]
    assert statuses.count(401) == 1


def test_a_media_whose_upload_failed_is_uploaded_on_the_retry_not_made_again(adapter, sandbox):
    _fault(sandbox, "snapchat", server_error=1.0, times=1, match="/upload")
    spec = make_spec(CASE, key="adflux-pub-3")
    recorded: dict[str, str] = {}

    with pytest.raises(TransientError):
        adapter.publish(spec, known_ids={}, on_created=recorded.__setitem__)
    assert list(recorded) == ["campaign", "ad_squad", "media"]  # the media exists, no file yet

    result, calls = _publish(adapter, spec, known=recorded)

    assert [kind for kind, _ in calls] == ["creative", "ad"]
    assert result.external_ids["media"] == recorded["media"]
    media = [o for o in sandbox_objects(sandbox, "snapchat") if o["kind"] == "media"]
    assert [(m["id"], m["media_status"]) for m in media] == [(recorded["media"], "READY")]
    assert CASE.held(sandbox, CASE.read_back(sandbox, result.external_ids)) == CASE.meant(
        sandbox, spec
    )


def test_an_ad_account_billing_in_another_currency_is_refused_before_anything_is_made(
    adapter, sandbox, monkeypatch
):
    monkeypatch.setattr(snapchat_objects, "ACCOUNT_CURRENCY", "USD")

    with pytest.raises(InvalidRequest) as caught:
        _publish(adapter, make_spec(CASE))

    assert caught.value.field == "ad_account_id" and "USD" in caught.value.message
    assert sandbox_objects(sandbox, "snapchat") == []


def test_credentials_name_the_organisation_and_account_or_say_what_is_wrong(sandbox):
    environ = sandbox.client_env()
    good = get_adapter("snapchat", load_platform_settings(environ))
    status = good.check_credentials()
    assert status.ok and "COP" in status.message

    elsewhere = {**environ, "ADFLUX_SNAPCHAT_ORGANIZATION_ID": "someone-else"}
    status = get_adapter("snapchat", load_platform_settings(elsewhere)).check_credentials()
    assert not status.ok and "someone-else" in status.message

    wrong_secret = {**environ, "ADFLUX_SNAPCHAT_CLIENT_SECRET": "wrong"}
    status = get_adapter("snapchat", load_platform_settings(wrong_secret)).check_credentials()
    assert not status.ok and "invalid_client" in status.message


def test_removed_members_leave_the_segment_and_absent_ones_are_no_error(adapter, sandbox):
    people = [
        SimpleNamespace(email="ana@example.com", phone="300 123 4567"),
        SimpleNamespace(email="luis@example.com", phone=None),
    ]
    members, _ = hash_members("snapchat", people)
    created = adapter.sync_audience(AudienceSpec("aud-9", "Contadores", members))
    assert created.receipt["schemas"] == {"EMAIL_SHA256": 2, "PHONE_SHA256": 1}

    adapter.remove_audience_members(created.external_id, members[:1])
    adapter.remove_audience_members(created.external_id, members[:1])  # again: nothing left

    held = CASE.uploaded(sandbox, created.external_id)
    assert held == {"email": {hashlib.sha256(b"luis@example.com").hexdigest()}, "phone": set()}
