"""Throttling, server errors, timeouts and permanent refusals from the platforms."""

from __future__ import annotations

import pytest
from tests.e2e.campaigns.support import (
    PLATFORMS,
    assert_published_once,
    campaign,
    create_campaigns,
    make_jobs,
    sandbox_admin,
    wait_settled,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_throttling_server_errors_and_timeouts_end_published_once(e2e):
    sandbox_admin(
        e2e.sandbox,
        "faults",
        {
            # 613 answers with the ad-account header, whose wait is in seconds.
            "meta": {"rate_limit": 0.25, "variant": "613", "retry_after_s": 1},
            "google": {"server_error": 0.15, "rate_limit": 0.1, "retry_after_s": 1},
            # A timeout lets a create succeed and holds the answer past the client's patience:
            # the object exists but AdFlux never saw its id. On writes only, where it hurts.
            # TikTok's HTTP 429 carries Retry-After (its in-envelope 40100 has no wait).
            "tiktok": {
                "rate_limit": 0.15,
                "server_error": 0.1,
                "variant": "429",
                "retry_after_s": 1,
            },
            # Snap's 429 carries no wait unless a Retry-After header is added (this flavour).
            "snapchat": {
                "rate_limit": 0.15,
                "server_error": 0.1,
                "variant": "retry-after",
                "retry_after_s": 1,
            },
            "x": {
                "rate_limit": 0.15,
                "timeout": 0.15,
                "retry_after_s": 1,
                "timeout_hold_s": 3,
                "match": "POST",
            },
        },
    )
    with e2e.deployment.api() as api:
        ids = create_campaigns(api, make_jobs(api, 5))
        rows = wait_settled(e2e.db, ids, timeout=100)
    assert_published_once(e2e.sandbox, rows)
    faults = {c.fault for c in e2e.calls.snapshot()}
    assert {"rate_limit", "server_error", "timeout"} <= faults
    retried = {r["platform"] for r in rows if r["attempts"] > 1}
    # Which calls each platform faulted, to tell a platform that drew no fault from one whose
    # faults did not lead to a retry.
    faulted = {
        p: [c.call for c in e2e.calls.snapshot() if c.platform == p and c.fault] for p in PLATFORMS
    }
    assert retried == set(PLATFORMS), (rows, faulted)


def test_a_throttled_publication_waits_as_long_as_the_platform_says(e2e):
    wait_s = 3
    # Each platform throttles the first call it gets, asking for a 3 s pause.
    sandbox_admin(
        e2e.sandbox,
        "faults",
        {
            "meta": {"rate_limit": 1.0, "times": 1, "variant": "613", "retry_after_s": wait_s},
            "google": {"rate_limit": 1.0, "times": 1, "retry_after_s": wait_s},
            "x": {"rate_limit": 1.0, "times": 1, "retry_after_s": wait_s},
            "tiktok": {"rate_limit": 1.0, "times": 1, "variant": "429", "retry_after_s": wait_s},
            "snapchat": {
                "rate_limit": 1.0,
                "times": 1,
                "variant": "retry-after",
                "retry_after_s": wait_s,
            },
        },
    )
    with e2e.deployment.api() as api:
        (campaign_id,) = create_campaigns(api, make_jobs(api, 1))
        rows = wait_settled(e2e.db, [campaign_id], timeout=40)
    assert_published_once(e2e.sandbox, rows)
    assert all(r["attempts"] == 2 for r in rows), rows
    for platform in PLATFORMS:
        calls = [c for c in e2e.calls.snapshot() if c.platform == platform]
        throttled, after = calls[0], calls[1]
        assert throttled.fault == "rate_limit"
        # X's reset is a whole epoch second, so its wait can be up to 1 s shorter.
        slack = 1.0 if platform == "x" else 0.1
        assert wait_s - slack <= after.at - throttled.at <= wait_s + 5, (platform, calls[:3])


def test_refusals_fail_only_their_platform_with_its_message(e2e):
    """A revoked Meta token fails Meta alone with Meta's message; the campaign is partially
    published and says why. A city X's catalogue lacks no longer fails X: it targets Colombia."""
    sandbox_admin(e2e.sandbox, "credentials/revoke", {"platform": "meta"})
    with e2e.deployment.api() as api:
        (revoked,) = create_campaigns(api, make_jobs(api, 1))
        (no_city,) = create_campaigns(
            api, make_jobs(api, 1, city="Manizales", department="Caldas"), platforms=("google", "x")
        )
        rows = wait_settled(e2e.db, [revoked, no_city], timeout=40)
        by = {(r["campaign_id"], r["platform"]): r for r in rows}
        meta = by[(revoked, "meta")]
        assert meta["status"] == "failed" and meta["attempts"] == 1
        assert meta["last_error"].startswith("Error validating access token")
        assert "reconnect" in meta["last_error"]
        x = by[(no_city, "x")]
        assert x["status"] == "published", x
        assert_published_once(e2e.sandbox, [r for r in rows if r is not meta])
        assert campaign(api, revoked)["status"] == "partially_published"
        assert campaign(api, no_city)["status"] == "published"
        (healthy,) = e2e.db.rows("SELECT healthy FROM platform_credentials WHERE platform = 'meta'")
        assert healthy == (False,)

        # Reconnected: retrying the failed platform publishes it.
        sandbox_admin(e2e.sandbox, "credentials/restore", {"platform": "meta"})
        assert api.post(f"/api/v1/campaigns/{revoked}/retry").status_code == 202
        rows = wait_settled(e2e.db, [revoked], timeout=30)
        assert_published_once(e2e.sandbox, rows)
        assert campaign(api, revoked)["status"] == "published"
