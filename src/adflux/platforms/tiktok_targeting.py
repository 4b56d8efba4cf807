"""AdFlux targeting as TikTok ad group fields."""

from __future__ import annotations

from typing import Any

from adflux.platforms.base import Targeting

ADULT_AGE_GROUPS = ("AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100")
AGE_GROUP_BOUNDS = {"AGE_18_24": (18, 24), "AGE_25_34": (25, 34), "AGE_35_44": (35, 44),
                    "AGE_45_54": (45, 54), "AGE_55_100": (55, 100)}  # fmt: skip
GENDERS = {"male": "GENDER_MALE", "female": "GENDER_FEMALE"}


def tiktok_targeting(targeting: Targeting, location_ids: str) -> dict[str, Any]:
    """Ad group targeting fields, translated as given (compliance is upstream).

    Cities are not mapped: TikTok location ids come from its `/tool/region/` lookup, so the
    configured ids (Colombia by default) are used. Interests need TikTok category ids; not sent.
    """
    fields: dict[str, Any] = {
        "location_ids": [i.strip() for i in location_ids.split(",") if i.strip()],
        "gender": "GENDER_UNLIMITED",
        "languages": list(targeting.languages),
    }
    if (targeting.age_min, targeting.age_max) != (18, 65):
        fields["age_groups"] = [
            group
            for group, (low, high) in AGE_GROUP_BOUNDS.items()
            if high >= targeting.age_min and low <= targeting.age_max
        ]
    else:
        fields["age_groups"] = list(ADULT_AGE_GROUPS)
    if len(targeting.genders) == 1 and targeting.genders[0] in GENDERS:
        fields["gender"] = GENDERS[targeting.genders[0]]
    if targeting.custom_audience_ids:
        fields["audience_ids"] = list(targeting.custom_audience_ids)
    if targeting.postal_codes:
        fields["zipcode_ids"] = list(targeting.postal_codes)
    if targeting.expansion or targeting.lookalike:
        fields["targeting_expansion"] = {"expansion_enabled": True}
    return fields
