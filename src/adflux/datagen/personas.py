"""Hidden personas: the latent candidate groups the generator plants for segmentation to find.

Each persona is a distribution over area, city, education, experience, age, salary, remote
preference, languages and skill count. They overlap on purpose (several live in Bogotá, sales and
call-centre agents share areas, accountants and administrators share an office profile), and
every categorical draw is mixed with the national distribution (``*_NOISE``), so a persona is a
dense region, not a label that one column gives away. ``personas=N`` plants the first N of
``PERSONAS``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Share of each categorical draw taken from the national distribution instead of the persona's.
AREA_NOISE = 0.03
CITY_NOISE = 0.06
EDUCATION_NOISE = 0.05
REMOTE_NOISE = 0.05


@dataclass(frozen=True, slots=True)
class Persona:
    name: str
    weight: float  # relative size of the group among candidates
    areas: dict[str, float]
    cities: dict[str, float]
    education: dict[str, float]
    experience: tuple[float, float, float, float]  # mean, sd, min, max (years)
    age_gap: float  # mean extra years between finishing studies + working years and today's age
    salary_factor: float  # multiplies the area's median salary for the candidate's experience
    remote: dict[str, float]
    english: float  # probability of speaking English
    skills: float  # mean number of listed skills


PERSONAS = (
    Persona(
        name="Desarrolladores senior remotos en Bogotá",
        weight=1.0,
        areas={"tecnologia": 0.85, "datos": 0.15},
        cities={"Bogotá": 0.70, "Medellín": 0.15, "Cali": 0.05, "Bucaramanga": 0.05,
                "Pereira": 0.05},
        education={"profesional": 0.55, "especializacion": 0.25, "maestria": 0.12,
                   "tecnologo": 0.08},
        experience=(8.0, 3.0, 3.0, 25.0),
        age_gap=2.0,
        salary_factor=1.15,
        remote={"remoto": 0.65, "hibrido": 0.30, "presencial": 0.05},
        english=0.85,
        skills=6.5,
    ),
    Persona(
        name="Operarios de logística en Barranquilla",
        weight=1.2,
        areas={"logistica": 0.85, "manufactura": 0.15},
        cities={"Barranquilla": 0.55, "Soledad": 0.20, "Cartagena": 0.15, "Santa Marta": 0.10},
        education={"bachiller": 0.65, "tecnico": 0.30, "tecnologo": 0.05},
        experience=(6.0, 3.5, 0.5, 30.0),
        age_gap=3.0,
        salary_factor=0.95,
        remote={"presencial": 0.95, "hibrido": 0.05},
        english=0.04,
        skills=3.0,
    ),
    Persona(
        name="Recién egresados de administración en Medellín",
        weight=0.9,
        areas={"administracion": 0.55, "recursos_humanos": 0.25, "marketing": 0.20},
        cities={"Medellín": 0.60, "Bello": 0.12, "Envigado": 0.12, "Itagüí": 0.10, "Bogotá": 0.06},
        education={"profesional": 0.70, "tecnologo": 0.30},
        experience=(0.7, 0.6, 0.0, 2.5),
        age_gap=0.7,
        salary_factor=0.95,
        remote={"hibrido": 0.55, "presencial": 0.35, "remoto": 0.10},
        english=0.40,
        skills=3.0,
    ),
    Persona(
        name="Personal de salud en Cali",
        weight=1.0,
        areas={"salud": 1.0},
        cities={"Cali": 0.60, "Palmira": 0.20, "Popayán": 0.10, "Pasto": 0.10},
        education={"tecnico": 0.45, "profesional": 0.40, "especializacion": 0.15},
        experience=(8.0, 4.0, 1.0, 35.0),
        age_gap=2.0,
        salary_factor=1.0,
        remote={"presencial": 0.92, "hibrido": 0.08},
        english=0.15,
        skills=4.0,
    ),
    Persona(
        name="Asesores comerciales en todo el país",
        weight=1.5,
        areas={"ventas": 0.75, "atencion_cliente": 0.25},
        cities={},  # empty: the national population distribution
        education={"bachiller": 0.45, "tecnico": 0.30, "tecnologo": 0.25},
        experience=(3.0, 2.0, 0.0, 20.0),
        age_gap=2.0,
        salary_factor=1.0,
        remote={"presencial": 0.70, "hibrido": 0.25, "remoto": 0.05},
        english=0.10,
        skills=3.5,
    ),
    Persona(
        name="Contadores y financieros",
        weight=0.8,
        areas={"contabilidad": 0.90, "administracion": 0.10},
        cities={"Bogotá": 0.45, "Medellín": 0.20, "Cali": 0.15, "Bucaramanga": 0.10,
                "Barranquilla": 0.10},
        education={"profesional": 0.55, "especializacion": 0.35, "tecnologo": 0.10},
        experience=(10.0, 4.0, 3.0, 35.0),
        age_gap=2.5,
        salary_factor=1.05,
        remote={"hibrido": 0.60, "presencial": 0.30, "remoto": 0.10},
        english=0.30,
        skills=4.5,
    ),
    Persona(
        name="Docentes en ciudades intermedias",
        weight=0.9,
        areas={"educacion": 1.0},
        cities={"Tunja": 0.15, "Pasto": 0.15, "Ibagué": 0.15, "Neiva": 0.15, "Bucaramanga": 0.10,
                "Manizales": 0.10, "Popayán": 0.10, "Villavicencio": 0.10},
        education={"profesional": 0.35, "especializacion": 0.35, "maestria": 0.25,
                   "doctorado": 0.05},
        experience=(14.0, 6.0, 3.0, 40.0),
        age_gap=2.5,
        salary_factor=0.9,
        remote={"presencial": 0.80, "hibrido": 0.15, "remoto": 0.05},
        english=0.30,
        skills=4.0,
    ),
    Persona(
        name="Técnicos de mantenimiento en zonas industriales",
        weight=0.8,
        areas={"mantenimiento": 0.90, "construccion": 0.10},
        cities={"Barrancabermeja": 0.25, "Bucaramanga": 0.25, "Cartagena": 0.20, "Cúcuta": 0.15,
                "Yopal": 0.15},
        education={"tecnico": 0.55, "tecnologo": 0.40, "profesional": 0.05},
        experience=(10.0, 5.0, 2.0, 35.0),
        age_gap=3.0,
        salary_factor=1.05,
        remote={"presencial": 0.97, "hibrido": 0.03},
        english=0.05,
        skills=5.0,
    ),
    Persona(
        name="Agentes bilingües de call center",
        weight=1.0,
        areas={"atencion_cliente": 0.90, "ventas": 0.10},
        cities={"Bogotá": 0.45, "Medellín": 0.30, "Barranquilla": 0.25},
        education={"bachiller": 0.50, "tecnico": 0.20, "profesional": 0.30},
        experience=(1.5, 1.5, 0.0, 10.0),
        age_gap=1.0,
        salary_factor=1.35,
        remote={"hibrido": 0.40, "remoto": 0.30, "presencial": 0.30},
        english=0.97,
        skills=3.5,
    ),
    Persona(
        name="Personal de obra en los Llanos y el Caribe",
        weight=0.7,
        areas={"construccion": 0.90, "agro": 0.10},
        cities={"Villavicencio": 0.25, "Montería": 0.20, "Valledupar": 0.20, "Sincelejo": 0.20,
                "Riohacha": 0.15},
        education={"bachiller": 0.30, "tecnico": 0.35, "profesional": 0.35},
        experience=(9.0, 5.0, 1.0, 35.0),
        age_gap=3.0,
        salary_factor=1.0,
        remote={"presencial": 0.98, "hibrido": 0.02},
        english=0.05,
        skills=4.0,
    ),
)  # fmt: skip
MIN_PERSONAS = 2
MAX_PERSONAS = len(PERSONAS)


def planted(personas: int) -> tuple[Persona, ...]:
    """The first ``personas`` personas; raises ValueError outside 2..10."""
    if not MIN_PERSONAS <= personas <= MAX_PERSONAS:
        raise ValueError(f"personas must be between {MIN_PERSONAS} and {MAX_PERSONAS}")
    return PERSONAS[:personas]
