"""The numbers on PostgreSQL and SQLite: rollups that reconcile, the segments rule, the ratios."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from tests.factories import make_job
from tests.integration.results.conftest import (
    add_applications,
    add_metric,
    make_campaign,
    make_segments,
    publication,
)

from adflux.errors import ValidationFailed
from adflux.extensions import db
from adflux.results import service
from adflux.results.service import Figures, SegmentApplications

pytestmark = pytest.mark.postgres

D1, D2, D3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)


@pytest.fixture
def world(any_app):
    """Two jobs; a campaign on one segment, one on two segments, one without segments."""
    s3, s5, s7 = make_segments(3)
    job_a, job_b = make_job(), make_job()
    solo = make_campaign(job=job_a, platforms=("meta", "google"), segments=[s3], start=D1)
    pair = make_campaign(job=job_a, platforms=("meta", "x"), segments=[s7, s3], start=D1)
    plain = make_campaign(job=job_b, platforms=("tiktok",), start=D1)
    add_metric(publication(solo, "meta"), D1, 10_000, 120, 60_000)
    add_metric(publication(solo, "meta"), D2, 9_000, 95, 58_001)
    add_metric(publication(solo, "google"), D2, 4_000, 80, 64_000)
    add_metric(publication(pair, "meta"), D1, 7_000, 70, 30_000)
    add_metric(publication(pair, "x"), D3, 3_000, 10, 9_000)
    add_metric(publication(plain, "tiktok"), D2, 20_000, 150, 90_000)
    add_applications(publication(solo, "meta"), D1, 3, segment_id=s3.id)
    add_applications(publication(solo, "google"), D2, 2, segment_id=s3.id)
    add_applications(publication(pair, "meta"), D1, 2, segment_id=s3.id)
    add_applications(publication(pair, "meta"), D2, 1, segment_id=s7.id)  # a day with no spend
    add_applications(publication(pair, "x"), D3, 1)  # its applicant matched no segment
    add_applications(publication(plain, "tiktok"), D2, 4)
    add_applications(None, D2, 5, job_id=job_a.id)  # unattributed: no ad to count against
    db.session.commit()
    return {
        "segments": (s3, s5, s7),
        "solo": solo,
        "pair": pair,
        "plain": plain,
        "jobs": (job_a, job_b),
    }


def _sum(rows) -> Figures:
    return Figures(
        sum(r.impressions for r in rows),
        sum(r.clicks for r in rows),
        sum(r.spend_cop for r in rows),
        sum(r.applications for r in rows),
    )


def test_totals_reconcile_with_the_rows_of_every_grouping(world):
    expected = Figures(53_000, 525, 311_001, 13)
    groupings = (
        [(name,) for name in service.DIMENSIONS]
        + list(itertools.combinations(service.DIMENSIONS, 2))
        + [service.DIMENSIONS]
    )
    for by in groupings:
        found = service.results(db_session=db.session, by=by)
        assert found.totals == expected, by
        assert _sum(found.rows) == expected, by
        assert found.total_rows == len(found.rows)
    # The daily rows are the finest grain: every other grouping is their sum.
    by_day = service.results(db_session=db.session, by=["day"])
    assert [(r.day, r.spend_cop, r.applications) for r in by_day.rows] == [
        (D1, 90_000, 5),
        (D2, 212_001, 7),
        (D3, 9_000, 1),
    ]


def test_filters_narrow_totals_and_rows_alike(world):
    s3, _, s7 = world["segments"]
    solo, pair = world["solo"], world["pair"]
    cases = {
        "campaign": dict(campaign_id=solo.id),
        "job": dict(job_id=world["jobs"][0].id),
        "platform": dict(platform="meta"),
        "segment": dict(segment_id=s7.id),
        "days": dict(since=D2, until=D2),
    }
    expected = {
        "campaign": Figures(23_000, 295, 182_001, 5),
        "job": Figures(33_000, 375, 221_001, 9),
        "platform": Figures(26_000, 285, 148_001, 6),
        "segment": Figures(10_000, 80, 39_000, 4),
        "days": Figures(33_000, 325, 212_001, 7),
    }
    for name, filters in cases.items():
        for by in (["day"], ["platform", "segment"], ["campaign", "job"]):
            found = service.results(db_session=db.session, by=by, **filters)
            assert found.totals == expected[name], (name, by)
            assert _sum(found.rows) == expected[name], (name, by)
    # A filter on the shared segment keeps the pair's campaign whole, never a share of it.
    found = service.results(db_session=db.session, by=["campaign"], segment_id=s3.id)
    assert {r.campaign_id for r in found.rows} == {solo.id, pair.id}


def test_a_segment_row_is_its_campaigns_segment_set_and_figures_are_never_split(world):
    s3, _, s7 = world["segments"]

    found = service.results(db_session=db.session, by=["segment"])

    rows = {tuple(r.segments): r for r in found.rows}
    assert set(rows) == {(), (s3.id,), tuple(sorted((s3.id, s7.id)))}
    only = rows[(s3.id,)]
    assert (only.impressions, only.spend_cop, only.applications, only.shared) == (
        23_000,
        182_001,
        5,
        False,
    )
    assert only.cost_per_application_cop == 36_400  # 182,001 / 5, whole pesos
    shared = rows[tuple(sorted((s3.id, s7.id)))]
    assert (shared.impressions, shared.clicks, shared.spend_cop, shared.shared) == (
        10_000,
        80,
        39_000,
        True,
    )
    # Its applications are split by the applicant's segment; its spend is not.
    assert shared.applications == 4
    assert shared.segment_applications == [
        SegmentApplications(s3.id, 2),
        SegmentApplications(s7.id, 1),
        SegmentApplications(None, 1),
    ]
    assert rows[()].segment_applications == [SegmentApplications(None, 4)]


def test_ratios_are_rounded_and_undefined_ones_are_none(world):
    solo = world["solo"]
    found = service.results(db_session=db.session, by=["platform"], campaign_id=solo.id)
    meta = next(r for r in found.rows if r.platform == "meta")
    # 215 clicks / 19,000 impressions; 118,001 COP / 215 clicks; 3 / 215; 118,001 / 3.
    assert meta.ctr == 0.0113
    assert meta.cpc_cop == 549  # 548.84 rounds half up
    assert meta.apply_rate == 0.014
    assert meta.cost_per_application_cop == 39_334  # 39,333.67
    nothing = Figures(0, 0, 0, 0)
    assert (nothing.ctr, nothing.cpc_cop, nothing.apply_rate) == (None, None, None)
    assert Figures(10, 1, 500, 0).cost_per_application_cop is None


def test_pages_of_rows_keep_the_totals_of_all(world):
    page = service.results(db_session=db.session, by=["campaign", "day"], limit=2, offset=1)
    everything = service.results(db_session=db.session, by=["campaign", "day"])
    assert page.total_rows == everything.total_rows == 6
    assert page.rows == everything.rows[1:3]
    assert page.totals == everything.totals
    # Past the end: no rows, and still the count and the totals of all.
    past = service.results(db_session=db.session, by=["campaign", "day"], limit=2, offset=10)
    assert (past.rows, past.total_rows, past.totals) == ([], 6, everything.totals)
    # Every grouping, paged: the pages put together are the unpaged rows.
    for by in (["platform"], ["segment", "job"], list(service.DIMENSIONS)):
        whole = service.results(db_session=db.session, by=by)
        pages = [
            service.results(db_session=db.session, by=by, limit=2, offset=start)
            for start in range(0, whole.total_rows, 2)
        ]
        assert [row for p in pages for row in p.rows] == whole.rows, by
        assert {(p.total_rows, p.totals) for p in pages} == {(whole.total_rows, whole.totals)}


def test_nothing_matched_is_zero_totals_and_no_rows(world):
    for limit in (None, 5):
        found = service.results(db_session=db.session, by=["day"], platform="snapchat", limit=limit)
        assert (found.rows, found.total_rows, found.totals) == ([], 0, Figures(0, 0, 0, 0))


def test_a_bad_grouping_or_window_names_the_field(world):
    with pytest.raises(ValidationFailed) as bad:
        service.parse_by("platform,week")
    assert "week" in bad.value.fields["by"][0]
    with pytest.raises(ValidationFailed) as twice:
        service.parse_by("day,day")
    assert "by" in twice.value.fields
    with pytest.raises(ValidationFailed) as campaign_only:
        service.parse_by("job", allowed=service.CAMPAIGN_DIMENSIONS)
    assert "by" in campaign_only.value.fields
    with pytest.raises(ValidationFailed) as window:
        service.results(db_session=db.session, by=["day"], since=D3, until=D1)
    assert "until" in window.value.fields
