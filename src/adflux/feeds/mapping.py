"""From a feed's own words to AdFlux's vocabulary: one record to one job's fields, or a refusal.

Pure: no database. What could not be mapped is said (`Mapped.unmapped`), never guessed silently:
a category that names no AdFlux area, a city AdFlux cannot target, salary text it cannot read.
A record is refused only when no job could be advertised from it (no reference, no title, no
city, no area, a job abroad); everything else takes a stated default.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree, html

from adflux import geo
from adflux.feeds.parsing import FeedRecord
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message
from adflux.jobs.areas import AREAS

# The job table's column sizes (jobs/models.py); longer text is cut, and the cut is said.
MAX_LENGTHS = {"title": 200, "company": 200, "city": 100, "department": 100, "description": 20_000}
MAX_REF = 64
UNKNOWN_COMPANY = "Empresa confidencial"
# A monthly salary in COP outside this range is not one (a typo, another currency, a yearly sum).
SALARY_RANGE_COP = (100_000, 200_000_000)


@lru_cache(maxsize=8192)  # feeds repeat their cities, categories and job types
def fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive form ("Bogotá, D.C." -> "bogota d c")."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch if ch.isalnum() else " " for ch in letters.casefold())
    return " ".join(cleaned.split())


# What could not be mapped: the feed's own text, or AdFlux's words about it (a message).
Unmapped = tuple[str, str | Message]


@dataclass
class Mapped:
    """A record mapped to the job table's fields, with what could not be mapped: (field, value)."""

    external_ref: str
    fields: dict[str, Any]
    unmapped: list[Unmapped] = field(default_factory=list)


@dataclass(frozen=True)
class Refused:
    """A record no job can be made of: where it is in the feed, its reference if any, and why
    (messages naming the feed's field)."""

    where: Message
    external_ref: str | None
    reasons: tuple[Message, ...]


# --- places -----------------------------------------------------------------------------------

_BOGOTA = next(c.department for c in geo.all_cities() if c.name == "Bogotá")
_DEPARTMENT_BY_KEY = {fold(c.department): c.department for c in geo.all_cities()}
# Short and official forms feeds write for departments.
_DEPARTMENT_BY_KEY.update(
    {
        "bogota": _BOGOTA,
        "bogota dc": _BOGOTA,
        "distrito capital": _BOGOTA,
        "valle": "Valle del Cauca",
        "norte santander": "Norte de Santander",
        "san andres": "San Andrés y Providencia",
        "guajira": "La Guajira",
        "archipielago de san andres providencia y santa catalina": "San Andrés y Providencia",
    }
)
_COLOMBIA = {"co", "col", "colombia", "republica de colombia"}


def map_department(state: str) -> str | None:
    """The department a feed's `state` names, or None when it names none AdFlux knows."""
    return _DEPARTMENT_BY_KEY.get(
        fold(state).removeprefix("departamento del ").removeprefix("departamento de ")
    )


# --- areas ------------------------------------------------------------------------------------

