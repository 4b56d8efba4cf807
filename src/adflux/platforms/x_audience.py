"""X custom audience members: the users endpoint of a custom audience, in batches.

POST accounts/:id/custom_audiences/:id/users takes at most 2,500 operations per request; members
are added with operation_type "Update" and removed with "Delete" (Custom Audience users
reference), each hash type in its own list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adflux.platforms.base import HashedMember

USERS_PER_OPERATION = 2_500


def send_users(audience: Any, members: Sequence[HashedMember], operation: str) -> dict[str, Any]:
    """Send `members` to the audience (an SDK CustomAudience) in batches; X's receipt."""
    receipt: dict[str, Any] = {"batches": [], "audience_id": audience.id}
    for start in range(0, len(members), USERS_PER_OPERATION):
        users = _audience_users(members[start : start + USERS_PER_OPERATION])
        if not users:
            continue
        success, total = audience.users([{"operation_type": operation, "params": {"users": users}}])
        receipt["batches"].append({"success_count": success, "total_count": total})
    return receipt


def _audience_users(members: Sequence[HashedMember]) -> list[dict[str, list[str]]]:
    """X's `users` items: one per member, each hash type in its own list."""
    users = []
    for member in members:
        user = {}
        if member.email_sha256:
            user["email"] = [member.email_sha256]
        if member.phone_sha256:
            user["phone_number"] = [member.phone_sha256]
        if user:
            users.append(user)
    return users
