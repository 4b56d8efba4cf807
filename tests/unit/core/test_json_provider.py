"""The orjson provider writes what Flask's standard provider writes, value for value."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from adflux.json_provider import OrjsonProvider


@dataclasses.dataclass
class Point:
    x: int
    label: str


VALUES = [
    {"b": 1, "a": [1, 2.5, None, True], "ñ": "Bogotá · Medellín"},
    {"when": datetime(2026, 12, 4, 13, 58, 35, 123456, tzinfo=UTC), "day": date(2026, 12, 1)},
    {"money": Decimal("12.50"), "id": uuid.UUID(int=7), "point": Point(1, "x")},
    {1: "int key", "nested": {"k": [{"deep": []}]}},
    {"huge": 2**70},  # wider than orjson writes: the standard encoder's
]


@pytest.fixture
def apps() -> tuple[Flask, Flask]:
    fast, standard = Flask("fast"), Flask("standard")
    fast.json = OrjsonProvider(fast)
    standard.json = DefaultJSONProvider(standard)
    standard.json.sort_keys = False  # type: ignore[attr-defined]
    return fast, standard


@pytest.mark.parametrize("value", VALUES)
def test_responses_equal_the_standard_providers(apps, value):
    fast, standard = apps
    with fast.app_context():
        ours = fast.json.response(value)
    with standard.app_context():
        theirs = standard.json.response(value)
    assert ours.mimetype == theirs.mimetype == "application/json"
    assert ours.get_data().endswith(b"\n")
    assert json.loads(ours.get_data()) == json.loads(theirs.get_data())
    assert list(json.loads(ours.get_data())) == list(json.loads(theirs.get_data()))  # key order


@pytest.mark.parametrize("value", VALUES)
def test_dumps_equals_the_standard_providers(apps, value):
    fast, standard = apps
    assert json.loads(fast.json.dumps(value)) == json.loads(standard.json.dumps(value))


def test_dates_stay_http_dates_as_flask_writes_them(apps):
    fast, _ = apps
    assert fast.json.dumps({"d": date(2026, 12, 1)}) == '{"d":"Tue, 01 Dec 2026 00:00:00 GMT"}'


def test_unknown_types_are_refused_as_flask_refuses_them(apps):
    fast, _ = apps
    with pytest.raises(TypeError):
        fast.json.dumps({"x": object()})
