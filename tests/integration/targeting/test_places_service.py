"""A job's places counted by the database from hand-made candidates, on PostgreSQL and SQLite."""

from __future__ import annotations

import re

import sqlalchemy as sa
from tests.factories import make_candidate, make_job
from tests.integration.targeting.devops import SALES, TECH

from adflux.extensions import db
from adflux.targeting import places
from adflux.targeting.places import fitting_candidates_by_city, job_places


def _people(n: int, city: str, *, area: str = TECH, consent: bool = True) -> None:
    for _ in range(n):
        make_candidate(city=city, area=area, marketing_consent=consent)


def test_an_on_site_job_where_nobody_lives_still_targets_its_city(any_app):
    _people(3, "Bogotá")
    job = make_job(area=TECH, city="Leticia", department="Amazonas", remote_mode="presencial")

    result = job_places(db_session=db.session, job=job)

    assert not result.country_wide
    assert [(p.city, p.km_from_job, p.fitting_candidates) for p in result.cities] == [
        ("Leticia", 0.0, 0)
    ]
    assert result.cities[0].reason.code == "job_city"


def test_a_hybrid_job_adds_the_near_town_where_its_trade_lives_not_a_far_one(any_app):
    _people(1, "Manizales")
    _people(3, "Pereira")  # ~35 km
    _people(5, "Pereira", consent=False)  # never counted: no marketing consent
    _people(4, "Dosquebradas", area=SALES)  # another trade
    _people(6, "Cali")  # ~210 km: too far, however many
    job = make_job(area=TECH, city="Manizales", department="Caldas", remote_mode="hibrido")

    result = job_places(db_session=db.session, job=job)

    assert [(p.city, p.fitting_candidates, p.reason.code) for p in result.cities] == [
        ("Manizales", 1, "job_city"),
        ("Pereira", 3, "near_city"),
    ]
    assert result.cities[1].reason.message.render("es") == (
        "3 candidatos de tecnología y desarrollo de software viven en Pereira, a 35 km"
    )
    assert result.cities[1].reason.share == 0.3  # 3 of the 10 consenting in the trade


def test_cities_written_differently_are_one_city(any_app):
    for written in ("Bogotá", "BOGOTÁ, D.C.", "Bogota D.C.", "Atlantis"):
        make_candidate(city=written, area=TECH)
    make_candidate(city="Bogotá", area=SALES)
    assert fitting_candidates_by_city(db_session=db.session, area=TECH) == {
        "Bogotá": 3,
        "Atlantis": 1,
    }


def test_a_remote_job_covers_the_country_or_where_its_trade_concentrates(any_app):
    job = make_job(area=TECH, city="Pasto", department="Nariño", remote_mode="remoto")
    _people(12, "Medellín")
    for city in ("Bogotá", "Cali", "Barranquilla"):
        _people(10, city)
    spread = job_places(db_session=db.session, job=job)
    assert spread.country_wide and spread.cities == ()  # the three largest hold 32 of 42
    assert places.CONCENTRATED_SHARE > 32 / 42

    _people(60, "Bogotá")  # now 70 of 102 in Bogotá, 82 of 102 with Medellín
    concentrated = job_places(db_session=db.session, job=job)
    assert not concentrated.country_wide
    assert [(p.city, p.fitting_candidates) for p in concentrated.cities] == [
        ("Bogotá", 70),
        ("Medellín", 12),
    ]
    assert 82 / 102 >= places.CONCENTRATED_SHARE > 70 / 102


def test_one_group_by_that_reads_no_protected_attribute(any_app):
    _people(2, "Pereira")
    job = make_job(area=TECH, city="Manizales", department="Caldas")
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    connection = db.session.connection()
    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        job_places(db_session=db.session, job=job)
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
    assert len(statements) == 1 and "GROUP BY" in statements[0]
    columns = set(re.findall(r"candidates\.(\w+)", statements[0]))
    assert columns == {"city", "marketing_consent", "area"}
