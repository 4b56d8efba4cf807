"""A campaign's one targeting (`campaign_targeting`): places from the job, keywords from the job,
audiences as given; every employment-ad rule met by construction."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from adflux.campaigns import compliance
from adflux.geo import all_cities, find_city
from adflux.platforms.base import GeoTarget
from adflux.segmentation.models import Segment
from adflux.targeting import aim
from adflux.targeting.aim import campaign_targeting, related_segment_skills, title_keywords
from adflux.targeting.places import Place, Places, places_from_counts

PLATFORMS = ("meta", "google", "x", "tiktok")
ADMIN = "Administración y oficina"
TECH = "Tecnología y desarrollo de software"


def _job(**changes):
    job = {
        "title": "Asistente administrativo",
        "city": "Cali",
        "area": ADMIN,
        "remote_mode": "presencial",
        "skills": ["Excel", "Gestión documental", "Archivo"],
    }
    job.update(changes)
    return SimpleNamespace(**job)


def _segment(name: str, *, cities, areas, skills) -> Segment:
    """A segment as the segmentation profiles it (top values with their shares)."""
    return Segment(
        name=name,
        profile={
            "top_cities": [{"value": c, "share": 0.3} for c in cities],
            "top_areas": [{"value": a, "share": 0.5} for a in areas],
            "top_skills": [{"value": s, "share": 0.4} for s in skills],
        },
    )


# The active segments the demo campaign "Asistente administrativo · Cali" was published on: a
# health segment and a technology one, whose people live in Bogotá and Medellín.
HEALTH = _segment(
    "Profesionales de la salud · Bogotá",
    cities=("Bogotá", "Medellín"),
    areas=("Salud", ADMIN),
    skills=("Soporte vital básico", "Bioseguridad"),
)
DEVS = _segment(
    "Desarrolladores · Medellín",
    cities=("Medellín", "Bogotá"),
    areas=(TECH,),
    skills=("Python", "Linux"),
)


def test_the_administrative_job_in_cali_targets_cali_and_administrative_keywords():
    job = _job()
    places = places_from_counts(job, {"Cali": 40, "Palmira": 12, "Bogotá": 300, "Medellín": 200})

    targeting = campaign_targeting(job=job, segments=[HEALTH, DEVS], places=places)

    assert [place.name for place in targeting.locations] == ["Cali", "Palmira"]
    assert targeting.keywords == (
        "Asistente administrativo",
        "Excel",
        "Gestión documental",
        "Archivo",
        ADMIN,
    )
    assert targeting.interests == (ADMIN,)
    words = {k.casefold() for k in targeting.keywords}
    assert not words & {"soporte vital básico", "bioseguridad", "python", "linux"}


def test_locations_are_the_places_cities_with_a_radius_employment_ads_allow():
    job = _job(city="Manizales", area=TECH, remote_mode="hibrido")
    places = places_from_counts(job, {"Pereira": 312, "Manizales": 50, "Bogotá": 900})

    targeting = campaign_targeting(job=job, segments=[], places=places)

    pereira = find_city("Pereira")
    assert pereira is not None
    assert [place.name for place in targeting.locations] == ["Manizales", "Pereira"]
    assert targeting.locations[1] == GeoTarget(
        "Pereira", "CO", pereira.latitude, pereira.longitude, aim.CITY_RADIUS_KM
    )
    assert aim.CITY_RADIUS_KM >= compliance.MIN_RADIUS_KM


def test_the_jobs_city_is_kept_even_when_places_leave_it_out():
    job = _job(city="Pasto", remote_mode="hibrido")
    targeting = campaign_targeting(job=job, segments=[], places=Places((), country_wide=False))
    assert [place.name for place in targeting.locations] == ["Pasto"]


def test_a_country_wide_place_targets_the_whole_country():
    job = _job(remote_mode="remoto")
    targeting = campaign_targeting(job=job, segments=[], places=Places((), country_wide=True))
    assert targeting.locations == () and targeting.country == "CO"


def test_without_places_the_job_targets_its_own_city_or_the_country_when_remote():
    assert [p.name for p in campaign_targeting(job=_job(), segments=[]).locations] == ["Cali"]
    remote = campaign_targeting(job=_job(remote_mode="remoto"), segments=[])
    assert remote.locations == ()


def test_a_city_missing_from_the_coordinates_table_leaves_the_country():
    targeting = campaign_targeting(job=_job(city="Atlantis"), segments=[])
    assert targeting.locations == () and targeting.country == "CO"


def test_outside_colombia_the_colombian_coordinates_are_not_used():
    targeting = campaign_targeting(job=_job(city="Bogotá"), segments=[], country="US")
    assert targeting.locations == ()
    assert compliance.check_targeting("meta", targeting, country="US") == []


def test_a_segment_of_the_jobs_own_area_adds_its_skills_another_trades_never():
    admins = _segment(
        "Profesionales administrativos · Cali",
        cities=("Cali",),
        areas=(ADMIN, "Ventas y comercial"),
        skills=("SAP", "excel", "Facturación"),
    )
    assert related_segment_skills(ADMIN, [HEALTH, DEVS, admins]) == ["SAP", "excel", "Facturación"]
    targeting = campaign_targeting(job=_job(), segments=[HEALTH, admins])
    assert targeting.keywords == (
        "Asistente administrativo",
        "Excel",
        "Gestión documental",
        "Archivo",
        "SAP",
        "Facturación",
        ADMIN,
    )


def test_audiences_are_the_consenting_ones_given_and_every_rule_is_met():
    targeting = campaign_targeting(
        job=_job(), segments=[DEVS], custom_audience_ids=["ca-101", "ca-102", "ca-101"]
    )
    assert targeting.custom_audience_ids == ("ca-101", "ca-102")
    assert (targeting.age_min, targeting.age_max, targeting.genders) == (18, 65, ())
    assert (targeting.age_min, targeting.age_max) == (compliance.AGE_MIN, compliance.AGE_MAX)
    assert not targeting.lookalike and not targeting.expansion
    assert targeting.languages == ("es",)
    for platform in PLATFORMS:
        consenting = {"ca-101", "ca-102"}
        assert (
            compliance.check_targeting(platform, targeting, consenting_audience_ids=consenting)
            == []
        )
    # An audience the caller did not build from consenting candidates is refused downstream.
    assert compliance.check_targeting("meta", targeting, consenting_audience_ids={"ca-101"})


def test_lists_are_capped():
    job = _job(skills=[f"skill {i}" for i in range(50)])
    counts = {city: 5 for city in ("Cali", "Palmira")}
    targeting = campaign_targeting(job=job, segments=[], places=places_from_counts(job, counts))
    assert len(targeting.keywords) == aim.MAX_KEYWORDS
    assert targeting.keywords[:2] == ("Asistente administrativo", "skill 0")
    reason = places_from_counts(job, {}).cities[0].reason
    many = Places(
        tuple(Place(city.name, None, 1, reason) for city in all_cities() * 2), country_wide=False
    )
    locations = campaign_targeting(job=job, segments=[], places=many).locations
    assert len(locations) == aim.MAX_LOCATIONS < len(all_cities())
    assert locations[0].name == "Cali"  # the job's own city first, each city once
    assert len({place.name for place in locations}) == aim.MAX_LOCATIONS


@pytest.mark.parametrize(
    ("title", "keywords"),
    [
        ("Asistente administrativo", ("Asistente administrativo",)),
        ("Analista de datos junior", ("Analista de datos",)),
        ("Ingeniero DevOps Sr.", ("Ingeniero DevOps",)),
        ("Desarrollador backend senior (remoto)", ("Desarrollador backend",)),
        ("Asistente administrativo / Recepcionista", ("Asistente administrativo", "Recepcionista")),
        ("Diseñador UX/UI senior", ("Diseñador UX/UI",)),
        ("Vendedor, cajero", ("Vendedor", "cajero")),
        ("Senior", ()),
    ],
)
def test_title_keywords_keep_the_trade_and_drop_the_level(title, keywords):
    assert title_keywords(title) == keywords


def test_segment_profiles_are_read_by_their_five_most_common_values():
    profile = {"top_skills": [{"value": "a"}, {"value": None}, "b", *[f"s{n}" for n in range(8)]]}
    assert aim.top_values(profile["top_skills"]) == ("a", "b", "s0", "s1", "s2")
    assert aim.top_values(None) == () and aim.top_values("Excel") == ()
