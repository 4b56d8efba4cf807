"""A job's own audience ranked by the database, person by person, on PostgreSQL and SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.factories import make_candidate
from tests.integration.targeting.devops import SALES, developer, devops_job

from adflux.errors import NotFound
from adflux.extensions import db
from adflux.targeting import people


def dev(**overrides) -> int:
    return make_candidate(**developer(**overrides)).id


def ranked_ids(job_id: int, limit: int = 100) -> list[int]:
    fits = people.rank_candidates(db_session=db.session, job_id=job_id, limit=limit)
    return [f.candidate_id for f in fits]


def test_consenting_people_of_the_area_near_the_job_come_best_first(any_app):
    everything = dev()
    pereira = dev(city="Pereira")  # about 35 km away: near
    junior = dev(years_experience=1.0)
    dear = dev(desired_salary_cop=12_000_000, education_level="tecnologo")
    silent = dev(marketing_consent=False)
    far = dev(city="Bogotá")
    seller = dev(area=SALES)
    job = devops_job()

    fits = people.rank_candidates(db_session=db.session, job_id=job.id, limit=100)

    assert [f.candidate_id for f in fits] == [everything, pereira, junior, dear]
    assert {silent, far, seller}.isdisjoint(f.candidate_id for f in fits)
    # Secondary criteria move the score by at most half, as for a segment: 1, 0.8, 0.5 + ...
    assert [f.score for f in fits] == [1.0, 1.0, 0.8, 0.7]


def test_ties_are_broken_by_id_and_the_limit_is_kept(any_app):
    ids = [dev() for _ in range(5)]
    job = devops_job()
    assert ranked_ids(job.id, limit=3) == ids[:3]
    assert ranked_ids(job.id, limit=0) == []


def test_a_remote_job_ranks_everyone_in_the_area_by_their_inclination(any_app):
    on_site = dev(city="Pasto", remote_preference="presencial")
    remote = dev(city="Leticia", remote_preference="remoto")
    hybrid = dev(city="Cali", remote_preference="hibrido")
    job = devops_job(remote_mode="remoto", city="Bogotá", department="Bogotá, D.C.")
    fits = people.rank_candidates(db_session=db.session, job_id=job.id, limit=10)
    assert [f.candidate_id for f in fits] == [remote, hybrid, on_site]
    assert [f.score for f in fits] == [1.0, 0.75, 0.4]


def test_an_unknown_job_is_not_found(any_app):
    with pytest.raises(NotFound, match="job 999999 does not exist"):
        people.rank_candidates(db_session=db.session, job_id=999_999, limit=10)
    with pytest.raises(NotFound):
        people.job_audience_preview(db_session=db.session, job_id=999_999, size=100)


def test_the_preview_says_how_many_fit_and_why(any_app):
    for _ in range(3):
        dev()
    dev(city="Pereira", years_experience=1.0)
    dev(area=SALES)
    job = devops_job()
    audience = people.job_audience_preview(db_session=db.session, job_id=job.id, size=1000)
    assert (audience.size_requested, audience.reach) == (1000, 4)
    assert audience.mean_score == pytest.approx((3 * 1.0 + 0.8) / 4)
    assert [r.message.render("es") for r in audience.reasons[:3]] == [
        "100 % trabaja en tecnología y desarrollo de software",
        "100 % vive en Manizales o a menos de 60 km",
        "100 % aspira a un salario que la oferta cubre",
    ]
    # Four reasons at most, the best-met secondary ones first (as for a segment).
    assert [r.code for r in audience.reasons] == ["area", "place", "salary", "education"]
    assert audience.age_warning is None


def test_a_job_nobody_fits_reaches_no_one_and_says_so(any_app):
    dev(area=SALES)
    job = devops_job(area="Salud")
    audience = people.job_audience_preview(db_session=db.session, job_id=job.id, size=100)
    assert (audience.reach, audience.mean_score) == (0, 0.0)
    assert (
        audience.reasons[0].message.render("es").startswith("Ningún candidato que aceptó recibir")
    )


def test_an_audience_that_age_alone_sets_apart_is_warned_about(any_app):
    # The people who fit are all in their twenties; every other consenting candidate is older.
    for years in range(20, 30):
        dev(age=years)
    for years in range(40, 60):
        dev(area=SALES, age=years)
    job = devops_job()
    audience = people.job_audience_preview(db_session=db.session, job_id=job.id, size=1000)
    warning = audience.age_warning
    assert warning is not None
    assert (warning.rule, warning.field) == ("job_audience_age_skew", "job_audience_size")
    assert "más jóvenes" in warning.message.render("es") and "younger" in warning.message.render(
        "en"
    )
    assert "Ley 931 de 2004" in warning.message.render("es")


def test_an_audience_of_every_age_is_not_warned_about(any_app):
    for years in range(20, 60, 2):
        dev(age=years)
        dev(area=SALES, age=years + 1)
    job = devops_job()
    audience = people.job_audience_preview(db_session=db.session, job_id=job.id, size=1000)
    assert audience.reach == 20 and audience.age_warning is None


@pytest.mark.postgres
def test_the_statements_do_not_grow_with_the_candidates(app):
    job = devops_job()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def count_for(more: int) -> int:
        for _ in range(more):
            dev()
        db.session.expire_all()  # the job is read again, as in a request
        statements.clear()
        people.rank_candidates(db_session=db.session, job_id=job.id, limit=1000)
        people.job_audience_preview(db_session=db.session, job_id=job.id, size=1000)
        return len(statements)

    connection = db.session.connection()
    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        few = count_for(2)
        many = count_for(40)
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
    # rank: the job, the ranking; preview: the job, the aggregate, two age histograms.
    assert few == many <= 6
