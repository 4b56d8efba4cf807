"""No peeking, tried at run time: the generator's planted `persona` label changes nothing AdFlux
decides about a job's audience. The static scan (tests/unit/targeting/test_targeting_no_peeking.py)
shows the deciding packages never name it; this shows that rewriting it, or erasing it, leaves
every recommendation, place, keyword, ranked person and default aim exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from tests.factories import make_candidate, make_job, make_segmented_run
from tests.integration.targeting.devops import TECH

from adflux.campaigns import service as campaigns
from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.targeting import people
from adflux.targeting import service as targeting

HEALTH = "Salud"


def _members(n: int, persona: str, **traits: Any) -> list[dict[str, Any]]:
    return [{"persona": persona, "remote_preference": "presencial", **traits} for _ in range(n)]


def _everything_aiming_decides(job_id: int) -> dict[str, Any]:
    audience = targeting.job_audience(db_session=db.session, job_id=job_id)
    aimed = campaigns.aim(db_session=db.session, job_id=job_id, segment_ids=[])
    return {
        "segments": [
            (f.segment_id, f.score, f.reach, f.fits, f.reasons) for f in audience.segments
        ],
        "recommended": targeting.recommended_segment_ids(audience),
        "places": audience.places,
        "keywords": audience.keywords,
        "people": people.rank_candidates(db_session=db.session, job_id=job_id, limit=50),
        "preview": people.job_audience_preview(db_session=db.session, job_id=job_id, size=100),
        "aim": ([s.id for s in aimed.segments], aimed.job_audience_size, aimed.fit_warnings),
    }


@pytest.mark.parametrize("job_city", ["Manizales", "Bogotá"])
def test_rewriting_or_erasing_the_planted_persona_changes_no_decision(any_app, job_city):
    make_segmented_run(
        {
            # Labels that line up with the segments, as the generator's do: a peek would pay off.
            "Desarrolladores · Eje cafetero": [
                *_members(6, "dev_backend", area=TECH, city="Manizales"),
                *_members(3, "dev_backend", area=TECH, city="Pereira"),
                *_members(2, "dev_backend", area=HEALTH, city="Manizales"),
            ],
            "Salud · Bogotá": [
                *_members(7, "nurse", area=HEALTH, city="Bogotá"),
                *_members(2, "nurse", area=TECH, city="Bogotá"),
            ],
        }
    )
    for n in range(5):  # people outside any segment, labelled too
        make_candidate(area=TECH, city=job_city, persona="dev_backend", years_experience=n)
    job = make_job(area=TECH, city=job_city, remote_mode="hibrido", seniority="semi_senior")
    db.session.commit()
    before = _everything_aiming_decides(job.id)
    assert before["segments"] and before["people"]  # there is something to decide

    ids = db.session.scalars(sa.select(Candidate.id).order_by(Candidate.id)).all()
    for n, candidate_id in enumerate(ids):  # every label swapped for another's
        persona = "nurse" if n % 2 else "dev_backend"
        db.session.execute(
            sa.update(Candidate).where(Candidate.id == candidate_id).values(persona=persona)
        )
    db.session.commit()
    db.session.expire_all()
    assert _everything_aiming_decides(job.id) == before

    db.session.execute(sa.update(Candidate).values(persona=None))
    db.session.commit()
    db.session.expire_all()
    assert _everything_aiming_decides(job.id) == before
