"""Messages stored as JSON (msgid and typed parameters) read again in either language; texts
stored before messages were read as they were written."""

from __future__ import annotations

import json
from decimal import Decimal

from adflux.i18n.messages import Choices, Code, Message, Money, from_json, from_stored, to_json


def test_a_message_with_typed_parameters_survives_json():
    message = Message(
        "template %(template)s: no campaign for job %(job)s: %(reason)s",
        template=3,
        job=12345,
        reason=Message(
            "%(platform)s needs at least %(amount)s per day",
            platform=Code("platform", "meta"),
            amount=Money(Decimal("20000")),
        ),
    )

    stored = json.loads(json.dumps(to_json(message)))
    read = from_json(stored)

    assert read == message
    assert read.render("en") == message.render("en")
    assert read.render("es") == (
        "plantilla 3: sin campaña para la vacante 12345: Meta necesita al menos $20.000 por día"
    )


def test_choices_and_lists_survive_json():
    message = Message("must be one of: %(valid)s", valid=Choices("platform", ["meta", "x"], "or"))
    read = from_json(json.loads(json.dumps(to_json(message))))
    assert read.render("es") == "debe ser uno de estos: Meta o X"
    assert from_json(to_json(Message("%(x)s", x=[1, "b"]))).params == {"x": [1, "b"]}


def test_plain_text_and_legacy_rows_read_as_written():
    assert from_stored("job 3 (line 35)").render("es") == "job 3 (line 35)"
    assert from_stored("100 % {not json").render("en") == "100 % {not json"
    legacy = {"verbatim": {"es": "vacante cerrada", "en": "job closed"}}
    assert from_stored(legacy).render("es") == "vacante cerrada"
    assert from_stored(json.dumps(legacy)).render("en") == "job closed"
    assert to_json(from_json(legacy)) == legacy


def test_json_text_in_a_text_column_reads_as_its_message():
    text = json.dumps(to_json(Message("the import stopped (%(error)s)", error="OSError")))
    assert from_stored(text).render("es") == "la importación se detuvo (OSError)"
