"""Use cases for candidates."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.errors import Conflict, NotFound
from adflux.pagination import Page, paginate
from adflux.segmentation import assignment
from adflux.segmentation.models import SegmentMembership


def list_candidates(
    *,
    db_session: DbSession,
    limit: int,
    offset: int = 0,
    city: str | None = None,
    area: str | None = None,
    segment_id: int | None = None,
    consenting: bool | None = None,
) -> Page[Candidate]:
    query = sa.select(Candidate).order_by(Candidate.id)
    if city:
        query = query.where(Candidate.city == city)
    if area:
        query = query.where(Candidate.area == area)
    if consenting is not None:
        query = query.where(Candidate.marketing_consent.is_(consenting))
    if segment_id is not None:
        members = sa.select(SegmentMembership.candidate_id).where(
            SegmentMembership.segment_id == segment_id
        )
        query = query.where(Candidate.id.in_(members))
    return paginate(db_session, query, limit=limit, offset=offset)


def get_candidate(*, db_session: DbSession, candidate_id: int) -> Candidate | None:
    return db_session.get(Candidate, candidate_id)


def get_candidate_or_404(*, db_session: DbSession, candidate_id: int) -> Candidate:
    candidate = get_candidate(db_session=db_session, candidate_id=candidate_id)
    if candidate is None:
        raise NotFound(f"candidate {candidate_id} does not exist")
    return candidate


def create_candidate(*, db_session: DbSession, data: dict[str, Any]) -> Candidate:
    fields = dict(data)
    fields.setdefault("external_ref", f"cand-{uuid.uuid4().hex[:16]}")
    taken = db_session.scalar(
        sa.select(Candidate.id).where(Candidate.external_ref == fields["external_ref"])
    )
    if taken is not None:
        raise Conflict(
            f"a candidate with external_ref {fields['external_ref']!r} already exists",
            fields={"external_ref": ["already exists"]},
        )
    candidate = Candidate(**fields)
    db_session.add(candidate)
    db_session.flush()
    # Its segment in the active run, in this same transaction (predicted by the run's model).
    assignment.assign_new_candidate(db_session=db_session, candidate=candidate)
    # Personal data stays out of the audit trail: the id is enough to find the row.
    audit.record(
        db_session=db_session,
        action="candidate.create",
        entity_type="candidate",
        entity_id=candidate.id,
    )
    db_session.commit()
    return candidate
