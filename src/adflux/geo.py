"""Colombian cities AdFlux can target by radius: names, departments and centre coordinates.

Coordinates are approximate city centres (WGS84, 4 decimals). A few hundred metres of error does
not matter: employment ads target a radius of at least 24 km around them
(see campaigns/compliance.py).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    """A Colombian city with the coordinates used for radius targeting."""

    name: str
    department: str
    latitude: float
    longitude: float


_CITIES: tuple[City, ...] = (
    City("Bogotá", "Bogotá, D.C.", 4.7110, -74.0721),  # DANE's spelling
    City("Medellín", "Antioquia", 6.2442, -75.5812),
    City("Cali", "Valle del Cauca", 3.4516, -76.5320),
    City("Barranquilla", "Atlántico", 10.9685, -74.7813),
    City("Cartagena", "Bolívar", 10.3910, -75.4794),
    City("Bucaramanga", "Santander", 7.1193, -73.1227),
    City("Cúcuta", "Norte de Santander", 7.8939, -72.5078),
    City("Pereira", "Risaralda", 4.8133, -75.6961),
    City("Santa Marta", "Magdalena", 11.2408, -74.1990),
    City("Ibagué", "Tolima", 4.4389, -75.2322),
    City("Manizales", "Caldas", 5.0703, -75.5138),
    City("Villavicencio", "Meta", 4.1420, -73.6266),
    City("Pasto", "Nariño", 1.2136, -77.2811),
    City("Montería", "Córdoba", 8.7479, -75.8814),
    City("Neiva", "Huila", 2.9273, -75.2819),
    City("Armenia", "Quindío", 4.5339, -75.6811),
    City("Valledupar", "Cesar", 10.4631, -73.2532),
    City("Popayán", "Cauca", 2.4448, -76.6147),
    City("Sincelejo", "Sucre", 9.3047, -75.3978),
    City("Tunja", "Boyacá", 5.5353, -73.3678),
    City("Riohacha", "La Guajira", 11.5444, -72.9072),
    City("Quibdó", "Chocó", 5.6947, -76.6611),
    City("Florencia", "Caquetá", 1.6144, -75.6062),
    City("Yopal", "Casanare", 5.3378, -72.3959),
    City("Arauca", "Arauca", 7.0847, -70.7591),
    City("Mocoa", "Putumayo", 1.1500, -76.6475),
    City("Leticia", "Amazonas", -4.2153, -69.9406),
    City("San Andrés", "San Andrés y Providencia", 12.5847, -81.7006),
    City("Soacha", "Cundinamarca", 4.5794, -74.2168),
    City("Chía", "Cundinamarca", 4.8617, -74.0580),
    City("Zipaquirá", "Cundinamarca", 5.0221, -74.0048),
    City("Facatativá", "Cundinamarca", 4.8137, -74.3545),
    City("Girardot", "Cundinamarca", 4.3031, -74.8036),
    City("Bello", "Antioquia", 6.3373, -75.5579),
    City("Itagüí", "Antioquia", 6.1719, -75.6114),
    City("Envigado", "Antioquia", 6.1759, -75.5917),
    City("Rionegro", "Antioquia", 6.1551, -75.3737),
    City("Apartadó", "Antioquia", 7.8829, -76.6258),
    City("Soledad", "Atlántico", 10.9184, -74.7646),
    City("Floridablanca", "Santander", 7.0622, -73.0864),
    City("Barrancabermeja", "Santander", 7.0653, -73.8547),
    City("Palmira", "Valle del Cauca", 3.5394, -76.3036),
    City("Buenaventura", "Valle del Cauca", 3.8801, -77.0312),
    City("Tuluá", "Valle del Cauca", 4.0847, -76.1954),
    City("Dosquebradas", "Risaralda", 4.8392, -75.6672),
    City("Sogamoso", "Boyacá", 5.7145, -72.9339),
    City("Duitama", "Boyacá", 5.8267, -73.0337),
)

# Official or common long forms that job feeds and candidates write instead of the short name.
_ALIASES: dict[str, str] = {
    "bogota d c": "Bogotá",
    "bogota dc": "Bogotá",
    "santa fe de bogota": "Bogotá",
    "santiago de cali": "Cali",
    "cartagena de indias": "Cartagena",
    "san jose de cucuta": "Cúcuta",
    "san juan de pasto": "Pasto",
    "santa marta d t c h": "Santa Marta",
    "san andres isla": "San Andrés",
}


def _key(name: str) -> str:
    """Accent-, case- and punctuation-insensitive lookup key ("BOGOTÁ, D.C." -> "bogota d c")."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch if ch.isalnum() else " " for ch in letters.casefold())
    return " ".join(cleaned.split())


_BY_KEY: dict[str, City] = {_key(city.name): city for city in _CITIES}
_BY_KEY.update({alias: _BY_KEY[_key(name)] for alias, name in _ALIASES.items()})


def find_city(name: str) -> City | None:
    """The city called `name` (any accents/case, common long forms), or None if not listed."""
    key = _key(name)
    if key in _BY_KEY:
        return _BY_KEY[key]
    # "Bogotá, Cundinamarca" / "Medellín - Antioquia": the city is the part before the separator.
    for separator in (",", " - ", "("):
        head = name.split(separator, 1)[0]
        if head != name and _key(head) in _BY_KEY:
            return _BY_KEY[_key(head)]
    return None


def all_cities() -> tuple[City, ...]:
    """Every listed city, capitals first."""
    return _CITIES


def distance_km(a: City, b: City) -> float:
    """Great-circle distance between two city centres (haversine, mean Earth radius 6371 km)."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
