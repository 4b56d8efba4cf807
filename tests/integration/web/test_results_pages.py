"""The campaign page and the overview show what the ads did: spend, applications, cost per
application, a daily chart and the per-platform and per-segment tables, from the results service."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.factories import make_job

from adflux.campaigns.models import AdCampaign, PlatformPublication, campaign_segments
from adflux.extensions import db
from adflux.results.models import Application, CampaignMetric
from adflux.segmentation.models import Segment, SegmentationRun

pytestmark = pytest.mark.postgres

FIRST_DAY = date(2026, 11, 23)


def _segments(*names: str) -> list[Segment]:
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=len(names))
    db.session.add(run)
    db.session.flush()
    segments = [
        Segment(run_id=run.id, cluster_index=index, name=name, size=100, profile={})
        for index, name in enumerate(names)
    ]
    db.session.add_all(segments)
    db.session.flush()
    return segments


def _campaign_with_results(segment_ids: list[int]) -> AdCampaign:
    job = make_job()
    campaign = AdCampaign(
        job_id=job.id, name="Auxiliar contable · Cali", status="published",
        daily_budget_cop=80_000, start_date=FIRST_DAY,
    )  # fmt: skip
    db.session.add(campaign)
    db.session.flush()
    for segment_id in segment_ids:
        db.session.execute(
            campaign_segments.insert().values(campaign_id=campaign.id, segment_id=segment_id)
        )
    for platform, spend in (("meta", 60_000), ("tiktok", 40_000), ("snapchat", 30_000)):
        publication = PlatformPublication(
            campaign_id=campaign.id, platform=platform, status="published",
            daily_budget_cop=campaign.daily_budget_cop, external_ids={"ad": f"{platform}-ad"},
        )  # fmt: skip
        db.session.add(publication)
        db.session.flush()
        for offset in range(3):  # three days of delivery, the middle one without applications
            day = FIRST_DAY + timedelta(days=offset)
            db.session.add(
                CampaignMetric(
                    publication_id=publication.id, day=day, impressions=10_000,
                    clicks=150, spend_cop=spend,
                )
            )  # fmt: skip
            for n in range(0 if offset == 1 else 2):
                db.session.add(
                    Application(
                        source_id=f"{platform}-{offset}-{n}", job_ref=job.external_ref,
                        job_id=job.id, campaign_id=campaign.id, publication_id=publication.id,
                        platform=platform, segment_id=segment_ids[n % len(segment_ids)],
                        applied_at=datetime(2026, 11, 23 + offset, 15, tzinfo=UTC),
                        day=day, tracking={"utm_source": platform},
                    )
                )  # fmt: skip
    db.session.commit()
    return campaign


def _figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)', html)
    assert found, name
    return found.group(1).strip()


def test_campaign_page_shows_spend_applications_and_cost_per_application(app, client, sign_in):
    first, second = _segments("Contadores en Cali", "Auxiliares administrativos")
    campaign = _campaign_with_results([first.id, second.id])
    sign_in("viewer")

    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)

    # 3 platforms × 3 days: 390.000 COP, 12 applications (none on the middle day) -> 32.500 COP
    assert _figure(html, "spend_cop") == "$390.000"
    assert _figure(html, "applications") == "12"
    assert _figure(html, "cost_per_application_cop") == "$32.500"
    # The chart: one bar per day, the day without applications drawn at zero, not skipped.
    assert html.count('class="bar-spend"') == 3
    assert 'data-day="2026-11-24"' in html
    assert "Inversión diaria (barras, COP) y postulaciones (línea)" in html
    # By platform: proper names, Meta's 180.000 COP for 4 applications = 45.000 per application.
    meta_row = re.search(r'<tr data-results-platform="meta">(.*?)</tr>', html, re.S)
    assert meta_row and "Meta" in meta_row.group(1) and "45.000" in meta_row.group(1)
    assert 'data-results-platform="tiktok"' in html and ">TikTok<" in html
    # Snapchat's next to them: 90.000 COP for 4 applications = 22.500 per application.
    snap_row = re.search(r'<tr data-results-platform="snapchat">(.*?)</tr>', html, re.S)
    assert snap_row and ">Snapchat<" in snap_row.group(1) and "22.500" in snap_row.group(1)
    # By segment: applications split by the applicant's segment; the shared spend is explained.
    row = r'<tr data-segment="(\d+)">.*?data-figure="applications">(\d+)<'
    rows = dict(re.findall(row, html, re.S))
    assert rows == {str(first.id): "6", str(second.id): "6"}
    assert "no se puede repartir entre ellos" in html


def test_overview_totals_every_campaign_and_a_page_without_results_says_why(app, client, sign_in):
    [segment] = _segments("Contadores en Cali")
    with_results = _campaign_with_results([segment.id])
    sign_in("viewer")

    overview = client.get("/").get_data(as_text=True)
    assert 'id="overview-results"' in overview
    assert _figure(overview, "applications") == "12"

    empty = AdCampaign(
        job_id=with_results.job_id, name="Sin resultados", status="queued",
        daily_budget_cop=50_000, start_date=FIRST_DAY,
    )  # fmt: skip
    db.session.add(empty)
    db.session.commit()
    html = client.get(f"/campaigns/{empty.id}").get_data(as_text=True)
    assert 'id="results-empty"' in html and "Aún no hay resultados" in html
    assert 'class="bar-spend"' not in html