# Words and phrases feeds use for categories (Spanish and English), per area key. A category is
# matched by its longest phrase found here; a title by the area whose job titles share most words.
_CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    "tecnologia": ("tecnologia", "sistemas", "informatica", "software", "desarrollo de software",
                   "programacion", "it", "information technology", "telecomunicaciones"),
    "datos": ("datos", "analitica", "data", "business intelligence", "bi", "ciencia de datos"),
    "logistica": ("logistica", "transporte", "bodega", "almacen", "distribucion", "logistics",
                  "warehouse", "conductores", "compras y logistica"),
    "administracion": ("administracion", "administrativo", "oficina", "secretariado",
                       "recepcion", "office", "administrative", "asistencial administrativo"),
    "recursos_humanos": ("recursos humanos", "gestion humana", "talento humano", "nomina",
                         "human resources", "rrhh", "seleccion"),
    "salud": ("salud", "medicina", "enfermeria", "farmacia", "health", "healthcare", "clinica",
              "hospitalario"),
    "ventas": ("ventas", "comercial", "vendedores", "sales", "comercial y ventas"),
    "atencion_cliente": ("atencion al cliente", "servicio al cliente", "call center",
                         "contact center", "customer service", "telemercadeo", "bpo"),
    "contabilidad": ("contabilidad", "finanzas", "financiero", "contable", "accounting",
                     "finance", "auditoria", "tesoreria", "banca"),
    "educacion": ("educacion", "docencia", "docente", "teaching", "education", "pedagogia"),
    "mantenimiento": ("mantenimiento", "electricidad", "mecanica", "maintenance", "tecnicos"),
    "construccion": ("construccion", "obra", "obras civiles", "ingenieria civil", "arquitectura",
                     "construction"),
    "manufactura": ("produccion", "manufactura", "operarios", "planta", "manufacturing",
                    "calidad", "industria"),
    "marketing": ("mercadeo", "marketing", "publicidad", "comunicaciones", "medios"),
    "diseno": ("diseno", "creatividad", "diseno grafico", "design", "artes graficas"),
    "legal": ("legal", "juridico", "derecho", "law", "abogados"),
    "hoteleria": ("hoteleria", "turismo", "gastronomia", "restaurantes", "cocina", "hospitality",
                  "alimentos y bebidas"),
    "seguridad": ("seguridad", "vigilancia", "security", "seguridad privada"),
    "agro": ("agro", "agricultura", "agropecuario", "agroindustria", "agriculture",
             "veterinaria"),
    "servicios_generales": ("servicios generales", "aseo", "limpieza", "cleaning",
                            "mantenimiento locativo", "oficios varios"),
}  # fmt: skip
_PHRASES = sorted(
    ((fold(phrase), key) for key, phrases in _CATEGORY_PHRASES.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)
# Words of job titles that say nothing about the trade.
_GENERIC_WORDS = frozenset((
    "de", "del", "la", "las", "el", "los", "y", "en", "a", "para", "con", "auxiliar", "asistente",
    "analista", "jefe", "coordinador", "gerente", "director", "lider", "junior", "senior",
    "practicante", "tecnico", "tecnologo", "profesional", "ingeniero", "operario", "agente",
    "asesor", "ejecutivo", "supervisor", "especialista", "sr", "jr", "i", "ii", "iii", "general",
))  # fmt: skip


def _stem(word: str) -> str:
    """A word without its gender or plural ending: enfermera, enfermeros -> enfermer."""
    for suffix in ("as", "os", "es", "a", "o", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _title_stems(title: str) -> set[str]:
    return {_stem(w) for w in fold(title).split() if w not in _GENERIC_WORDS and len(w) > 2}


_TITLE_WORDS: dict[str, frozenset[str]] = {
    area.key: frozenset(
        stem
        for title in (*area.junior_titles, *area.titles, *area.lead_titles, area.label)
        for stem in _title_stems(title)
    )
    for area in AREAS
}
_LABEL_BY_KEY = {area.key: area.label for area in AREAS}
_KEY_BY_FOLDED_LABEL = {fold(area.label): area.key for area in AREAS}


def area_from_category(category: str) -> str | None:
    """The area label a category names (by key, label or a known phrase), or None."""
    folded = fold(category)
    if folded in _KEY_BY_FOLDED_LABEL:
        return _LABEL_BY_KEY[_KEY_BY_FOLDED_LABEL[folded]]
    if folded.replace(" ", "_") in _LABEL_BY_KEY:
        return _LABEL_BY_KEY[folded.replace(" ", "_")]
    padded = f" {folded} "
    for phrase, key in _PHRASES:
        if f" {phrase} " in padded:
            return _LABEL_BY_KEY[key]
    return None


def area_from_title(title: str) -> str | None:
    """The area whose typical job titles share most words with this title, or None."""
    words = _title_stems(title)
    best, score = None, 0
    for key, known in _TITLE_WORDS.items():
        shared = len(words & known)
        if shared > score:
            best, score = key, shared
    if best is None:  # a title such as "Asesor de call center" may still hold a category phrase
        return area_from_category(title)
    return _LABEL_BY_KEY[best]


# --- seniority, employment type, remote mode --------------------------------------------------

_SENIORITY_WORDS = (
    ("lead", ("lider", "jefe", "gerente", "director", "directora", "head", "lead", "manager",
              "coordinador", "coordinadora", "arquitecto")),
    ("senior", ("senior", "sr")),
    ("junior", ("junior", "jr", "practicante", "aprendiz", "auxiliar", "pasante", "trainee",
                "ayudante")),
)  # fmt: skip
_NUMBER_IN_TEXT = re.compile(r"\d+(?:[.,]\d+)?")
_YEAR_UNITS = ("ano", "anos", "year", "years", "yr", "yrs")
_MONTH_UNITS = ("mes", "meses", "month", "months")


def seniority(title: str, experience: str | None) -> tuple[str, bool]:
    """(seniority, whether the experience text could be read); the title's own word wins.

    Experience reads as years ("3 años", "2-4 years", "18 meses", "3"): the lower bound counts.
    """
    words = set(fold(title).split())
    for level, markers in _SENIORITY_WORDS:
        if words & set(markers):
            return level, True
    if not experience:
        return "semi_senior", True
    folded = fold(experience)
    if "sin experiencia" in folded or "no requiere" in folded or folded in {"0", "ninguna"}:
        return "junior", True
    number = _NUMBER_IN_TEXT.search(experience)
    units = set(folded.split())
    has_unit = bool(units & {*_YEAR_UNITS, *_MONTH_UNITS})
    if number is None or not (has_unit or folded.replace(" ", "").isdigit()):
        return "semi_senior", False
    years = float(number.group(0).replace(",", "."))
    if units & set(_MONTH_UNITS) and not units & set(_YEAR_UNITS):
        years /= 12
    if years >= 10:
        return "lead", True
    if years >= 5:
        return "senior", True
    if years >= 2:
        return "semi_senior", True
    return "junior", True


# Written as `fold` writes them (no accents, lower case), as are the other phrase tables.
_EMPLOYMENT_PHRASES = (
    ("practicas", ("practica", "practicas", "pasantia", "aprendiz", "aprendizaje", "intern",
                   "internship", "contrato de aprendizaje", "sena")),
    ("medio_tiempo", ("medio tiempo", "part time", "parttime", "por horas", "tiempo parcial")),
    ("prestacion_servicios", ("prestacion de servicios", "contractor", "freelance",
                              "independiente", "contrato de servicios", "por servicios")),
    ("tiempo_completo", ("tiempo completo", "full time", "fulltime", "indefinido",
                         "termino indefinido", "termino fijo", "fijo", "obra labor",
                         "obra o labor", "temporal", "temporary", "permanent", "permanente",
                         "contrato laboral", "nomina")),
)  # fmt: skip
# Words of a jobtype that say where, not how: not an unmapped employment type.
_PLACE_WORDS = ("remoto", "remote", "teletrabajo", "hibrido", "hybrid", "presencial", "telecommute")


def employment_type(jobtype: str | None) -> tuple[str, bool]:
    """(employment type, whether the jobtype text was understood); full time when not said."""
    if not jobtype:
        return "tiempo_completo", True
    padded = f" {fold(jobtype)} "
    for value, phrases in _EMPLOYMENT_PHRASES:
        if any(f" {p} " in padded for p in phrases):
            return value, True
    only_place = all(word in _PLACE_WORDS for word in padded.split())
    return "tiempo_completo", only_place


def remote_mode(*texts: str | None) -> str:
    """remoto, hibrido or presencial, from the words of the jobtype, title, city and the
    JSON-LD jobLocationType; presencial unless one says otherwise."""
    padded = " " + " ".join(fold(t) for t in texts if t) + " "
    if any(f" {w} " in padded for w in ("hibrido", "hybrid", "semipresencial")):
        return "hibrido"
    remote = ("remoto", "remote", "teletrabajo", "telecommute", "home office", "trabajo en casa")
    if any(f" {w} " in padded for w in remote):
        return "remoto"
    return "presencial"


# --- salary -----------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d{1,3}(?:([.,'])\d{3})(?:\1\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?")
_FOREIGN = ("usd", "us$", "u$s", "dolar", "dolares", "dollar", "eur", "euro", "euros", "€")
_NO_AMOUNT = ("convenir", "negociable", "competitivo", "confidencial", "segun experiencia")


NO_AMOUNT = N_("no amount")
NOT_COP = N_("not in COP")
NOT_MONTHLY = N_("not a monthly amount")
NOT_MONTHLY_COP = N_("not a monthly amount in COP")


def parse_salary(text: str | None) -> tuple[int | None, int | None, str | None]:
    """(min, max, problem) in monthly COP from a feed's salary text.

    Reads "$2.500.000 - $3.000.000 COP mensual", "2,500,000", "2.5 millones", "COP 2500000 -
    3000000 MONTH" (JSON-LD), a yearly amount (divided by 12); says why when it cannot ("USD",
    per hour, an amount no monthly COP salary has). "A convenir" is no salary, and no problem.
    """
    if not text:
        return None, None, None
    folded = fold(text.replace("€", " eur "))
    lowered = text.casefold()
    if not any(ch.isdigit() for ch in text):
        if any(w in folded for w in _NO_AMOUNT):
            return None, None, None
        return None, None, NO_AMOUNT
    if any(f" {w} " in f" {folded} " for w in _FOREIGN) or "us$" in lowered:
        return None, None, NOT_COP
    per_year = any(w in folded.split() for w in ("anual", "anuales", "year", "yearly", "ano"))
    if any(w in folded.split() for w in ("hora", "hour", "hourly", "dia", "day", "semana", "week")):
        return None, None, NOT_MONTHLY
    millions = bool(re.search(r"\d\s*(millones|millon|mill|mm|m)\b", text.casefold()))
    values = [_amount(match.group(0)) for match in _NUMBER.finditer(text)]
    values = [v * 1_000_000 if millions and v < 1_000 else v for v in values if v > 0]
    if not values:
        return None, None, NO_AMOUNT
    low, high = min(values[:2]), max(values[:2])
    if per_year:
        low, high = low / 12, high / 12
    lowest, highest = SALARY_RANGE_COP
    if low < lowest or high > highest:
        return None, None, NOT_MONTHLY_COP
    return round(low), round(high), None


def _amount(token: str) -> float:
    """A number as written in Colombia ("2.500.000", "2.500.000,50") or elsewhere ("2,500,000",
    "3.5")."""
    grouped = re.fullmatch(r"(\d{1,3}(?:([.,'])\d{3})(?:\2\d{3})*)(?:[.,](\d{1,2}))?", token)
    if grouped and (grouped.group(3) is None or grouped.group(2) not in token[-3:]):
        whole = re.sub(r"[.,']", "", grouped.group(1))
        return float(whole + (f".{grouped.group(3)}" if grouped.group(3) else ""))
    return float(token.replace(",", "."))


# --- description ------------------------------------------------------------------------------

_BLOCKS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table")


def plain_text(description: str) -> str:
    """A description's text: HTML tags dropped (blocks and line breaks kept as new lines),
    entities decoded, blank runs squeezed."""
    if "<" not in description and "&" not in description:
        return _squeeze(description)
    try:
        fragment = html.fragment_fromstring(description, create_parent="div")
    except (etree.ParserError, ValueError):
        return _squeeze(description)
    for element in fragment.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    for element in fragment.iter("script", "style"):
        element.drop_tree()
    return _squeeze(fragment.text_content())


def _squeeze(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line).strip()


# --- one record -------------------------------------------------------------------------------


def map_record(record: FeedRecord) -> Mapped | Refused:
    """The job fields of one feed record, or why it cannot be one."""
    f = record.fields
    reasons = []
    ref = f.get("referencenumber", "").strip()
    if not ref:
        reasons.append(
            Message("referencenumber: missing (a job without one cannot be kept in step)")
        )
    elif len(ref) > MAX_REF:
        reasons.append(Message("referencenumber: longer than %(limit)s characters", limit=MAX_REF))
    title = _squeeze(plain_text(f.get("title", "")))
    if not title:
        reasons.append(Message("title: missing"))
    country = f.get("country")
    if country and fold(country) not in _COLOMBIA:
        reasons.append(
            Message("country: '%(country)s' (AdFlux advertises jobs in Colombia)", country=country)
        )
    city_text = f.get("city", "").strip()
    if not city_text:
        reasons.append(Message("city: missing"))
    if reasons:
        return Refused(record.where(), ref or None, tuple(reasons))

    unmapped: list[Unmapped] = []
    city = geo.find_city(city_text)
    state = f.get("state")
    department = map_department(state) if state else None
    if state and department is None:
        unmapped.append(("state", state))
    if city is not None:
        city_name = city.name
        department = city.department
    else:
        unmapped.append(("city", city_text))
        city_name = city_text
        department = department or (state or "")

    category = f.get("category")
    area = area_from_category(category) if category else None
    if category and area is None:
        unmapped.append(("category", category))
    area = area or area_from_title(title)
    if area is None:
        reason = (
            Message(
                "area: neither the category (%(category)s) nor the title maps to an area",
                category=category,
            )
            if category
            else Message("area: the feed gives no category and the title maps to no area")
        )
        return Refused(record.where(), ref, (reason,))

    level, read = seniority(title, f.get("experience"))
    if not read:
        unmapped.append(("experience", f["experience"]))
    kind, understood = employment_type(f.get("jobtype"))
    if not understood:
        unmapped.append(("jobtype", f["jobtype"]))
    low, high, problem = parse_salary(f.get("salary"))
    if problem:
        unmapped.append(
            (
                "salary",
                Message("%(salary)s (%(problem)s)", salary=f["salary"], problem=Message(problem)),
            )
        )
    company = f.get("company", "").strip()
    if not company:
        unmapped.append(("company", Message("missing")))

    fields: dict[str, Any] = {
        "title": title,
        "description": plain_text(f.get("description", "")),
        "company": _squeeze(company) or UNKNOWN_COMPANY,
        "city": city_name,
        "department": department,
        "area": area,
        "seniority": level,
        "employment_type": kind,
        "remote_mode": remote_mode(f.get("jobtype"), title, city_text, f.get("remote")),
        "salary_min_cop": low,
        "salary_max_cop": high,
    }
    for name, limit in MAX_LENGTHS.items():
        if len(fields[name]) > limit:
            unmapped.append((name, Message("cut to %(limit)s characters", limit=limit)))
            fields[name] = fields[name][:limit]
    return Mapped(ref, fields, unmapped)
