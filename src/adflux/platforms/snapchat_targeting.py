"""AdFlux targeting as a Snap ad squad's `targeting` object.

Every AdFlux ad is a job ad, so every ad squad is `regulated_content` (Snap's Housing, Employment
and Credit restrictions, declared on the ad account and campaign too). The targeting is
translated as given: compliance is upstream (campaigns/compliance.py), and a narrowing that
reached this far is refused by Snap itself, which is what the contract test shows.

Places: the country in `geos`, and each city with coordinates as a circle of its radius in
kilometres (`locations[].circles`); custom audiences as Snap Audience Match segments to include.
Keywords and interests need Snap's own category ids (its targeting lookups): not sent.
"""

from __future__ import annotations

from typing import Any

from adflux.platforms.base import GeoTarget, Targeting

GENDERS = {"male": "MALE", "female": "FEMALE"}
MIN_AGE, MAX_AGE = 13, 50  # Snap's demographic age bounds; no max_age is "and older"
ADULT_AGE, OPEN_AGE = 18, 65  # AdFlux's 18-65+: every adult


def snapchat_targeting(targeting: Targeting, country_code: str) -> dict[str, Any]:
    demographic: dict[str, Any] = {"min_age": str(max(MIN_AGE, targeting.age_min))}
    if targeting.age_max < OPEN_AGE:
        demographic["max_age"] = str(min(MAX_AGE, max(MIN_AGE, targeting.age_max)))
    if len(targeting.genders) == 1 and targeting.genders[0] in GENDERS:
        demographic["gender"] = GENDERS[targeting.genders[0]]
    if targeting.languages:
        demographic["languages"] = list(targeting.languages)
    geo: dict[str, Any] = {"country_code": country_code.lower()}
    if targeting.postal_codes:
        geo["postal_code"] = list(targeting.postal_codes)
    fields: dict[str, Any] = {
        "regulated_content": True,
        "geos": [geo],
        "demographics": [demographic],
    }
    locations = []
    included = _circles(targeting.locations)
    if included:
        locations.append({"circles": included, "operation": "INCLUDE"})
    excluded = _circles(targeting.excluded_locations)
    if excluded:
        locations.append({"circles": excluded, "operation": "EXCLUDE"})
    if locations:
        fields["locations"] = locations
    if targeting.custom_audience_ids:
        fields["segments"] = [
            {"segment_id": list(targeting.custom_audience_ids), "operation": "INCLUDE"}
        ]
    if targeting.expansion or targeting.lookalike:
        fields["auto_expansion_options"] = {"interest_expansion_option": {"enabled": True}}
    return fields


def _circles(places: tuple[GeoTarget, ...]) -> list[dict[str, Any]]:
    return [
        {
            "latitude": place.latitude,
            "longitude": place.longitude,
            "radius": place.radius_km or 25.0,
            "unit": "KILOMETERS",
        }
        for place in places
        if place.latitude is not None and place.longitude is not None
    ]
