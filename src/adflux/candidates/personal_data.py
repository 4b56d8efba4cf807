"""Personal data only to those who need it (Ley 1581 de 2012: restricted access and circulation).

A candidate's name, e-mail and phone are masked in every answer (`p***@hotmail.com`,
`305 *** **14`). A reader sees them only when its token is granted personal data *and* it asks,
saying why: each such read, and each bulk export, leaves an audit entry naming who read which
candidates and for what purpose. Asking is explicit, not a side effect of holding the grant, so a
granted token paging through candidates sees them masked like everyone else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from adflux.audit import service as audit
from adflux.candidates.models import Candidate
from adflux.db import DbSession, as_dicts
from adflux.errors import Forbidden, ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message

PERSONAL_FIELDS = ("full_name", "email", "phone")
PURPOSE_MIN_LENGTH = 10
PURPOSE_MAX_LENGTH = 300
NOT_GRANTED = N_(
    "reading candidates' personal data needs a token granted it "
    "(an admin creates one with: adflux token create --personal-data …)"
)
# Export columns: what a recruiter contacting candidates needs, the consent that allows it.
EXPORT_COLUMNS = (
    "id",
    "external_ref",
    "full_name",
    "email",
    "phone",
    "city",
    "department",
    "area",
    "marketing_consent",
)
# An export's audit entry names its candidates by their ids up to this many; beyond it, by the
# filters and the highest id at the time (the same rows, as long as none is erased after).
_AUDITED_IDS_MAX = 1000


@dataclass(frozen=True)
class Reader:
    """Who asks to read personal data: a token's name and whether it is granted personal data."""

    name: str
    personal_data: bool


def mask_email(email: str) -> str:
    """`paula.gomez@hotmail.com` → `p***@hotmail.com`: the provider stays, the person does not."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


_NOT_DIGITS = re.compile(r"\D")


def mask_phone(phone: str | None) -> str | None:
    """`+57 305 123 4514` → `305 *** **14`: enough to tell two numbers apart, not to call."""
    if phone is None:
        return None
    digits = _NOT_DIGITS.sub("", phone)
    if len(digits) > 10 and digits.startswith("57"):
        digits = digits[2:]  # Colombia's country code: the example keeps the mobile prefix
    if len(digits) < 7:
        return "***"
    return f"{digits[:3]} *** **{digits[-2:]}"


def mask_name(full_name: str) -> str:
    """`Paula Andrea Gómez Ruiz` → `P. A. G. R.`: initials only."""
    return " ".join(f"{word[0]}." for word in full_name.split()) or "***"


# A candidate as one reader may see it: its stored columns by name, the personal ones masked
# unless revealed. A plain dict: the page serialiser reads 50 of them a page at dict speed, and
# templates read ``c.full_name`` from it as from an object.
CandidateView = dict[str, Any]


def view(candidate: Candidate | sa.Row[Any], *, revealed: bool) -> CandidateView:
    """``candidate`` as a reader sees it."""
    if isinstance(candidate, sa.Row):
        return _shown(candidate._asdict(), revealed=revealed)
    return _shown({name: getattr(candidate, name) for name in _COLUMNS}, revealed=revealed)


def _shown(columns: dict[str, Any], *, revealed: bool) -> CandidateView:
    """A candidate's ``columns``, their personal fields masked unless ``revealed``."""
    if not revealed:
        columns["full_name"] = mask_name(columns["full_name"])
        columns["email"] = mask_email(columns["email"])
        columns["phone"] = mask_phone(columns["phone"])
    columns["personal_data"] = "revealed" if revealed else "masked"
    return columns


_COLUMNS = tuple(column.key for column in Candidate.__table__.columns)


def masked(candidates: Sequence[Candidate | sa.Row[Any]]) -> list[CandidateView]:
    return _views(candidates, revealed=False)


def _views(candidates: Sequence[Candidate | sa.Row[Any]], *, revealed: bool) -> list[CandidateView]:
    if candidates and isinstance(candidates[0], sa.Row):  # a page of rows: their names read once
        rows: Sequence[sa.Row[Any]] = candidates  # type: ignore[assignment]
        return [_shown(columns, revealed=revealed) for columns in as_dicts(rows)]
    return [view(c, revealed=revealed) for c in candidates]


def check_purpose(purpose: str | None) -> str:
    """The reason a reader gives, required and meaningful (it is what the audit says)."""
    text = (purpose or "").strip()
    if not PURPOSE_MIN_LENGTH <= len(text) <= PURPOSE_MAX_LENGTH:
        rule = Message(
            "say why, in %(low)s to %(high)s characters",
            low=PURPOSE_MIN_LENGTH,
            high=PURPOSE_MAX_LENGTH,
        )
        raise ValidationFailed(
            "reading personal data needs a purpose: %(rule)s", fields={"purpose": [rule]}, rule=rule
        )
    return text


def _check_granted(reader: Reader) -> None:
    if not reader.personal_data:
        raise Forbidden(NOT_GRANTED)


def reveal(
    *,
    db_session: DbSession,
    reader: Reader,
    candidates: Sequence[Candidate | sa.Row[Any]],
    purpose: str | None,
) -> list[CandidateView]:
    """The candidates unmasked for a granted reader, after recording who read them and why."""
    _check_granted(reader)
    text = check_purpose(purpose)
    audit.record(
        db_session=db_session,
        action="candidate.personal_data_read",
        entity_type="candidate",
        entity_id=candidates[0].id if len(candidates) == 1 else None,
        details={"candidate_ids": [c.id for c in candidates], "purpose": text},
    )
    db_session.commit()
    return _views(candidates, revealed=True)


def export(
    *,
    db_session: DbSession,
    reader: Reader,
    query: sa.Select[tuple[Candidate]],
    filters: dict[str, Any],
    purpose: str | None,
) -> Iterator[dict[str, Any]]:
    """Every candidate ``query`` selects, unmasked, as rows of EXPORT_COLUMNS; the export is
    audited (who, which candidates, why) and committed before the first row is produced."""
    _check_granted(reader)
    text = check_purpose(purpose)
    matching = query.order_by(None).with_only_columns(Candidate.id).subquery()
    count, highest = db_session.execute(
        sa.select(sa.func.count(), sa.func.max(matching.c.id))
    ).one()
    which: dict[str, Any] = {"filters": filters, "count": int(count), "highest_id": highest}
    if count <= _AUDITED_IDS_MAX:
        which["candidate_ids"] = list(
            db_session.scalars(sa.select(matching.c.id).order_by(matching.c.id))
        )
    audit.record(
        db_session=db_session,
        action="candidate.personal_data_export",
        entity_type="candidate",
        entity_id=None,
        details={**which, "purpose": text},
    )
    db_session.commit()
    return _export_rows(db_session, query, highest)


def _export_rows(
    db_session: DbSession, query: sa.Select[tuple[Candidate]], highest: int | None
) -> Iterator[dict[str, Any]]:
    if highest is None:
        return
    # Only what the audit entry counted: a candidate registered meanwhile was not declared.
    bounded = query.where(Candidate.id <= highest).order_by(Candidate.id)
    columns = [getattr(Candidate, name) for name in EXPORT_COLUMNS]
    result = db_session.execute(
        bounded.with_only_columns(*columns).execution_options(yield_per=2000)
    )
    for row in result:
        yield dict(zip(EXPORT_COLUMNS, row, strict=True))
