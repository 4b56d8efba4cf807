"""The `adflux` client commands against the live API, as a recruiter or a script runs them."""

from __future__ import annotations

import json

import pytest
from tests.e2e.campaigns.stack import wait_for
from tests.e2e.campaigns.support import (
    PLATFORMS,
    assert_published_once,
    make_jobs,
    sandbox_admin,
    wait_settled,
)

from adflux.i18n.labels import label

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# Where each platform keeps a campaign's on/off switch.
CAMPAIGN_STATUS = {
    "meta": lambda obj: obj["status"],
    "google": lambda obj: obj["resource"]["status"],
    "x": lambda obj: obj["entity_status"],
    "tiktok": lambda obj: obj["operation_status"],
    "snapchat": lambda obj: obj["status"],
}


def _error_line(result) -> str:
    """A failed command says why in one line, without a traceback."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def _show(e2e, campaign_id: int) -> dict:
    return json.loads(e2e.deployment.cli("campaign", "show", str(campaign_id), "--json").stdout)


def _platform_switches(e2e, campaign: dict) -> dict[str, str]:
    store = e2e.sandbox.state.store
    return {
        p["platform"]: CAMPAIGN_STATUS[p["platform"]](
            store.get(p["platform"], p["external_ids"]["campaign"])
        )
        for p in campaign["publications"]
    }


def test_create_wait_list_show_pause_resume(e2e):
    with e2e.deployment.api() as api:
        (job_id,) = make_jobs(api, 1)
    created = e2e.deployment.cli(
        "create-campaign", "--job-id", str(job_id), "--platforms", ",".join(PLATFORMS), "--wait"
    )
    first, *warnings = created.stdout.strip().splitlines()
    assert first.startswith("campaña ") and first.endswith(" publicada (segmentos: ninguno)")
    # This deployment trains no segmentation: the campaign aims at the job's own city, area and
    # skills, and says why, in Spanish.
    assert len(warnings) == 1 and warnings[0].startswith(
        "advertencia: Sin segmento recomendado: no hay segmentos activos"
    )
    assert warnings[0].endswith("[regla no_segment_fits]")
    campaign_id = int(created.stdout.split()[1])

    listed = json.loads(
        e2e.deployment.cli("view-campaigns", "--status", "published", "--json").stdout
    )["items"]
    assert campaign_id in [c["id"] for c in listed]
    assert {c["status"] for c in listed} == {"published"}

    shown = e2e.deployment.cli("campaign", "show", str(campaign_id)).stdout
    # Each platform by its proper name (Meta, Google Ads, X, TikTok, Snapchat).
    assert all(label("platform", platform, "es") in shown for platform in PLATFORMS), shown
    campaign = _show(e2e, campaign_id)
    assert_published_once(
        e2e.sandbox, [{**p, "last_error": None} for p in campaign["publications"]]
    )

    paused = e2e.deployment.cli("campaign", "pause", str(campaign_id))
    assert paused.stdout.strip() == f"campaña {campaign_id}: pausada"
    assert _platform_switches(e2e, _show(e2e, campaign_id)) == {
        "meta": "PAUSED",
        "google": "PAUSED",
        "x": "PAUSED",
        "tiktok": "DISABLE",
        "snapchat": "PAUSED",
    }
    resumed = e2e.deployment.cli("campaign", "resume", str(campaign_id))
    assert resumed.stdout.strip() == f"campaña {campaign_id}: publicada"
    assert _platform_switches(e2e, _show(e2e, campaign_id)) == {
        "meta": "ACTIVE",
        "google": "ENABLED",
        "x": "ACTIVE",
        "tiktok": "ENABLE",
        "snapchat": "ACTIVE",
    }


def test_wait_reports_a_failed_platform_and_retry_finishes_it(e2e):
    sandbox_admin(e2e.sandbox, "credentials/revoke", {"platform": "x"})
    with e2e.deployment.api() as api:
        (job_id,) = make_jobs(api, 1)
    result = e2e.deployment.cli(
        "create-campaign", "--job-id", str(job_id), "--platforms", "meta,x", "--wait", check=False
    )
    # The live progress table goes to stderr too; the verdict is the closing "Error:" line.
    assert result.returncode != 0 and "Traceback" not in result.stderr
    line = result.stderr.rsplit("Error: ", 1)[-1].strip()
    assert line.startswith("la campaña ") and "\n" not in line, result.stderr
    campaign_id = int(line.split()[2])
    # The verdict in Spanish; the platform's own refusal as the platform wrote it.
    assert "terminó publicada en parte" in line and "X: " in line and "reconnect" in line

    sandbox_admin(e2e.sandbox, "credentials/restore", {"platform": "x"})
    retried = e2e.deployment.cli("campaign", "retry", str(campaign_id))
    assert retried.stdout.startswith(f"campaña {campaign_id}: ")
    wait_for(
        lambda: _show(e2e, campaign_id)["status"] == "published",
        timeout=30,
        what="the retried campaign to be published",
    )
    assert_published_once(e2e.sandbox, wait_settled(e2e.db, [campaign_id], timeout=5))


def test_bad_input_gets_one_clear_line(e2e):
    (job_id,) = e2e.x_city_jobs()[:1]
    unknown_job = _error_line(
        e2e.deployment.cli(
            "create-campaign", "--job-id", "999999", "--platforms", "meta", check=False
        )
    )
    assert "la vacante 999999 no existe" in unknown_job

    unknown_platform = _error_line(
        e2e.deployment.cli(
            "create-campaign", "--job-id", str(job_id), "--platforms", "meta,myspace", check=False
        )
    )
    assert "'myspace'" in unknown_platform and "válidas: meta, google, x" in unknown_platform

    (run_id,) = e2e.db.rows(
        "INSERT INTO segmentation_runs (status, in_flight, algorithm, k, k_min, k_max, params,"
        " features, metrics, timings, progress, is_active, created_at)"
        " VALUES ('succeeded', false, 'kmeans', 1, 2, 10, '{}', '[]', '{}', '{}', '{}', false,"
        " now()) RETURNING id"
    )[0]
    (segment_id,) = e2e.db.rows(
        "INSERT INTO segments (run_id, cluster_index, name, size, profile)"
        " VALUES (%s, 0, 'Retirado', 0, '{}') RETURNING id",
        run_id,
    )[0]
    inactive = _error_line(
        e2e.deployment.cli(
            "create-campaign",
            *("--job-id", str(job_id), "--platforms", "meta", "--segment-ids", str(segment_id)),
            check=False,
        )
    )
    assert "segmentación activa" in inactive and str(segment_id) in inactive
    (count,) = e2e.db.rows(
        "SELECT count(*) FROM campaign_segments WHERE segment_id = %s", segment_id
    )[0]
    assert count == 0
