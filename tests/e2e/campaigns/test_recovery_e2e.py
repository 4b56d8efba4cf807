"""Nothing lost, nothing doubled: a worker killed mid-publication, Redis down at creation."""

from __future__ import annotations

import pytest
from tests.e2e.campaigns.stack import publication_rows, wait_for
from tests.e2e.campaigns.support import (
    PLATFORMS,
    assert_published_once,
    create_campaigns,
    make_jobs,
    sandbox_admin,
    wait_settled,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# How long the workers started after the kill let a claim go unrenewed before taking it over.
# Live attempts renew theirs every quarter of it (campaigns/claims.py), however long they take.
RECOVERY_STALE_AFTER_S = 15


# Before the kill test: that one stops the workers it starts, and a test after it would wait for
# new ones to connect.
def test_campaigns_created_while_redis_is_down_are_published_when_it_is_back(e2e):
    with e2e.deployment.api() as api:
        jobs = make_jobs(api, 3)
        e2e.redis.stop()
        ids = create_campaigns(api, jobs)
        rows = publication_rows(e2e.db, ids)
        assert len(rows) == 3 * len(PLATFORMS) and {r["status"] for r in rows} == {"pending"}
        assert {c["status"] for c in (api.get(f"/api/v1/campaigns/{i}").json() for i in ids)} == {
            "queued"
        }
        e2e.redis.start()  # same port, empty: whatever was queued before is gone
        rows = wait_settled(e2e.db, ids, timeout=75)
    assert_published_once(e2e.sandbox, rows)


def test_a_worker_killed_mid_publication_leaves_no_duplicate(e2e):
    """SIGKILL while platform objects are being created: the relay reclaims the abandoned work
    after the stale timeout, reconciles with the platform, and finishes each tree once."""
    survivor, *others = e2e.deployment.workers
    for worker in others:  # one worker holds all the work, so killing it interrupts something
        worker.stop()
    sandbox_admin(e2e.sandbox, "faults", {p: {"latency_ms": 300} for p in PLATFORMS})
    with e2e.deployment.api() as api:
        ids = create_campaigns(api, make_jobs(api, 4))

    def mid_way() -> list[dict]:
        rows = publication_rows(e2e.db, ids)
        return [r for r in rows if r["status"] == "publishing" and r["external_ids"]]

    interrupted = wait_for(mid_way, timeout=30, interval=0.05, what="a half-built publication")
    survivor.kill()
    at_kill = {r["id"]: r for r in publication_rows(e2e.db, ids)}
    assert any(r["status"] != "published" for r in at_kill.values())

    sandbox_admin(e2e.sandbox, "faults", {p: {"latency_ms": 20} for p in PLATFORMS})
    # Replacements that take the dead worker's claims for abandoned after seconds, not the
    # stack's half minute: the same takeover, sooner.
    with e2e.workers_with(2, ADFLUX_CLAIM_STALE_AFTER_S=str(RECOVERY_STALE_AFTER_S)):
        rows = wait_settled(e2e.db, ids, timeout=75)
    assert_published_once(e2e.sandbox, rows)
    by_id = {r["id"]: r for r in rows}
    for row in interrupted:
        # A second attempt took over and kept what the killed one had recorded.
        assert by_id[row["id"]]["attempts"] >= 2
        assert row["external_ids"].items() <= by_id[row["id"]]["external_ids"].items()
