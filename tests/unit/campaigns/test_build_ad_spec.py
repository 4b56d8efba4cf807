"""The ad AdFlux publishes for a campaign, built without a database (build_ad_spec)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adflux.campaigns.compliance import SegmentFacts
from adflux.campaigns.creatives import JobAd
from adflux.campaigns.publishing import build_ad_spec

JOB = JobAd(
    title="Analista de marca",
    company="Magneto",
    city="Bogotá",
    department="Bogotá D.C.",
    area="Mercadeo",
    seniority="semi_senior",
    employment_type="tiempo_completo",
    remote_mode="hibrido",
    salary_min_cop=2_350_000,
    salary_max_cop=3_700_000,
    skills=("Google Ads", "Branding"),
    apply_url="https://www.magneto365.com/co/empleos/job-1",
)


def _spec(**changes):
    values = {
        "job": JOB,
        "platform": "meta",
        "publication_key": "adflux-pub-7",
        "campaign_name": "Analista de marca · Bogotá",
        "daily_budget_cop": 50_000,
        "start_date": date(2026, 12, 3),
        "end_date": date(2026, 12, 20),
        "objective": "traffic",
        "segments": (),
    }
    values.update(changes)
    return build_ad_spec(**values)


def test_the_campaign_days_are_whole_days_in_colombia():
    spec = _spec()
    # Bogotá is UTC-5 all year: its midnight is 05:00 UTC, its last second 04:59:59 UTC next day.
    assert spec.start_at.astimezone(UTC) == datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
    assert spec.end_at is not None
    assert spec.end_at.astimezone(UTC) == datetime(2026, 12, 21, 4, 59, 59, tzinfo=UTC)
    assert _spec(end_date=None).end_at is None


def test_without_segments_the_ad_targets_the_jobs_city_area_and_skills():
    spec = _spec()
    assert [place.name for place in spec.targeting.locations] == ["Bogotá"]
    assert {"Google Ads", "Branding", "Mercadeo"} <= set(spec.targeting.keywords)
    assert spec.targeting.custom_audience_ids == ()
    assert (spec.targeting.age_min, spec.targeting.age_max, spec.targeting.genders) == (18, 65, ())


def test_segments_bring_their_places_and_consenting_audiences():
    medellin = SegmentFacts(cities=("Medellín",), areas=("Mercadeo",), custom_audience_id="aud-9")
    spec = _spec(segments=[medellin])
    assert [place.name for place in spec.targeting.locations] == ["Medellín"]
    assert spec.targeting.custom_audience_ids == ("aud-9",)


def test_the_creative_is_the_platforms_own_and_links_to_the_job():
    meta, google = _spec(), _spec(platform="google")
    assert meta.creative.link_url == google.creative.link_url == JOB.apply_url
    assert len(google.creative.headlines) >= 3 and len(meta.creative.headlines) == 1
    assert meta.publication_key == "adflux-pub-7" and meta.active is True
