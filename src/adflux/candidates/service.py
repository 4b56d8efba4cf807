"""Use cases for candidates: register, correct, withdraw consent, erase (Ley 1581 de 2012)."""

from __future__ import annotations

import functools
import unicodedata
import uuid
from typing import Any

import sqlalchemy as sa

from adflux.audiences import service as audiences
from adflux.audit import service as audit
from adflux.background.dispatch import send_task
from adflux.candidates.models import Candidate
from adflux.db import DbSession, write_or_recheck
from adflux.errors import Conflict, NotFound
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Message
from adflux.pagination import Page, paginate
from adflux.results import applications
from adflux.segmentation import assignment
from adflux.segmentation.models import SegmentMembership

# What a platform audience matched the candidate on: a change removes the old hashes.
_AUDIENCE_IDENTIFIERS = ("email", "phone")


def normalize_email(raw: str) -> str:
    """The stored form of an email: surrounding whitespace trimmed, the whole address lower-cased.

    The domain is case-insensitive by definition (RFC 5321 §2.4). The local part is lower-cased
    too: every ad platform lower-cases the whole address before matching, and mailbox providers
    treat it case-insensitively, so "ANA@x.co" and "ana@x.co" are one person to everything AdFlux
    talks to and must be one candidate. Dots and "+tags" are kept: dropping them is Gmail's rule
    only, and elsewhere "ana.perez" and "anaperez" are two people. NFC makes "é" one code point
    whichever way it was typed.
    """
    return unicodedata.normalize("NFC", raw).strip().lower()


def candidates_query(
    *,
    city: str | None = None,
    area: str | None = None,
    segment_id: int | None = None,
    consenting: bool | None = None,
) -> sa.Select[tuple[Candidate]]:
    """Candidates matching every filter given, in id order (the list's and the export's)."""
    filters = _given(city=city, area=area, segment_id=segment_id, consenting=consenting)
    return _filtered(frozenset(filters), rows=False).params(filters)


def list_candidates(
    *,
    db_session: DbSession,
    limit: int,
    offset: int = 0,
    city: str | None = None,
    area: str | None = None,
    segment_id: int | None = None,
    consenting: bool | None = None,
) -> Page[sa.Row[Any]]:
    """A page of candidates as read-only rows (every column by attribute), by id."""
    filters = _given(city=city, area=area, segment_id=segment_id, consenting=consenting)
    query = _filtered(frozenset(filters), rows=True)
    return paginate(db_session, query, limit=limit, offset=offset, params=filters, as_rows=True)


def _given(**filters: Any) -> dict[str, Any]:
    # An empty city or area filters nothing; consenting=False does.
    return {k: v for k, v in filters.items() if v is not None and v != ""}


@functools.cache
def _filtered(filters: frozenset[str], *, rows: bool) -> sa.Select[Any]:
    """The candidates of the filters named, their values as parameters, as entities or (`rows`)
    as every column: one statement per combination, built once (see `paginate`)."""
    query = sa.select(Candidate).order_by(Candidate.id)
    for name in ("city", "area"):
        if name in filters:
            query = query.where(getattr(Candidate, name) == sa.bindparam(name))
    if "consenting" in filters:
        query = query.where(Candidate.marketing_consent == sa.bindparam("consenting"))
    if "segment_id" in filters:
        members = sa.select(SegmentMembership.candidate_id).where(
            SegmentMembership.segment_id == sa.bindparam("segment_id")
        )
        query = query.where(Candidate.id.in_(members))
    return query.with_only_columns(*Candidate.__table__.columns) if rows else query


def get_candidate(*, db_session: DbSession, candidate_id: int) -> Candidate | None:
    return db_session.get(Candidate, candidate_id)


def get_candidate_or_404(*, db_session: DbSession, candidate_id: int) -> Candidate:
    candidate = get_candidate(db_session=db_session, candidate_id=candidate_id)
    if candidate is None:
        raise NotFound("candidate %(candidate_id)s does not exist", candidate_id=candidate_id)
    return candidate


