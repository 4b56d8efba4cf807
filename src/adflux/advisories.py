"""Advisories: what a user should know about a choice that does not block it (pure).

One shape for every such warning, whoever raises it: employment-ad compliance (an age-proxy
segment), aiming (a segment that fits the job poorly, none fitting, a job audience too small for a
platform or that age sets apart). Spanish first, as the recruiters read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Advisory:
    """A risk worth telling the user about that does not block publishing by itself (some need
    acknowledging: campaigns.compliance.ACKNOWLEDGEABLE_WARNINGS)."""

    rule: str
    field: str
    message_es: str
    message_en: str

    @property
    def message(self) -> str:
        """Spanish, then English."""
        return f"{self.message_es} / {self.message_en}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
