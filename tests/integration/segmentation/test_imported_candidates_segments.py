"""Candidates a file adds or changes are put in their segment of the active run, as the run's
model predicts it (segmentation.assignment.assign_candidates, called by the candidate import)."""

from __future__ import annotations

import io

import sqlalchemy as sa

from adflux.candidates import imports
from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.segmentation import assignment
from adflux.segmentation.models import SegmentMembership

HEADER = (
    "external_ref,full_name,email,age,city,department,education_level,years_experience,area,"
    "desired_salary_cop,remote_preference,languages,skills,marketing_consent\n"
)


def _import(text: str):
    return imports.import_candidates(
        db_session=db.session, stream=io.BytesIO(text.encode()), filename="c.csv"
    )


def _membership(run_id: int, ref: str) -> SegmentMembership | None:
    return db.session.scalar(
        sa.select(SegmentMembership)
        .join(Candidate, Candidate.id == SegmentMembership.candidate_id)
        .where(SegmentMembership.run_id == run_id, Candidate.external_ref == ref)
    )


def _assert_assigned_as_predicted(run_id: int, ref: str) -> None:
    """The stored membership is what the model predicts for the candidate as stored now."""
    membership = _membership(run_id, ref)
    assert membership is not None, ref
    stored = membership.segment_id
    db.session.delete(membership)
    db.session.flush()
    predicted = assignment.segment_of_candidate(
        db_session=db.session, candidate_id=membership.candidate_id
    )
    assert predicted.source == "predicted"
    assert predicted.segment.id == stored, ref
    db.session.rollback()  # the membership back


def test_new_and_changed_candidates_get_the_segment_the_model_predicts(seeded, train):
    run = train()
    rows = [
        "IMP-1,Ana Ruiz,ana.ruiz@x.co,24,Bogotá,Cundinamarca,tecnologo,1,Tecnología,3000000,"
        "remoto,es|en,python|sql,si",
        "IMP-2,Luis Mora,luis.mora@x.co,52,Barranquilla,Atlántico,bachiller,25,Logística,"
        "1800000,presencial,es,montacargas,no",
    ]

    record = _import(HEADER + "\n".join(rows) + "\n")

    assert record.added == 2
    _assert_assigned_as_predicted(run.id, "IMP-1")
    _assert_assigned_as_predicted(run.id, "IMP-2")

    changed = rows[1].replace(",52,", ",23,").replace(",25,", ",0,")
    changed = changed.replace("Logística", "Tecnología").replace("bachiller", "profesional")
    again = _import(HEADER + rows[0] + "\n" + changed + "\n")

    assert (again.added, again.updated, again.unchanged) == (0, 1, 1)
    _assert_assigned_as_predicted(run.id, "IMP-2")  # re-assigned for its new profile
