"""The ad AdFlux publishes for a campaign, built without a database (build_ad_spec)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from adflux.campaigns.arm_spec import build_ad_spec
from adflux.campaigns.creatives import JobAd, limit_problems
from adflux.campaigns.text_fit import URL
from adflux.campaigns.tracking import (
    campaign_id_of,
    segment_ids_of,
    tracked_link,
)
from adflux.targeting.aim import campaign_targeting
from adflux.targeting.places import places_from_counts

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
        "campaign_id": 42,
        "segment_ids": (),
        "campaign_name": "Analista de marca · Bogotá",
        "daily_budget_cop": 50_000,
        "start_date": date(2026, 12, 3),
        "end_date": date(2026, 12, 20),
        "objective": "traffic",
        "targeting": campaign_targeting(job=JOB, segments=()),
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


def test_the_ad_carries_the_campaigns_targeting_its_places_and_consenting_audiences():
    places = places_from_counts(JOB, {"Bogotá": 20, "Soacha": 6, "Medellín": 90})
    targeting = campaign_targeting(
        job=JOB, segments=(), custom_audience_ids=("aud-9",), places=places
    )
    spec = _spec(targeting=targeting)
    assert spec.targeting is targeting
    assert [place.name for place in spec.targeting.locations] == ["Bogotá", "Soacha"]
    assert spec.targeting.custom_audience_ids == ("aud-9",)


def test_the_creative_is_the_platforms_own_and_links_to_the_job():
    meta, google = _spec(), _spec(platform="google")
    assert meta.creative.link_url.startswith(JOB.apply_url + "?")
    assert len(google.creative.headlines) >= 3 and len(meta.creative.headlines) == 1
    assert meta.publication_key == "adflux-pub-7" and meta.active is True


@pytest.mark.parametrize("platform", ["meta", "google", "x", "tiktok"])
def test_every_platforms_ad_links_to_the_job_with_the_publications_tracking_code(platform):
    spec = _spec(platform=platform, segment_ids=(12, 3))
    link = spec.creative.link_url
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == JOB.apply_url
    assert parse_qsl(parts.query) == [
        ("utm_source", platform),
        ("utm_medium", "paid_social"),
        ("utm_campaign", "adflux-42"),
        ("utm_content", "seg-3-12"),
    ]
    assert limit_problems(platform, spec.creative) == []
    if platform == "x":  # the post itself carries the link, whole
        assert URL.findall(spec.creative.primary_text) == [link]


def test_a_campaign_without_segments_is_tracked_as_the_jobs_own_audience():
    link = _spec(platform="tiktok").creative.link_url
    assert link.endswith("&utm_campaign=adflux-42&utm_content=job")


def test_a_query_the_apply_url_has_is_kept_and_its_utm_keys_give_way():
    link = tracked_link(
        "https://jobs.example.co/v/7?ref=mag&utm_source=old&lang=es#top",
        platform="meta",
        campaign_id=5,
        segment_ids=[9],
    )
    assert link == (
        "https://jobs.example.co/v/7?ref=mag&lang=es&utm_source=meta&utm_medium=paid_social"
        "&utm_campaign=adflux-5&utm_content=seg-9#top"
    )


def test_the_tracking_code_reads_back_what_the_link_carries():
    query = dict(parse_qsl(urlsplit(_spec(segment_ids=(8, 2, 8)).creative.link_url).query))
    assert campaign_id_of(query["utm_campaign"]) == 42
    assert segment_ids_of(query["utm_content"]) == [2, 8]
    assert segment_ids_of("job") == [] and segment_ids_of("seg-") == []
    assert campaign_id_of("adflux-0") is None and campaign_id_of("other-42") is None
    # An id no row can have is not one (PostgreSQL would refuse it in a query).
    assert campaign_id_of(f"adflux-{2**31}") is None and segment_ids_of(f"seg-1-{2**31}") == []
