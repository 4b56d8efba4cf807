"""Changing what the platforms hold for a campaign's arms: the desired state, and its pushing.

Declarative, like publishing: a change writes the arm's desired state (here: its daily budget)
and bumps its `revision`; after the caller commits, `dispatch_changes` queues one task per arm,
which pushes the whole desired state with `PlatformAdapter.update` and records
`applied_revision`. Pushing twice is harmless, so a worker killed half-way is simply run again,
and a decision committed before the crash is never lost: the relay re-sends what is due.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from adflux.background.dispatch import send_each
from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.models import BUDGET, PlatformPublication, PublicationStatus
from adflux.db import DbSession, utcnow
from adflux.errors import ValidationFailed

CHANGE_TASK = "adflux.apply_publication_change"


def set_arm_budgets(db_session: DbSession, budgets: Mapping[int, int]) -> list[int]:
    """Set the daily budget of each arm (publication id -> COP) and mark the changed ones for
    pushing; returns the ids whose budget changed. Does not commit: the caller commits this with
    its own record of why (an allocation run, a recruiter's edit), all or nothing.

    Refuses (nothing changed) a budget under the arm's platform minimum or an arm that ended."""
    if not budgets:
        return []
    arms = db_session.scalars(
        sa.select(PlatformPublication)
        .where(PlatformPublication.id.in_(list(budgets)))
        .with_for_update()
    ).all()
    found = {arm.id: arm for arm in arms}
    problems: dict[str, list[str]] = {}
    for arm_id, budget in budgets.items():
        arm = found.get(arm_id)
        if arm is None:
            problems[f"arms.{arm_id}"] = ["unknown arm"]
        elif arm.status == PublicationStatus.ENDED:
            problems[f"arms.{arm_id}"] = ["the arm has ended"]
        elif type(budget) is not int or budget < MIN_DAILY_BUDGET_COP.get(arm.platform, 1):
            minimum = MIN_DAILY_BUDGET_COP.get(arm.platform, 1)
            problems[f"arms.{arm_id}"] = [f"{arm.platform} needs at least {minimum:,} COP per day"]
    if problems:
        raise ValidationFailed("arm budgets refused", fields=problems)
    changed = []
    for arm_id, budget in budgets.items():
        arm = found[arm_id]
        if arm.daily_budget_cop != budget:
            arm.daily_budget_cop = budget
            arm.mark_changed(BUDGET)
            changed.append(arm_id)
    return changed


def dispatch_changes(db_session: DbSession, publication_ids: Sequence[int]) -> list[int]:
    """After commit: queue the push of each arm's pending change; returns the ids queued. An arm
    the broker refused is made due at once, so the relay sends it when the broker is back."""
    queued, refused = send_each(CHANGE_TASK, publication_ids)
    if refused:
        db_session.execute(
            sa.update(PlatformPublication)
            .where(PlatformPublication.id.in_(refused))
            .values(change_next_attempt_at=utcnow())
        )
        db_session.commit()
    return queued


def record_held(
    db_session: DbSession,
    publication: PlatformPublication,
    *,
    revision: int,
    held_daily_budget_cop: int,
    **values: Any,
) -> None:
    """Record that the platform holds the arm's desired state of `revision` (published, or a
    change pushed), holding `held_daily_budget_cop`, and set `values` too; frees the arm's claim.

    Read under the arm's lock: a change committed since (a higher revision) stays pending with
    its parts, and is pushed next; an arm taken off its campaign meanwhile is ended (its end is
    pushed by the change task)."""
    table = PlatformPublication.__table__
    current, ended_at = db_session.execute(
        sa.select(table.c.revision, table.c.ended_at)
        .where(table.c.id == publication.id)
        .with_for_update()
    ).one()
    held: dict[str, Any] = {
        "applied_revision": revision,
        "held_daily_budget_cop": held_daily_budget_cop,
        "claimed_at": None,
        **values,
    }
    if current == revision:
        held["pending_parts"] = None
    if ended_at is not None:
        held["status"] = PublicationStatus.ENDED.value
    db_session.execute(table.update().where(table.c.id == publication.id).values(**held))
    for name, value in {**held, "revision": current, "ended_at": ended_at}.items():
        orm.attributes.set_committed_value(publication, name, value)
