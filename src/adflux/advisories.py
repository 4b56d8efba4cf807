"""Advisories: what a user should know about a choice that does not block it (pure).

One shape for every such warning, whoever raises it: employment-ad compliance (an age-proxy
segment), aiming (a segment that fits the job poorly, none fitting, a job audience too small for a
platform or that age sets apart). The message is written once and rendered in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adflux.i18n.messages import Message, from_json, to_json


@dataclass(frozen=True, slots=True)
class Advisory:
    """A risk worth telling the user about that does not block publishing by itself (some need
    acknowledging: campaigns.compliance.ACKNOWLEDGEABLE_WARNINGS)."""

    rule: str
    field: str
    message: Message

    @property
    def code(self) -> str:
        """What is warned about, as the API names it: the rule."""
        return self.rule

    def to_json(self) -> dict[str, Any]:
        """As stored with a campaign: the message as its msgid and parameters."""
        return {"rule": self.rule, "field": self.field, "message": to_json(self.message)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Advisory:
        return cls(data["rule"], data["field"], from_json(data["message"]))
