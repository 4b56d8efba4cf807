"""Where a job's ads aim, from where its trade's consenting candidates live (pure: counts in)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from adflux.targeting import places
from adflux.targeting.fit import NEAR_KM
from adflux.targeting.places import places_from_counts

TECH = "Tecnología y desarrollo de software"
HEALTH = "Salud"


def _job(**changes):
    job = {"city": "Manizales", "area": TECH, "remote_mode": "presencial"}
    job.update(changes)
    return SimpleNamespace(**job)


def test_an_on_site_job_where_nobody_of_its_trade_lives_still_targets_its_city():
    result = places_from_counts(_job(city="Leticia", area=HEALTH), {"Bogotá": 80, "Cali": 20})

    assert not result.country_wide
    [leticia] = result.cities
    assert (leticia.city, leticia.km_from_job, leticia.fitting_candidates) == ("Leticia", 0.0, 0)
    assert leticia.reason.code == "job_city" and leticia.reason.share == 0.0
    assert leticia.reason.message.render("es").startswith(
        "La oferta es en Leticia: ningún candidato de salud"
    )
    assert leticia.reason.message.render("en").startswith(
        "The job is in Leticia: no candidate in health lives"
    )


def test_a_hybrid_job_adds_the_nearby_towns_where_its_trade_lives_most_first():
    counts = {"Manizales": 50, "Pereira": 312, "Dosquebradas": 9, "Bogotá": 900, "Cali": 400}
    result = places_from_counts(_job(remote_mode="hibrido"), counts)

    assert [(p.city, p.fitting_candidates) for p in result.cities] == [
        ("Manizales", 50),
        ("Pereira", 312),  # ~35 km: a commute
        ("Dosquebradas", 9),
    ]  # Bogotá (~165 km) and Cali (~210 km) are too far, however many live there
    home, pereira, _ = result.cities
    assert home.reason.message.render("es") == (
        "50 candidatos de tecnología y desarrollo de software viven en Manizales, "
        "la ciudad de la oferta"
    )
    assert pereira.km_from_job is not None and 30 < pereira.km_from_job < 40
    assert pereira.reason.code == "near_city"
    assert pereira.reason.share == pytest.approx(312 / sum(counts.values()), abs=1e-4)
    assert pereira.reason.message.render("es") == (
        "312 candidatos de tecnología y desarrollo de software viven en Pereira, a 35 km"
    )
    assert pereira.reason.message.render("en") == (
        "312 candidates in technology and software development live in Pereira, 35 km away"
    )
    assert all(p.km_from_job is not None and p.km_from_job <= NEAR_KM for p in result.cities)


def test_a_town_forty_km_away_is_added_one_two_hundred_km_away_is_not():
    # Bogotá -> Zipaquirá ~35 km, Facatativá ~33 km; Bogotá -> Tunja ~120 km, Ibagué ~132 km.
    counts = {"Zipaquirá": 1, "Ibagué": 500, "Tunja": 40}
    result = places_from_counts(_job(city="Bogotá", remote_mode="hibrido"), counts)
    assert [p.city for p in result.cities] == ["Bogotá", "Zipaquirá"]
    assert (
        result.cities[1]
        .reason.message.render("es")
        .endswith("1 candidato de tecnología y desarrollo de software vive en Zipaquirá, a 35 km")
    )


def test_cities_as_candidates_write_them_are_counted_as_the_table_names_them():
    # fitting_candidates_by_city merges spellings before this; an unknown town cannot be placed.
    result = places_from_counts(_job(city="Manizales"), {"Pereira": 3, "Vereda El Tablazo": 8})
    assert [p.city for p in result.cities] == ["Manizales", "Pereira"]


def test_a_job_in_a_city_the_table_lacks_keeps_its_city_and_nothing_near():
    result = places_from_counts(_job(city="Puerto Inírida"), {"Puerto Inírida": 4, "Bogotá": 9})
    assert [(p.city, p.km_from_job, p.fitting_candidates) for p in result.cities] == [
        ("Puerto Inírida", 0.0, 4)
    ]


def test_a_remote_job_covers_the_country_when_its_trade_is_spread_out():
    counts = {"Bogotá": 30, "Medellín": 25, "Cali": 20, "Barranquilla": 15, "Pasto": 10}
    result = places_from_counts(_job(remote_mode="remoto"), counts)
    assert result.country_wide and result.cities == ()


def test_a_remote_job_aims_at_the_cities_where_its_trade_concentrates():
    counts = {"Bogotá": 60, "Medellín": 25, "Cali": 5, "Pasto": 5, "Leticia": 5}
    result = places_from_counts(_job(remote_mode="remoto"), counts)

    assert not result.country_wide
    assert [(p.city, p.fitting_candidates) for p in result.cities] == [
        ("Bogotá", 60),
        ("Medellín", 25),
    ]  # 85 % of the 100, at least CONCENTRATED_SHARE
    bogota = result.cities[0]
    assert bogota.reason.code == "concentrated" and bogota.reason.share == 0.6
    assert bogota.reason.message.render("es").startswith(
        "El 60 % de los candidatos de tecnología y desarrollo de software vive en Bogotá"
    )
    assert bogota.km_from_job is not None and bogota.km_from_job > 100  # from Manizales


def test_concentration_needs_few_cities_and_enough_people():
    four_cities = {"Bogotá": 25, "Medellín": 25, "Cali": 25, "Pasto": 20, "Leticia": 5}
    assert places.CONCENTRATED_MAX_CITIES < 4
    assert places_from_counts(_job(remote_mode="remoto"), four_cities).country_wide
    few = {"Bogotá": places.CONCENTRATION_MIN_POOL - 1}
    assert places_from_counts(_job(remote_mode="remoto"), few).country_wide
    enough = {"Bogotá": places.CONCENTRATION_MIN_POOL}
    assert [p.city for p in places_from_counts(_job(remote_mode="remoto"), enough).cities] == [
        "Bogotá"
    ]


def test_large_counts_are_written_with_thousands_separators():
    result = places_from_counts(_job(city="Bogotá", area=TECH), {"Bogotá": 1465})

    [bogota] = result.cities
    assert bogota.reason.message.render("es").startswith("1.465 candidatos de tecnología")
    assert bogota.reason.message.render("en").startswith("1,465 candidates in")