def _check_unique(
    db_session: DbSession,
    *,
    email: str | None = None,
    external_ref: str | None = None,
    other_than: int | None = None,
) -> None:
    """Raise Conflict naming each unique field another candidate already holds."""
    taken: dict[str, list[str | Message]] = {}
    for name, column, value in (
        ("external_ref", Candidate.external_ref, external_ref),
        ("email", Candidate.email, email),
    ):
        if value is None:
            continue
        query = sa.select(Candidate.id).where(column == value)
        if other_than is not None:
            query = query.where(Candidate.id != other_than)
        if db_session.scalar(query.limit(1)) is not None:
            taken[name] = [N_("already exists")]
    if taken:
        raise Conflict(
            "a candidate with this %(names)s already exists",
            fields=taken,
            names=Choices("field", list(taken)),
        )


def create_candidate(*, db_session: DbSession, data: dict[str, Any]) -> Candidate:
    fields = dict(data)
    fields.setdefault("external_ref", f"cand-{uuid.uuid4().hex[:16]}")
    fields["email"] = normalize_email(fields["email"])
    _check_unique(db_session, email=fields["email"], external_ref=fields["external_ref"])

    def insert() -> Candidate:
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

    # Two requests can both pass the check: the unique index stops the second, which then gets
    # the same 409 as a sequential request.
    return write_or_recheck(
        db_session,
        insert,
        recheck=lambda: _check_unique(
            db_session, email=fields["email"], external_ref=fields["external_ref"]
        ),
    )


def update_candidate(
    *, db_session: DbSession, candidate_id: int, changes: dict[str, Any]
) -> Candidate:
    """Correct a candidate's data or consent. Withdrawing consent, or changing the email or phone
    an audience matched, removes the old hashes from every platform audience (see audiences/)."""
    candidate = get_candidate_or_404(db_session=db_session, candidate_id=candidate_id)
    changes = dict(changes)
    changes.pop("external_ref", None)  # the source system's key is not editable
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
        _check_unique(db_session, email=changes["email"], other_than=candidate.id)
    changed = sorted(k for k, v in changes.items() if getattr(candidate, k) != v)
    withdrawn = candidate.marketing_consent and changes.get("marketing_consent") is False
    readdress = candidate.marketing_consent and any(k in changed for k in _AUDIENCE_IDENTIFIERS)
    queued: list[str] = []
    if withdrawn or readdress:
        # Before the change: the hashes to remove are those of the address the platforms hold.
        queued = audiences.queue_candidate_removal(
            db_session=db_session, candidate=candidate, forget=False
        )

    def write() -> None:
        for name in changed:
            setattr(candidate, name, changes[name])
        if changed:
            audit.record(
                db_session=db_session,
                action="candidate.consent_withdrawn" if withdrawn else "candidate.update",
                entity_type="candidate",
                entity_id=candidate.id,
                # Field names only: the values are personal data.
                details={"fields": changed, "audiences_to_remove_from": queued},
            )
        db_session.commit()

    write_or_recheck(
        db_session,
        write,
        recheck=lambda: _check_unique(
            db_session, email=changes.get("email"), other_than=candidate.id
        ),
    )
    if queued:
        send_task(audiences.REMOVAL_TASK)  # after the commit; the scheduled refresh is the net
    return candidate


def delete_candidate(*, db_session: DbSession, candidate_id: int) -> None:
    """Erase a candidate on request (Ley 1581 de 2012, art. 8 e): the row, its segment memberships,
    who they are on their applications (which keep counting), and, once each platform has
    accepted the removal, the hashes sent to its audiences."""
    candidate = get_candidate_or_404(db_session=db_session, candidate_id=candidate_id)
    queued = audiences.queue_candidate_removal(
        db_session=db_session, candidate=candidate, forget=True
    )
    # Explicit: SQLite does not enforce the foreign keys' ON DELETE actions.
    db_session.execute(
        sa.delete(SegmentMembership).where(SegmentMembership.candidate_id == candidate.id)
    )
    applications.forget_candidate(db_session=db_session, candidate=candidate)
    db_session.delete(candidate)
    audit.record(
        db_session=db_session,
        action="candidate.delete",
        entity_type="candidate",
        entity_id=candidate_id,
        details={"audiences_to_remove_from": queued},
    )
    db_session.commit()
    if queued:
        send_task(audiences.REMOVAL_TASK)
