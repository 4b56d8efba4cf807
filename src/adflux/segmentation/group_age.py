"""The age-proxy check of a group of consenting candidates that is not a segment (a job's own
audience): the same measure and threshold as a segment's (`profiles.group_auc`,
`profiles.separates`), over the database's age histogram instead of every row.

Aiming never reads ages (the fit must not use them); it hands its chosen group here and gets the
verdict back, so that ages are read only to warn about them.

Only age is checked, not years of experience as for a segment: experience is one of the job's own
criteria (its seniority), so the people chosen for a senior job are more experienced by design,
and that alone would flag nearly every job.
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
    threshold: float = profiles.AGE_PROXY_AUC  # flagged at this AUC or at 1 minus it


def group_age_check(*, db_session: DbSession, group_ids: sa.Select) -> GroupAgeCheck:
    """Compare the ages of the group (`group_ids` selects consenting candidates' ids) with those
    of every other consenting candidate: two GROUP BY age (everyone, the group), whatever the
    number of people; the rest is their difference."""
    consenting = Candidate.marketing_consent.is_(True)
    everyone = dict(
        db_session.execute(
            sa.select(Candidate.age, sa.func.count()).where(consenting).group_by(Candidate.age)
        ).all()
    )
    in_group = dict(
        db_session.execute(
            sa.select(Candidate.age, sa.func.count())
            .where(consenting, Candidate.id.in_(group_ids))
            .group_by(Candidate.age)
        ).all()
    )
    ages = sorted(everyone)
    members = np.array([int(in_group.get(age, 0)) for age in ages], dtype=np.int64)
    others = np.array([int(everyone[age]) for age in ages], dtype=np.int64) - members
    # Expanded back to one value per person for the segments' own AUC (a few bytes each).
    years = np.array(ages, dtype=float)
    values = np.concatenate([np.repeat(years, members), np.repeat(years, others)])
    labels = np.concatenate(
        [np.ones(int(members.sum()), dtype=np.int64), np.zeros(int(others.sum()), dtype=np.int64)]
    )
    auc = profiles.group_auc(values, labels) if len(values) else None
    return GroupAgeCheck(
        auc=auc, flagged=profiles.separates(auc), older=auc is not None and auc > 0.5
    )
