"""X specifics beyond the contract, against the sandbox."""

from __future__ import annotations

import dataclasses

import httpx
from tests.integration.platforms.cases.x_ads import CASE
from tests.integration.platforms.test_adapter_contract import make_spec

from adflux.platforms.base import GeoTarget
from adflux.platforms.registry import get_adapter


def test_a_citys_location_key_is_asked_once_per_adapter(sandbox, settings):
    adapter = get_adapter("x", settings)
    medellin = GeoTarget("Medellín", latitude=6.2442, longitude=-75.5812, radius_km=30)
    first = make_spec(CASE, "adflux-pub-1")  # the job is in Bogotá
    two_cities = dataclasses.replace(
        first.targeting, locations=(*first.targeting.locations, medellin)
    )
    specs = [
        first,
        make_spec(CASE, "adflux-pub-2"),
        make_spec(CASE, "adflux-pub-3", targeting=two_cities),
    ]
    for spec in specs:
        result = adapter.publish(spec, known_ids={}, on_created=lambda kind, object_id: None)
        assert "promoted_tweet" in result.external_ids

    log = httpx.get(f"{sandbox.base_url}/_sandbox/requests", params={"platform": "x"}).json()
    lookups = [e for e in log["requests"] if e["path"].endswith("/targeting_criteria/locations")]
    assert len(lookups) == 2  # Bogotá once, then Medellín once
