"""ApiSchema's added validators (no NUL, encodable text, UTC-representable times) are added once."""

from __future__ import annotations

from marshmallow import fields

from adflux.api.schemas import ApiSchema


class _Sample(ApiSchema):
    name = fields.String()
    at = fields.AwareDateTime()
    count = fields.Integer()


def test_a_new_instance_does_not_add_the_validators_again():
    first = _Sample()
    counts = {name: len(field.validators) for name, field in first.fields.items()}
    for _ in range(5):
        _Sample()
    assert {name: len(f.validators) for name, f in _Sample().fields.items()} == counts
    assert {name: len(f.validators) for name, f in first.fields.items()} == counts
