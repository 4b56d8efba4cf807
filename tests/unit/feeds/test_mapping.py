"""From a feed's words to AdFlux's vocabulary: places, areas, salary text, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from adflux.feeds.mapping import (
    Mapped,
    Refused,
    area_from_category,
    area_from_title,
    employment_type,
    map_department,
    map_record,
    parse_salary,
    plain_text,
    remote_mode,
    seniority,
)
from adflux.feeds.parsing import FeedRecord, read_feed
from adflux.jobs.areas import AREA_LABELS

FIXTURES = Path(__file__).parent / "fixtures"


def _mapped(name: str) -> list[Mapped | Refused]:
    with (FIXTURES / name).open("rb") as stream:
        return [map_record(record) for record in read_feed(stream)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$2.500.000 - $3.000.000 COP mensual", (2_500_000, 3_000_000, None)),
        ("Entre 1.800.000 y 2.200.000", (1_800_000, 2_200_000, None)),
        ("$1.300.000", (1_300_000, 1_300_000, None)),
        ("2,500,000", (2_500_000, 2_500_000, None)),
        ("2.500.000,50", (2_500_000, 2_500_000, None)),
        ("2,5 millones", (2_500_000, 2_500_000, None)),
        ("3 millones", (3_000_000, 3_000_000, None)),
        ("COP 2500000 - 3000000 MONTH", (2_500_000, 3_000_000, None)),
        ("$ 30.000.000 anual", (2_500_000, 2_500_000, None)),
        ("A convenir", (None, None, None)),
        ("", (None, None, None)),
        ("USD 1,000 - 1,500", (None, None, "not in COP")),
        ("15.000 por hora", (None, None, "not a monthly amount")),
        ("$25.000", (None, None, "not a monthly amount in COP")),
        ("muy bueno", (None, None, "no amount")),
    ],
)
def test_salary_text(text, expected):
    assert parse_salary(text) == expected


@pytest.mark.parametrize(
    "state, department",
    [
        ("Antioquia", "Antioquia"),
        ("ANTIOQUIA", "Antioquia"),
        ("Valle", "Valle del Cauca"),
        ("Norte Santander", "Norte de Santander"),
        ("Bogota DC", "Bogotá, D.C."),
        ("Departamento del Atlántico", "Atlántico"),
        ("Texas", None),
    ],
)
def test_departments_as_the_feed_writes_them(state, department):
    assert map_department(state) == department


def test_areas_from_categories_and_titles():
    assert area_from_category("Tecnología / Sistemas") == "Tecnología y desarrollo de software"
    assert area_from_category("Call Center") == "Atención al cliente y call center"
    assert area_from_category("recursos_humanos") == "Recursos humanos"
    assert area_from_category("Astronáutica") is None
    assert area_from_title("Desarrollador backend Python") == "Tecnología y desarrollo de software"
    assert area_from_title("Auxiliar de bodega") == "Logística y transporte"
    assert area_from_title("Cajero de la suerte") is None
    # Every area's own label maps back onto it.
    assert [area_from_category(label) for label in AREA_LABELS] == list(AREA_LABELS)


@pytest.mark.parametrize(
    "title, experience, expected",
    [
        ("Gerente comercial", None, ("lead", True)),
        ("Desarrollador senior", "1 año", ("senior", True)),
        ("Practicante de diseño", None, ("junior", True)),
        ("Contador", "3 años", ("semi_senior", True)),
        ("Contador", "2-4 years", ("semi_senior", True)),
        ("Contador", "18 meses", ("junior", True)),
        ("Contador", "6", ("senior", True)),
        ("Contador", "Sin experiencia", ("junior", True)),
        ("Contador", None, ("semi_senior", True)),
        ("Contador", "bastante", ("semi_senior", False)),
    ],
)
def test_seniority_from_the_title_then_the_experience(title, experience, expected):
    assert seniority(title, experience) == expected


def test_employment_type_and_remote_mode():
    assert employment_type("Full-time") == ("tiempo_completo", True)
    assert employment_type("PART_TIME") == ("medio_tiempo", True)
    assert employment_type("Contrato de aprendizaje SENA") == ("practicas", True)
    assert employment_type("Prestación de servicios") == ("prestacion_servicios", True)
    assert employment_type("Remoto") == ("tiempo_completo", True)  # says where, not how
    assert employment_type("Contrato raro") == ("tiempo_completo", False)
    assert remote_mode("Tiempo completo, Híbrido", "Analista") == "hibrido"
    assert remote_mode(None, "Agente", None, "TELECOMMUTE") == "remoto"
    assert remote_mode("Tiempo completo", "Cajero", "Cali") == "presencial"


def test_html_descriptions_become_text_with_their_lines():
    text = plain_text("<p>Hola&nbsp;<b>mundo</b></p><ul><li>uno</li><li>dos &amp; tres</li></ul>")
    assert text == "Hola mundo\nuno\ndos & tres"
    assert plain_text("<script>alert(1)</script>Texto") == "Texto"
    assert plain_text("Sin   HTML\n\n aquí ") == "Sin HTML\naquí"


def test_the_fixture_feed_maps_with_its_refusals_and_unmapped_values():
    first, second, no_ref, nurse, nurse_again, accountant, abroad = _mapped("magneto_feed.xml")

    assert isinstance(first, Mapped)
    assert first.external_ref == "MG-1001"
    assert first.fields == {
        "title": "Desarrollador Backend Python",
        "description": "Buscamos desarrollador con experiencia en Django & PostgreSQL.\n"
        "Trabajo híbrido\nContrato indefinido",
        "company": "Bancolombia S.A.",
        "city": "Medellín",  # written without its accent
        "department": "Antioquia",
        "area": "Tecnología y desarrollo de software",
        "seniority": "semi_senior",
        "employment_type": "tiempo_completo",
        "remote_mode": "hibrido",
        "salary_min_cop": 2_500_000,
        "salary_max_cop": 3_000_000,
    }
    assert first.unmapped == []
    assert isinstance(second, Mapped)
    assert (second.fields["city"], second.fields["department"]) == ("Bogotá", "Bogotá, D.C.")
    assert second.fields["area"] == "Logística y transporte"  # from the title: no category
    assert second.fields["description"] == "Cargue y descargue de mercancía."
    assert second.fields["seniority"] == "junior"
    assert isinstance(no_ref, Refused)
    assert str(no_ref.where) == "job 3 (line 35)"
    assert no_ref.where.render("es") == "vacante 3 (línea 35)"
    assert [str(reason) for reason in no_ref.reasons] == [
        "referencenumber: missing (a job without one cannot be kept in step)",
    ]
    assert isinstance(nurse, Mapped)
    assert (nurse.fields["city"], nurse.fields["department"]) == ("Cúcuta", "Norte de Santander")
    assert nurse.fields["salary_min_cop"] is None
    assert nurse.unmapped == []  # "A convenir" is no salary, not an unreadable one
    assert isinstance(nurse_again, Mapped)  # duplicates are the import's to judge
    assert isinstance(accountant, Mapped)
    assert accountant.fields["city"] == "Tierralta"  # kept as written, and said
    assert accountant.fields["area"] == "Contabilidad y finanzas"
    assert [(name, str(value)) for name, value in accountant.unmapped] == [
        ("city", "Tierralta"),
        ("category", "Astronáutica"),
        ("jobtype", "Contrato raro"),
        ("salary", "USD 1,000 - 1,500 (not in COP)"),
    ]
    assert accountant.unmapped[3][1].render("es") == "USD 1,000 - 1,500 (no está en COP)"
    assert isinstance(abroad, Refused)
    assert [str(reason) for reason in abroad.reasons] == [
        "country: 'Perú' (AdFlux advertises jobs in Colombia)"
    ]


def test_json_ld_postings_map_like_xml_jobs():
    data, agent = _mapped("jobs.jsonld")
    assert isinstance(data, Mapped) and isinstance(agent, Mapped)
    assert data.fields["city"] == "Envigado"
    assert data.fields["area"] == "Datos y analítica"
    assert data.fields["seniority"] == "semi_senior"  # 36 months
    assert (data.fields["salary_min_cop"], data.fields["salary_max_cop"]) == (4_000_000, 5_500_000)
    assert agent.fields["remote_mode"] == "remoto"
    assert agent.fields["employment_type"] == "medio_tiempo"
    assert agent.fields["company"] == "Teleperformance"


def test_a_record_without_title_city_or_area_is_refused_with_every_reason():
    refused = map_record(FeedRecord(9, None, {"referencenumber": "R-9"}))
    assert isinstance(refused, Refused)
    assert (str(refused.where), refused.external_ref) == ("job 9", "R-9")
    assert [str(reason) for reason in refused.reasons] == ["title: missing", "city: missing"]
    no_area = map_record(
        FeedRecord(1, None, {"referencenumber": "R-1", "title": "Cajero", "city": "Cali"})
    )
    assert isinstance(no_area, Refused)
    assert str(no_area.reasons[0]).startswith("area: the feed gives no category and the title")


def test_over_long_text_is_cut_and_said():
    mapped = map_record(
        FeedRecord(
            1, None, {"referencenumber": "L-1", "title": "Contador " + "x" * 300, "city": "Cali"}
        )
    )
    assert isinstance(mapped, Mapped)
    assert len(mapped.fields["title"]) == 200
    assert ("title", "cut to 200 characters") in [(n, str(v)) for n, v in mapped.unmapped]
