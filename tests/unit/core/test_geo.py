"""The Colombian city table behind radius targeting."""

from __future__ import annotations

import math

import pytest

from adflux.geo import all_cities, find_city

REQUIRED = [
    *("Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga", "Cúcuta"),
    *("Pereira", "Santa Marta", "Ibagué", "Manizales", "Villavicencio", "Pasto", "Montería"),
    *("Neiva", "Armenia", "Valledupar", "Popayán", "Sincelejo", "Tunja", "Soacha", "Bello"),
    *("Soledad", "Itagüí"),
]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


@pytest.mark.parametrize("name", REQUIRED)
def test_main_cities_are_listed(name: str) -> None:
    city = find_city(name)

    assert city is not None and city.name == name


def test_every_city_lies_in_colombia_and_is_listed_once() -> None:
    cities = all_cities()

    assert len({c.name for c in cities}) == len(cities)
    for city in cities:
        # Colombia's bounding box, San Andrés included
        assert -4.3 <= city.latitude <= 13.5, city
        assert -82.0 <= city.longitude <= -66.8, city


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("bogota", "Bogotá"),
        ("BOGOTÁ, D.C.", "Bogotá"),
        ("Bogotá D.C.", "Bogotá"),
        ("Santiago de Cali", "Cali"),
        ("Cartagena de Indias", "Cartagena"),
        ("San José de Cúcuta", "Cúcuta"),
        ("Medellín - Antioquia", "Medellín"),
        ("itagui", "Itagüí"),
        ("  santa   marta ", "Santa Marta"),
        ("Pasto (Nariño)", "Pasto"),
    ],
)
def test_lookup_ignores_accents_case_and_long_forms(spelling: str, name: str) -> None:
    city = find_city(spelling)

    assert city is not None and city.name == name


def test_every_city_the_data_generator_uses_can_be_targeted_by_radius() -> None:
    reference = pytest.importorskip("adflux.datagen.reference")

    missing = [name for name in reference.CITY_NAMES if find_city(name) is None]

    assert missing == []


def test_unknown_city_is_none() -> None:
    assert find_city("Macondo") is None
    assert find_city("") is None


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("Bogotá", "Soacha", 10, 25),  # metropolitan neighbours
        ("Medellín", "Bello", 5, 15),
        ("Barranquilla", "Soledad", 3, 10),
        ("Bogotá", "Medellín", 200, 260),  # known straight-line distances
        ("Bogotá", "Cali", 280, 330),
        ("Barranquilla", "Cartagena", 95, 115),
    ],
)
def test_coordinates_are_plausible(a: str, b: str, low: float, high: float) -> None:
    first, second = find_city(a), find_city(b)
    assert first is not None and second is not None

    distance = _km(first.latitude, first.longitude, second.latitude, second.longitude)

    assert low <= distance <= high
