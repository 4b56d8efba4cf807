"""The segments recommended for a job and the warnings about chosen ones, on PostgreSQL and
SQLite, from hand-made segments with real memberships."""

from __future__ import annotations

import pytest
from tests.factories import make_job, make_segmented_run
from tests.integration.targeting.devops import SALES, TECH

from adflux.errors import NotFound
from adflux.extensions import db
from adflux.targeting import service


def _people(n: int, **traits):
    return [{"years_experience": 6.0, "remote_preference": "presencial", **traits}] * n


def _devops_job(**overrides):
    job = {
        "title": "Ingeniero DevOps",
        "area": TECH,
        "city": "Bogotá",
        "department": "Bogotá, D.C.",
        "remote_mode": "presencial",
        "seniority": "senior",
        "salary_min_cop": None,
        "salary_max_cop": None,
        "description": "Kubernetes, Terraform y AWS.",
    }
    job.update(overrides)
    return make_job(**job)


def _world():
    """Five segments of the active run for a DevOps job in Bogotá, from best to worst fit."""
    return make_segmented_run(
        {
            "Desarrolladores · Bogotá": _people(4, area=TECH, city="Bogotá"),
            "Desarrolladores · Soacha": _people(3, area=TECH, city="Soacha")  # ~20 km: near
            + _people(1, area=SALES, city="Soacha"),
            "Desarrolladores mixtos": _people(2, area=TECH, city="Bogotá")
            + _people(2, area=TECH, city="Cali"),
            "Desarrolladores · Chía": _people(1, area=TECH, city="Chía")
            + _people(2, area=SALES, city="Chía"),
            # 1 in 25 works in technology: the example of the issue.
            "Ventas · Bogotá": _people(1, area=TECH, city="Bogotá")
            + _people(24, area=SALES, city="Bogotá"),
        }
    )


def test_the_recommendation_is_the_fitting_segments_best_first_at_most_three(any_app):
    best, second, third, fourth, sales = _world()
    audience = service.job_audience(db_session=db.session, job_id=_devops_job().id)
    assert [f.segment_id for f in audience.segments] == [
        best.id,
        second.id,
        third.id,
        fourth.id,
        sales.id,
    ]
    assert [f.fits for f in audience.segments] == [True, True, True, True, False]

    assert service.recommended_segment_ids(audience) == [best.id, second.id, third.id]
    assert service.recommended_segment_ids(audience, limit=1) == [best.id]
    assert service.recommended_segment_ids(audience, limit=10) == [
        best.id,
        second.id,
        third.id,
        fourth.id,
    ]
    assert service.no_fit_warning(audience) is None


def test_age_proxy_segments_are_never_recommended(any_app):
    best, second, third, fourth, _sales = _world()
    best.profile = {"age_proxy": {"warning": True}}
    third.profile = {"age_proxy": {"warning": False}}  # measured, not flagged
    db.session.flush()
    audience = service.job_audience(db_session=db.session, job_id=_devops_job().id)
    assert audience.age_proxy_segment_ids == {best.id}
    assert service.recommended_segment_ids(audience) == [second.id, third.id, fourth.id]


def test_when_every_fitting_segment_is_an_age_proxy_the_warning_names_them(any_app):
    (only,) = make_segmented_run(
        {"Recién egresados · Bogotá": _people(3, area=TECH, city="Bogotá")}
    )
    only.profile = {"age_proxy": {"warning": True}}
    db.session.flush()
    audience = service.job_audience(db_session=db.session, job_id=_devops_job().id)
    assert audience.no_fit_reason is None  # it fits...
    assert service.recommended_segment_ids(audience) == []  # ...but is not chosen on its own
    warning = service.no_fit_warning(audience)
    assert warning is not None and (warning.rule, warning.field) == (
        "no_segment_fits",
        "segment_ids",
    )
    assert warning.message.render("es") == (
        "Sin segmento recomendado: los segmentos que encajan («Recién egresados · Bogotá») se "
        "explican en gran parte por la edad y no se eligen sin que un operador confirme que la "
        "oferta es para todas las edades; la campaña se dirige a la ciudad, el área y las "
        "habilidades de la vacante."
    )


