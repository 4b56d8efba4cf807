"""The fit's tallies computed by the database, on PostgreSQL and SQLite, with real memberships."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.factories import make_active_segment, make_segmented_run
from tests.integration.targeting.devops import SALES, TECH, developer, devops_job

from adflux.errors import NotFound
from adflux.extensions import db
from adflux.segmentation.models import SegmentationRun
from adflux.targeting import service
from adflux.targeting.fit import MemberTally


def _world():
    return make_segmented_run(
        {
            "Desarrolladores · Eje cafetero": [
                developer(),
                developer(city="Pereira", remote_preference="remoto"),  # ~35 km away: near
                developer(education_level="tecnologo", remote_preference="hibrido"),
                developer(city="Bogotá", years_experience=1.0, desired_salary_cop=9_000_000),
                developer(marketing_consent=False),  # not reachable: never counted
                developer(marketing_consent=False),
            ],
            "Vendedores · Manizales": [
                {"area": SALES, "city": "Manizales", "years_experience": 7.0},
                {"area": SALES, "city": "Manizales", "years_experience": None,
                 "desired_salary_cop": None, "education_level": "bachiller"},
                {"area": TECH, "city": "Medellín", "years_experience": 3.0},
            ],
            "Sin consentimiento": [developer(marketing_consent=False)],
        }
    )  # fmt: skip


def test_tallies_count_only_consenting_members_per_criterion(any_app):
    devs, sales, silent = _world()
    job = devops_job()
    tallies = service.member_tallies(db_session=db.session, terms=service.terms_of(job))
    by_segment = {t.segment_id: t for t in tallies}
    assert silent.id not in by_segment  # no consenting member: no row
    assert by_segment[devs.id] == MemberTally(
        devs.id, members=4, area=4, place=3, area_place=3, experience=3, salary=3, education=3
    )
    # unknown experience and salary are neutral: counted as suiting
    assert by_segment[sales.id] == MemberTally(
        sales.id, members=3, area=1, place=2, area_place=0, experience=2, salary=3, education=2
    )


def test_a_remote_job_weighs_everyone_by_their_inclination(any_app):
    devs, _sales, _silent = _world()
    job = devops_job(remote_mode="remoto", city="Bogotá", department="Bogotá, D.C.")
    tallies = service.member_tallies(db_session=db.session, terms=service.terms_of(job))
    dev = next(t for t in tallies if t.segment_id == devs.id)
    # presencial 0.4 + remoto 1 + hibrido 0.75 + presencial 0.4, wherever they live
    assert dev.place == pytest.approx(2.55)
    assert dev.area_place == pytest.approx(2.55)


def test_segments_are_ranked_best_first_with_reasons(any_app):
    devs, sales, silent = _world()
    job = devops_job()
    ranked = service.rank_segments(db_session=db.session, job_id=job.id)
    assert [f.segment_id for f in ranked] == [devs.id, sales.id, silent.id]
    best = ranked[0]
    assert best.fits and best.reach == 4 and 0 < best.score <= 1
    assert [r.message.render("es") for r in best.reasons[:2]] == [
        "100 % trabaja en tecnología y desarrollo de software",
        "75 % vive en Manizales o a menos de 60 km",
    ]
    assert not ranked[1].fits and ranked[1].score == 0.0
    assert (ranked[2].reach, ranked[2].fits) == (0, False)
    audience = service.job_audience(db_session=db.session, job_id=job.id)
    assert audience.no_fit_reason is None


def test_a_job_no_segment_suits_says_so(any_app):
    _world()
    job = devops_job(area="Salud", title="Enfermera jefe")
    audience = service.job_audience(db_session=db.session, job_id=job.id)
    assert not any(f.fits for f in audience.segments)
    assert audience.no_fit_reason is not None
    assert audience.no_fit_reason.message.render("en").startswith(
        "No segment gathers candidates in health"
    )


def test_without_an_active_run_there_is_nothing_to_rank(any_app):
    job = devops_job()
    audience = service.job_audience(db_session=db.session, job_id=job.id)
    assert audience.segments == []
    assert audience.no_fit_reason is not None and audience.no_fit_reason.code == "no_segments"


def test_only_the_active_run_counts(any_app):
    old = make_active_segment(city="Manizales", size=2, consents=(True, True), area=TECH)
    db.session.execute(sa.update(SegmentationRun).values(is_active=False))
    devs, _sales, _silent = _world()
    job = devops_job()
    ids = {f.segment_id for f in service.rank_segments(db_session=db.session, job_id=job.id)}
    assert old.id not in ids and devs.id in ids


def test_unknown_job_is_not_found(any_app):
    with pytest.raises(NotFound, match="job 999999 does not exist"):
        service.rank_segments(db_session=db.session, job_id=999_999)


@pytest.mark.postgres
def test_query_count_does_not_grow_with_segments(app):
    job = devops_job()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def count_for(n_segments: int) -> int:
        db.session.execute(sa.update(SegmentationRun).values(is_active=False))
        make_segmented_run(
            {f"Segmento {i}": [developer(), developer(city="Cali")] for i in range(n_segments)}
        )
        statements.clear()
        ranked = service.rank_segments(db_session=db.session, job_id=job.id)
        assert len(ranked) == n_segments
        return len(statements)

    connection = db.session.connection()
    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        db.session.expire_all()  # the job is read again, as in a request
        few = count_for(2)
        db.session.expire_all()
        many = count_for(12)
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
    assert few == many <= 3
