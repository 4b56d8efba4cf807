"""GET /api/v1/results, GET /api/v1/campaigns/{id}/results, /api/v1/results/sync; the CLI."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from tests.integration.results.conftest import (
    add_applications,
    add_metric,
    make_campaign,
    make_segments,
    publication,
)

from adflux.cli.main import cli
from adflux.extensions import db
from adflux.results.models import ReportSync

pytestmark = pytest.mark.postgres

D1, D2 = date(2026, 11, 2), date(2026, 11, 3)


@pytest.fixture
def campaign(app):
    s3, s5 = make_segments(2)
    campaign = make_campaign(platforms=("meta", "x"), segments=[s3, s5], start=D1)
    add_metric(publication(campaign, "meta"), D1, 10_000, 100, 50_000)
    add_metric(publication(campaign, "meta"), D2, 8_000, 60, 40_000)
    add_metric(publication(campaign, "x"), D2, 2_000, 40, 10_000)
    add_applications(publication(campaign, "meta"), D1, 2, segment_id=s3.id)
    add_applications(publication(campaign, "x"), D2, 1, segment_id=s5.id)
    db.session.commit()
    return campaign


def test_a_campaigns_results_by_platform_and_day_with_totals(client, token_for, campaign):
    viewer = token_for("viewer")
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/results?by=platform,day", headers=viewer
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["by"] == ["platform", "day"]
    assert body["totals"] == {
        "impressions": 20_000,
        "clicks": 200,
        "spend_cop": 100_000,
        "applications": 3,
        "ctr": 0.01,
        "cpc_cop": 500,
        "apply_rate": 0.015,
        "cost_per_application_cop": 33_333,
    }
    assert [
        (i["platform"], i["day"], i["spend_cop"], i["applications"]) for i in body["items"]
    ] == [
        ("meta", "2026-11-02", 50_000, 2),
        ("meta", "2026-11-03", 40_000, 0),
        ("x", "2026-11-03", 10_000, 1),
    ]
    assert body["items"][1]["cost_per_application_cop"] is None
    assert body["total"] == 3 and "campaign_id" not in body["items"][0]


def test_by_segment_shows_the_shared_row_and_its_applicants_segments(client, token_for, campaign):
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/results?by=segment", headers=token_for("viewer")
    )
    (row,) = response.json["items"]
    ids = sorted(s.id for s in campaign.segments)
    assert row["segments"] == ids and row["shared"] is True
    assert row["spend_cop"] == 100_000 and row["applications"] == 3
    assert row["segment_applications"] == [
        {"segment_id": ids[0], "applications": 2},
        {"segment_id": ids[1], "applications": 1},
    ]


def test_account_wide_results_with_filters_and_pages(client, token_for, campaign):
    headers = token_for("viewer")
    found = client.get(
        f"/api/v1/results?by=campaign,day&platform=meta&since=2026-11-02&until=2026-11-03"
        f"&job_id={campaign.job_id}&limit=1&offset=1",
        headers=headers,
    ).json
    assert found["total"] == 2 and len(found["items"]) == 1
    assert found["items"][0]["day"] == "2026-11-03"
    assert found["items"][0]["campaign_id"] == campaign.id
    assert found["totals"]["spend_cop"] == 90_000


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("by=week", "by"),
        ("by=day,day", "by"),
        ("since=2026-13-01", "since"),
        ("since=2026-11-03&until=2026-11-02", "until"),
        ("campaign_id=abc", "campaign_id"),
    ],
)
def test_bad_queries_are_refused_naming_the_field(client, token_for, campaign, query, field):
    response = client.get(f"/api/v1/results?{query}", headers=token_for("viewer"))
    assert response.status_code in (400, 422)
    assert field in response.json["error"]["fields"]


def test_a_campaign_view_refuses_account_dimensions_and_unknown_campaigns(
    client, token_for, campaign
):
    headers = token_for("viewer")
    refused = client.get(f"/api/v1/campaigns/{campaign.id}/results?by=job", headers=headers)
    assert refused.status_code == 422 and "by" in refused.json["error"]["fields"]
    missing = client.get("/api/v1/campaigns/999999/results", headers=headers)
    assert missing.status_code == 404


def test_a_sync_on_demand_needs_an_operator_and_is_queued(client, token_for, dispatcher, app):
    assert client.post("/api/v1/results/sync", headers=token_for("viewer")).status_code == 403
    db.session.add(ReportSync(platform="meta", last_error="rate limited: later"))
    db.session.commit()

    response = client.post("/api/v1/results/sync?platform=meta", headers=token_for("operator"))

    assert response.status_code == 202
    assert dispatcher.take() == [("adflux.sync_results", (["meta"], True), 0.0)]
    assert response.json["platforms"][0]["last_error"] == "rate limited: later"
    assert response.json["requested_at"]
    status = client.get("/api/v1/results/sync", headers=token_for("viewer"))
    assert status.json["platforms"][0]["platform"] == "meta"


def _cli(app, token: str):
    real_client = httpx.Client

    def in_process(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.WSGITransport(app=app), **kwargs)

    env = {"ADFLUX_API_URL": "http://adflux.test", "ADFLUX_API_TOKEN": token, "COLUMNS": "200"}
    runner = CliRunner()
    return in_process, lambda *args: runner.invoke(cli, list(args), prog_name="adflux", env=env)


def test_cli_view_results_table_json_and_csv(app, token_for, campaign, monkeypatch, tmp_path):
    token = token_for("viewer")["Authorization"].removeprefix("Bearer ")
    in_process, run = _cli(app, token)
    monkeypatch.setattr("adflux.cli.client.httpx.Client", in_process)

    table = run("view-results", "--campaign", str(campaign.id), "--by", "platform")
    assert table.exit_code == 0, table.output
    assert "Plataforma" in table.output and "Costo por postulación" in table.output
    assert "$90.000" in table.output and "Total" in table.output
    assert "$100.000" in table.output  # the footer's total spend

    as_json = run("view-results", "--by", "platform,day", "--since", "2026-11-03", "--json")
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output)
    assert body["totals"]["spend_cop"] == 50_000 and len(body["items"]) == 2

    target = tmp_path / "results.csv"
    exported = run(
        "view-results", "--campaign", str(campaign.id), "--by", "day", "--csv", str(target)
    )
    assert exported.exit_code == 0, exported.output
    with target.open(encoding="utf-8") as written:
        rows = list(csv.DictReader(written))
    assert [(r["day"], r["spend_cop"]) for r in rows] == [
        ("2026-11-02", "50000"),
        ("2026-11-03", "50000"),
    ]

    refused = run("view-results", "--by", "week")
    assert refused.exit_code != 0 and "by" in refused.output
