"""Warnings aiming raises about an audience, in the shape of campaigns' `Advisory` (rule, field,
message_es, message_en, message) so that campaigns can list them beside its own without this
package importing campaigns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FitWarning:
    rule: str
    field: str
    message_es: str
    message_en: str

    @property
    def message(self) -> str:
        """Spanish, then English, as every compliance message."""
        return f"{self.message_es} / {self.message_en}"
