"""X specifics beyond the contract, against the sandbox."""

from __future__ import annotations

from tests.integration.platforms.test_adapter_contract import BOGOTA, make_spec

from adflux.platforms.base import GeoTarget, Targeting
from adflux.platforms.registry import get_adapter


def test_a_citys_location_key_is_asked_once_per_adapter(sandbox, settings, monkeypatch):
    calls: list[str] = []
    draw = sandbox.state.faults.draw

    def recording(platform: str, call: str = ""):
        calls.append(call)
        return draw(platform, call)

    monkeypatch.setattr(sandbox.state.faults, "draw", recording)
    adapter = get_adapter("x", settings)
    medellin = GeoTarget("Medellín", latitude=6.2442, longitude=-75.5812, radius_km=30)

    specs = [
        make_spec("adflux-pub-1"),
        make_spec("adflux-pub-2"),
        make_spec("adflux-pub-3", targeting=Targeting(locations=(BOGOTA, medellin))),
    ]
    for spec in specs:
        result = adapter.publish(spec, known_ids={}, on_created=lambda kind, object_id: None)
        assert "promoted_tweet" in result.external_ids

    lookups = [call for call in calls if "targeting_criteria/locations" in call]
    assert len(lookups) == 2  # Bogotá once, then Medellín once
