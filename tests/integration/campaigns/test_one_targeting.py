"""The dashboard's preview shows the targeting the publishing task sends: one function builds both
(`targeting.aim.campaign_targeting`), here through the campaign service and the task."""

from __future__ import annotations

import dataclasses

from tests.factories import make_candidate, make_job, make_segmented_run

from adflux.campaigns import publishing, service
from adflux.extensions import db
from adflux.platforms.registry import PlatformInfo
from adflux.web.preview import campaign_preview

ADMIN = "Administración y oficina"
TECH = "Tecnología y desarrollo de software"


def test_the_preview_and_the_published_ad_aim_the_same_way(platforms, dispatcher):
    # The demo's case: the active segments are of other trades and live in other cities.
    health, devs = make_segmented_run(
        {
            "Profesionales de la salud · Bogotá": [
                {"area": "Salud", "city": "Bogotá"},
                {"area": "Salud", "city": "Medellín"},
            ],
            "Desarrolladores · Medellín": [{"area": TECH, "city": "Medellín"}],
        }
    )
    health.profile = {
        "top_cities": [{"value": "Bogotá"}, {"value": "Medellín"}],
        "top_areas": [{"value": "Salud"}],
        "top_skills": [{"value": "Soporte vital básico"}, {"value": "Bioseguridad"}],
    }
    devs.profile = {
        "top_cities": [{"value": "Medellín"}],
        "top_areas": [{"value": TECH}],
        "top_skills": [{"value": "Python"}, {"value": "Linux"}],
    }
    for city in ("Cali", "Cali", "Palmira", "Bogotá"):
        make_candidate(city=city, area=ADMIN)
    job = make_job(
        title="Asistente administrativo",
        area=ADMIN,
        city="Cali",
        department="Valle del Cauca",
        remote_mode="hibrido",
        skills=["Excel", "Archivo"],
    )
    db.session.flush()

    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta"], segment_ids=[health.id, devs.id]
    )
    for _name, args, _countdown in dispatcher.take():
        outcome = publishing.attempt_publication(db_session=db.session, publication_id=args[0])
        assert outcome.state == "published", outcome.detail
    # One arm per segment, each its own tree aimed at its own segment's audience.
    published_arms = platforms.platforms["meta"].specs
    assert len(published_arms) == 2
    preview = campaign_preview(
        db_session=db.session,
        job=job,
        platforms=[PlatformInfo("meta", "Meta", configured=True, available=True, reason="")],
        segments=[health, devs],
        daily_budget_cop=campaign.daily_budget_cop,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
    )

    # The task adds each arm's segment's consenting audience it synced first; the rest is
    # identical (neither segment works in the job's area, so none adds keywords of its own).
    assert [len(p.targeting.custom_audience_ids) for p in published_arms] == [1, 1]
    assert {a for p in published_arms for a in p.targeting.custom_audience_ids} == set(
        platforms.platforms["meta"].audiences
    )
    for published in published_arms:
        assert dataclasses.replace(published.targeting, custom_audience_ids=()) == (
            preview.targeting
        )
    assert [place.name for place in preview.targeting.locations] == ["Cali", "Palmira"]
    assert preview.targeting.keywords == ("Asistente administrativo", "Excel", "Archivo", ADMIN)
    assert preview.checks[0].ok
