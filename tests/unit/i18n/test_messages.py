"""Messages kept for later: stored as JSON and read back the same, rendered in either language."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from adflux.i18n.messages import (
    Choices,
    Code,
    Message,
    MidSentence,
    Money,
    PluralMessage,
    Verbatim,
    from_json,
    to_json,
)


def _stored(message: Message) -> Message:
    """`message` through JSON text, as a database column keeps it."""
    return from_json(json.loads(json.dumps(to_json(message))))


def test_every_kind_of_parameter_survives_storage() -> None:
    message = Message(
        "%(platform)s: %(amount)s, %(platforms)s, %(why)s",
        platform=Code("platform", "google"),
        amount=Money(80_000),
        platforms=Choices("platform", ("meta", "x"), "or"),
        why=MidSentence(PluralMessage("%(count)s day", "%(count)s days", 3)),
        share=0.25,
        exact=Decimal("1.50"),
        count=12,
        flag=True,
        nothing=None,
        day=date(2026, 12, 5),
        moment=datetime(2026, 12, 5, 12, 30, tzinfo=UTC),
        several=[Message("no history yet"), "plain"],  # a tuple would come back as a list
    )

    assert _stored(message) == message


def test_a_plural_message_renders_by_its_count_in_each_language() -> None:
    message = PluralMessage(
        "tried again after %(count)s day paused", "tried again after %(count)s days paused", 1
    )

    stored = _stored(message)

    assert stored.render("en") == "tried again after 1 day paused"
    assert stored.render("es") == "se prueba de nuevo tras 1 día en pausa"


def test_a_code_mid_sentence_starts_in_lower_case_an_acronym_keeps_its_capitals() -> None:
    message = Message("new, %(amount)s a day", amount=MidSentence(Code("platform", "google")))

    assert message.render("es") == "nuevo, google Ads al día"
    assert Message("new, %(amount)s a day", amount=MidSentence("TI")).render("es") == (
        "nuevo, TI al día"
    )


def test_a_text_stored_in_two_languages_reads_as_it_was_written() -> None:
    old = Verbatim({"es": "sin cambio: ya", "en": "unchanged: now"})

    assert to_json(old) == {"verbatim": {"es": "sin cambio: ya", "en": "unchanged: now"}}
    assert (_stored(old).render("es"), _stored(old).render("en")) == (
        "sin cambio: ya",
        "unchanged: now",
    )


def test_a_parameter_that_cannot_be_stored_is_refused() -> None:
    with pytest.raises(TypeError, match="object"):
        to_json(Message("%(x)s", x=object()))
