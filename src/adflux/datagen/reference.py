"""Colombian reference data for the simulated jobs and candidates (pure constants and pools).

Populations are rounded DANE 2024 municipal projections; they only weight the draws. Salaries are
monthly COP. Names and company surnames come from Faker ``es_CO`` with a fixed seed, drawn ONCE
into pools (``name_pools()``, ``company_pool()``): rows are then built by indexing the pools with
numpy, which is what keeps a million candidates fast (Faker per row runs at a few thousand rows/s).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from adflux.jobs.areas import AREA_BY_KEY
from adflux.vocabulary import EDUCATION_LEVELS, EMPLOYMENT_TYPES, SENIORITIES
from adflux.vocabulary import REMOTE_MODES as REMOTE_PREFERENCES

__all__ = ["EDUCATION_LEVELS", "EMPLOYMENT_TYPES", "REMOTE_PREFERENCES", "SENIORITIES"]

# Salario mínimo mensual legal vigente 2025 (Decreto 1572 de 2024): nobody asks for less.
SMMLV_COP = 1_423_500

# Typical age at which each education level is finished: age = this + experience + a gap.
EDUCATION_FINISH_AGE = {
    "bachiller": 17,
    "tecnico": 19,
    "tecnologo": 20,
    "profesional": 22,
    "especializacion": 24,
    "maestria": 26,
    "doctorado": 30,
}

EMAIL_DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
    "gmail.co",
    "hotmail.co",
    "outlook.co",
    "yahoo.co",
)
# Rough market shares; ".co" addresses exist but are rare.
EMAIL_DOMAIN_WEIGHTS = (0.55, 0.20, 0.10, 0.05, 0.03, 0.03, 0.02, 0.02)

# Mobile prefixes assigned by the CRC to Claro, Movistar, Tigo, WOM, ETB and others.
MOBILE_PREFIXES = (
    300, 301, 302, 303, 304, 305, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319,
    320, 321, 322, 323, 324, 333, 350, 351,
)  # fmt: skip

# Language combinations candidates report (Spanish always), with base probabilities.
LANGUAGE_SETS = (("es",), ("es", "en"), ("es", "en", "fr"), ("es", "en", "pt"), ("es", "pt"))


@dataclass(frozen=True, slots=True)
class City:
    name: str
    department: str
    population: int


CITIES = (
    City("Bogotá", "Bogotá, D.C.", 7_930_000),
    City("Medellín", "Antioquia", 2_620_000),
    City("Cali", "Valle del Cauca", 2_290_000),
    City("Barranquilla", "Atlántico", 1_340_000),
    City("Cartagena", "Bolívar", 1_060_000),
    City("Soacha", "Cundinamarca", 830_000),
    City("Cúcuta", "Norte de Santander", 790_000),
    City("Soledad", "Atlántico", 690_000),
    City("Bucaramanga", "Santander", 620_000),
    City("Bello", "Antioquia", 560_000),
    City("Villavicencio", "Meta", 560_000),
    City("Ibagué", "Tolima", 545_000),
    City("Santa Marta", "Magdalena", 540_000),
    City("Valledupar", "Cesar", 535_000),
    City("Montería", "Córdoba", 505_000),
    City("Pereira", "Risaralda", 480_000),
    City("Manizales", "Caldas", 450_000),
    City("Pasto", "Nariño", 395_000),
    City("Neiva", "Huila", 370_000),
    City("Palmira", "Valle del Cauca", 360_000),
    City("Popayán", "Cauca", 330_000),
    City("Floridablanca", "Santander", 315_000),
    City("Armenia", "Quindío", 305_000),
    City("Sincelejo", "Sucre", 300_000),
    City("Itagüí", "Antioquia", 290_000),
    City("Envigado", "Antioquia", 245_000),
    City("Barrancabermeja", "Santander", 215_000),
    City("Riohacha", "La Guajira", 205_000),
    City("Tunja", "Boyacá", 185_000),
    City("Yopal", "Casanare", 180_000),
)
CITY_NAMES = tuple(c.name for c in CITIES)
DEPARTMENT_BY_CITY = {c.name: c.department for c in CITIES}


# Monthly salary of each seniority relative to the area's junior median.
SENIORITY_SALARY_FACTOR = {"junior": 1.0, "semi_senior": 1.45, "senior": 2.1, "lead": 3.0}
# Years of experience at which a candidate usually reaches each seniority (lower bound).
SENIORITY_MIN_YEARS = {"junior": 0.0, "semi_senior": 2.0, "senior": 5.0, "lead": 10.0}


def seniority_for_years(years: float) -> str:
    """The seniority a candidate with this much experience usually applies for."""
    result = "junior"
    for level, minimum in SENIORITY_MIN_YEARS.items():
        if years >= minimum:
            result = level
    return result


def salary_band_cop(area: str, seniority: str) -> tuple[int, int]:
    """Typical (min, max) monthly salary in COP for an area and seniority, rounded to 50,000."""
    median = AREA_BY_KEY[area].junior_salary_cop * SENIORITY_SALARY_FACTOR[seniority]
    low = max(SMMLV_COP, round(median * 0.8 / 50_000) * 50_000)
    high = max(low + 100_000, round(median * 1.25 / 50_000) * 50_000)
    return int(low), int(high)


JOB_OPENERS = (
    "{company} busca {title_lower} para su equipo en {city}.",
    "En {company} estamos creciendo y queremos sumar un {title_lower} en {city}.",
    "{company}, empresa con presencia nacional, abre convocatoria para {title_lower}.",
    "Únete a {company} como {title_lower} y crece con nosotros en {city}.",
)
JOB_REQUIREMENTS = (
    "Requisitos: formación {education} y al menos {years} año(s) de experiencia en cargos "
    "similares.",
    "Buscamos formación {education} con {years} año(s) o más de experiencia comprobable.",
    "Perfil: {education}, mínimo {years} año(s) de experiencia y manejo de {skill}.",
)
JOB_OFFERS = (
    "Ofrecemos contrato {employment}, salario de {salary} y prestaciones de ley.",
    "Ofrecemos {salary} mensuales, contrato {employment} y plan de formación.",
    "Te ofrecemos contrato {employment}, {salary} y un excelente ambiente laboral.",
)
JOB_MODALITY = {
    "presencial": "Trabajo presencial en {city}.",
    "hibrido": "Modalidad híbrida: tres días en la oficina de {city} y dos desde casa.",
    "remoto": "Trabajo 100 % remoto desde cualquier ciudad de Colombia.",
}
EMPLOYMENT_LABELS = {
    "tiempo_completo": "a término indefinido de tiempo completo",
    "medio_tiempo": "de medio tiempo",
    "prestacion_servicios": "por prestación de servicios",
    "practicas": "de aprendizaje (prácticas)",
}
EDUCATION_LABELS = {
    "bachiller": "bachiller",
    "tecnico": "técnica",
    "tecnologo": "tecnológica",
    "profesional": "profesional",
    "especializacion": "profesional con especialización",
    "maestria": "de maestría",
    "doctorado": "de doctorado",
}
COMPANY_FORMATS = (
    "{a} {b} S.A.S.",
    "Inversiones {a} S.A.S.",
    "Grupo {a}",
    "{a} & Cía. Ltda.",
    "Comercializadora {a} {b} S.A.S.",
    "Servicios Integrales {a} S.A.S.",
    "Distribuidora {a} S.A.",
    "Soluciones {a} {b} S.A.S.",
    "Constructora {a} S.A.",
    "Clínica {a}",
    "Colegio {a} {b}",
    "Logística {a} S.A.S.",
    "Tecnología {a} S.A.S.",
    "Agroindustrial {a} S.A.S.",
)

# Pool sizes: large enough that names repeat rarely within a segment, small enough to build fast.
FIRST_NAME_POOL = 250  # per gender; es_CO has 300 of each
LAST_NAME_POOL = 300  # es_CO has 300 surnames; two per person gives 90,000 pairs
COMPANY_POOL = 500
POOL_SEED = 20_251_001


def ascii_slug(text: str) -> str:
    """'María José' -> 'maria.jose': accents dropped, spaces to dots, for e-mail local parts."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return ".".join(plain.lower().replace("'", "").split())


