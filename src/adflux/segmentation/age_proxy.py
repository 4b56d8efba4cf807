"""The age-proxy check of a group of consenting candidates that is not a segment (a job's own
audience): the same measure and threshold as a segment's (`profiles.group_auc`,
`profiles.separates`), over the database's age histogram instead of every row.

Aiming never reads ages (the fit must not use them); it hands its chosen group here and gets the
verdict back, so that ages are read only to warn about them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.segmentation import profiles


@dataclass(frozen=True, slots=True)
class GroupAgeCheck:
    """How well age alone tells the group from the other consenting candidates."""

    auc: float | None  # None: no one outside the group, or no one in it
    flagged: bool
    older: bool  # the group holds the older people (AUC above 0.5)


def group_age_check(*, db_session: DbSession, group_ids: sa.Select) -> GroupAgeCheck:
    """Compare the ages of the group (`group_ids` selects candidate ids) with those of every other
    consenting candidate: one GROUP BY over (age, in the group), whatever the number of people."""
    in_group = sa.case((Candidate.id.in_(group_ids), 1), else_=0)
    rows = db_session.execute(
        sa.select(Candidate.age, in_group, sa.func.count())
        .where(Candidate.marketing_consent.is_(True))
        .group_by(Candidate.age, in_group)
    ).all()
    counts = np.array([int(count) for _age, _member, count in rows], dtype=np.int64)
    # Expanded back to one value per person for the segments' own AUC (a few bytes each).
    values = np.repeat(np.array([float(age) for age, _m, _c in rows], dtype=float), counts)
    labels = np.repeat(np.array([int(member) for _a, member, _c in rows], dtype=np.int64), counts)
    auc = profiles.group_auc(values, labels) if len(values) else None
    return GroupAgeCheck(
        auc=auc, flagged=profiles.separates(auc), older=auc is not None and auc > 0.5
    )
