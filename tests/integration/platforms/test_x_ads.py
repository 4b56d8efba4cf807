"""X specifics beyond the contract, against the sandbox."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

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


def test_stats_per_campaign_and_line_item_are_those_of_their_promoted_posts(sandbox, settings):
    adapter = get_adapter("x", settings)
    ids = adapter.publish(
        make_spec(CASE, active=True), known_ids={}, on_created=lambda kind, object_id: None
    ).external_ids
    sandbox.state.clock.advance(30 * 3600)
    day = datetime.fromtimestamp(sandbox.state.clock.now(), UTC).date()
    account = sandbox.state.credentials["x"]["account_id"]

    def series(entity: str, entity_id: str) -> dict:
        with CASE._session(sandbox) as session:
            answer = session.get(
                f"{sandbox.base_url}/12/stats/accounts/{account}",
                params={
                    "entity": entity,
                    "entity_ids": entity_id,
                    "start_time": str(day - timedelta(days=3)),
                    "end_time": str(day + timedelta(days=1)),
                    "granularity": "DAY",
                    "metric_groups": "ENGAGEMENT,BILLING",
                    "placement": "ALL_ON_TWITTER",
                },
                timeout=5,
            )
        assert answer.status_code == 200, answer.text
        ((row,),) = [[d for d in answer.json()["data"] if d["id"] == entity_id]]
        return row["id_data"][0]["metrics"]

    promoted = series("PROMOTED_TWEET", ids["promoted_tweet"])
    assert sum(promoted["impressions"]) > 0
    assert series("LINE_ITEM", ids["line_item"]) == promoted
    assert series("CAMPAIGN", ids["campaign"]) == promoted