@dataclass(frozen=True, slots=True)
class NamePools:
    female_first_names: tuple[str, ...]
    male_first_names: tuple[str, ...]
    last_names: tuple[str, ...]


def _unique(draw: Callable[[], str], size: int, attempts: int) -> tuple[str, ...]:
    """Up to ``size`` distinct values in first-seen order (Faker draws names by frequency)."""
    seen: dict[str, None] = {}
    for _ in range(attempts):
        seen.setdefault(draw(), None)
        if len(seen) == size:
            break
    return tuple(seen)


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    """First and last names drawn once from Faker es_CO with a fixed seed (order is stable)."""
    from faker import Faker  # imported here: building the pools is the only use, and it is slow

    fake = Faker("es_CO")
    fake.seed_instance(POOL_SEED)
    return NamePools(
        female_first_names=_unique(fake.first_name_female, FIRST_NAME_POOL, FIRST_NAME_POOL * 50),
        male_first_names=_unique(fake.first_name_male, FIRST_NAME_POOL, FIRST_NAME_POOL * 50),
        last_names=_unique(fake.last_name, LAST_NAME_POOL, LAST_NAME_POOL * 50),
    )


@lru_cache(maxsize=1)
def company_pool() -> tuple[str, ...]:
    """Plausible Colombian company names (surnames from Faker es_CO + local legal forms)."""
    import random

    rng = random.Random(POOL_SEED)
    last = name_pools().last_names
    names: dict[str, None] = {}
    while len(names) < COMPANY_POOL:
        fmt = rng.choice(COMPANY_FORMATS)
        names.setdefault(fmt.format(a=rng.choice(last), b=rng.choice(last)), None)
    return tuple(names)
