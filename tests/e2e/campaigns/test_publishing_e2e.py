"""Campaigns created through the API, published by real workers on Redis into the sandbox."""

from __future__ import annotations

import pytest
from tests.e2e.campaigns.support import (
    PLATFORMS,
    assert_published_once,
    campaign,
    create_campaigns,
    make_jobs,
    wait_settled,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_campaigns_are_published_once_on_every_platform(e2e):
    jobs = e2e.x_city_jobs()
    job_ids = [jobs[i % len(jobs)] for i in range(10)]
    with e2e.deployment.api() as api:
        ids = create_campaigns(api, job_ids)
        rows = wait_settled(e2e.db, ids, timeout=60)
        assert len(rows) == 10 * len(PLATFORMS)
        assert_published_once(e2e.sandbox, rows)
        shown = campaign(api, ids[0])
    assert shown["status"] == "published"
    assert {p["platform"]: p["status"] for p in shown["publications"]} == dict.fromkeys(
        PLATFORMS, "published"
    )
    assert all(p["external_ids"]["campaign"] for p in shown["publications"])
    # Work was shared: both workers published something.
    assert all("published" in w.log() for w in e2e.deployment.workers)


def test_the_seed_publish_endpoint_answers_processing_and_publishes(e2e):
    with e2e.deployment.api() as api:
        (job_id,) = make_jobs(api, 1)
        response = api.post(f"/publish/{job_id}", json={"platforms": list(PLATFORMS)})
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["status"] == "processing"
        rows = wait_settled(e2e.db, [body["campaign_id"]], timeout=30)
    assert_published_once(e2e.sandbox, rows)