def test_when_no_segment_fits_the_warning_says_why(any_app):
    _world()
    audience = service.job_audience(
        db_session=db.session, job_id=_devops_job(area="Salud", title="Enfermera jefe").id
    )
    assert service.recommended_segment_ids(audience) == []
    warning = service.no_fit_warning(audience)
    assert warning is not None and warning.rule == "no_segment_fits"
    assert warning.message.render("es").startswith(
        "Sin segmento recomendado: ningún segmento reúne candidatos de salud (el mejor: 0 %); "
    )
    assert warning.message.render("en").startswith(
        "No segment recommended: no segment gathers candidates in health (the best: 0 %); "
    )


def test_without_an_active_run_the_warning_says_to_train_one(any_app):
    audience = service.job_audience(db_session=db.session, job_id=_devops_job().id)
    warning = service.no_fit_warning(audience)
    assert warning is not None
    assert warning.message.render("es").startswith(
        "Sin segmento recomendado: no hay segmentos activos: entrene una segmentación primero; "
    )


def test_a_chosen_segment_that_fits_poorly_is_warned_about_with_its_score_and_why(any_app):
    best, _second, _third, _fourth, sales = _world()
    job = _devops_job()

    found = service.fit_warnings(
        db_session=db.session, job_id=job.id, segment_ids=[sales.id, best.id]
    )

    assert [(w.rule, w.field) for w in found] == [("segment_low_fit", "segment_ids")]
    (warning,) = found
    # core 1/25 = 0.04 (in the trade and in Bogotá) x (0.5 + 0.5 x experience 1.0) = 0.04
    assert warning.message.render("es") == (
        "El segmento «Ventas · Bogotá» encaja poco con este empleo (afinidad 0,04 de 1; se "
        "recomienda desde 0,20): 4 % trabaja en tecnología y desarrollo de software"
    )
    assert warning.message.render("en") == (
        "Segment «Ventas · Bogotá» fits this job poorly (fit 0.04 of 1; recommended from "
        "0.20): 4 % work in technology and software development"
    )


def test_the_reason_given_is_the_weaker_of_trade_and_place(any_app):
    (far,) = make_segmented_run({"Desarrolladores · Cali": _people(3, area=TECH, city="Cali")})
    job = _devops_job()
    (warning,) = service.fit_warnings(db_session=db.session, job_id=job.id, segment_ids=[far.id])
    # All of them in the trade, none near: the place is what keeps them out.
    assert warning.message.render("es").endswith(": 0 % vive en Bogotá o a menos de 60 km")


def test_a_segment_without_consenting_members_says_so(any_app):
    (silent,) = make_segmented_run(
        {"Sin consentimiento": _people(2, area=TECH, city="Bogotá", marketing_consent=False)}
    )
    job = _devops_job()
    (warning,) = service.fit_warnings(db_session=db.session, job_id=job.id, segment_ids=[silent.id])
    assert warning.message.render("es").endswith(
        "(afinidad 0,00 de 1; se recomienda desde 0,20): ningún miembro del segmento aceptó "
        "recibir publicidad"
    )


def test_fitting_or_no_segments_give_no_warning_and_an_unknown_job_is_not_found(any_app):
    best, second, *_ = _world()
    job = _devops_job()
    assert (
        service.fit_warnings(db_session=db.session, job_id=job.id, segment_ids=[best.id, second.id])
        == []
    )
    assert service.fit_warnings(db_session=db.session, job_id=job.id, segment_ids=[]) == []
    with pytest.raises(NotFound):
        service.fit_warnings(db_session=db.session, job_id=999_999, segment_ids=[best.id])
