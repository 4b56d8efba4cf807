"""The market's world built from AdFlux's rows: every candidate, the open jobs only."""

from __future__ import annotations

from tests.factories import make_candidate, make_job

from adflux.datagen.world import world_from_database
from adflux.extensions import db
from adflux.jobs.models import JobStatus
from adflux.sandbox.market_world import parse_world


def test_the_world_holds_every_candidate_and_the_open_jobs(app):
    ana = make_candidate(years_experience=None, desired_salary_cop=None)
    luis = make_candidate(city="Cali", remote_preference="presencial")
    open_job = make_job()
    make_job(status=JobStatus.CLOSED.value)

    world = world_from_database(db.session)

    assert [p["ref"] for p in world["people"]] == [ana.external_ref, luis.external_ref]
    assert world["people"][1] | {"email": None} == {
        "ref": luis.external_ref,
        "email": None,
        "phone": "300 123 4567",
        "city": "Cali",
        "area": "Tecnología",
        "years_experience": 5.0,
        "desired_salary_cop": 6_000_000,
        "education_level": "profesional",
        "remote_preference": "presencial",
    }
    assert [j["ref"] for j in world["jobs"]] == [open_job.external_ref]
    # The sandbox takes it as it is: the shape both sides build to.
    parsed = parse_world(world)
    assert (
        parsed.people[1].email == luis.email
        and parsed.jobs[open_job.external_ref].area == "Tecnología"
    )
