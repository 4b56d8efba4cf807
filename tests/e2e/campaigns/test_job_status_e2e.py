"""Pausing, closing and reopening a job from the CLI, against the sandbox's platforms."""

from __future__ import annotations

import json

import pytest
from tests.e2e.campaigns.support import make_jobs

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# Where each platform keeps a campaign's on/off switch, as the sandbox stores it.
SWITCH = {
    "meta": lambda obj: obj["status"],
    "google": lambda obj: obj["resource"]["status"],
    "x": lambda obj: obj["entity_status"],
}
PAUSED = {"meta": "PAUSED", "google": "PAUSED", "x": "PAUSED"}
LIVE = {"meta": "ACTIVE", "google": "ENABLED", "x": "ACTIVE"}


def _switches(e2e, campaign_id: int) -> dict[str, str]:
    campaign = json.loads(e2e.deployment.cli("campaign", "show", str(campaign_id), "--json").stdout)
    store = e2e.sandbox.state.store
    return {
        p["platform"]: SWITCH[p["platform"]](
            store.get(p["platform"], p["external_ids"]["campaign"])
        )
        for p in campaign["publications"]
    }


def test_closing_a_job_pauses_its_campaign_on_every_platform(e2e):
    with e2e.deployment.api() as api:
        (job_id,) = make_jobs(api, 1)
    created = e2e.deployment.cli(
        "create-campaign", "--job-id", str(job_id), "--platforms", ",".join(SWITCH), "--wait"
    )
    campaign_id = int(created.stdout.split()[1])
    assert _switches(e2e, campaign_id) == LIVE

    closed = e2e.deployment.cli("close-job", str(job_id))

    assert closed.stdout.splitlines() == [
        f"vacante {job_id}: cerrada",
        f"campañas pausadas en todas las plataformas: {campaign_id}",
    ]
    assert _switches(e2e, campaign_id) == PAUSED
    refused = e2e.deployment.cli(
        "create-campaign", "--job-id", str(job_id), "--platforms", "meta", check=False
    )
    assert refused.returncode == 1
    assert f"adflux reopen-job {job_id}" in refused.stderr

    reopened = e2e.deployment.cli("reopen-job", str(job_id))
    assert reopened.stdout.strip() == f"vacante {job_id}: abierta"
    assert _switches(e2e, campaign_id) == PAUSED  # reopening resumes nothing by itself
    e2e.deployment.cli("campaign", "resume", str(campaign_id))
    assert _switches(e2e, campaign_id) == LIVE
