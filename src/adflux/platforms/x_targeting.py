"""AdFlux targeting as X line item targeting criteria: (targeting_type, targeting_value,
operator_type) triples, the same for publishing a line item and for changing its targeting."""

from __future__ import annotations

from collections.abc import Sequence

from adflux.platforms.base import InvalidRequest, Targeting

AGE_BUCKETS = {(13, 24), (13, 34), (13, 49), (13, 54), (18, 34), (18, 49), (18, 54), (21, 34),
               (21, 49), (21, 54), (25, 49), (25, 54), (35, 49), (35, 54)}  # fmt: skip
AGE_OVER = {13, 18, 21, 25, 35, 50}
GENDERS = {"male": "1", "female": "2"}

Criterion = tuple[str, str, str]  # (targeting_type, targeting_value, operator_type)


def criteria(
    targeting: Targeting, places: Sequence[str], excluded_places: Sequence[str] = ()
) -> list[Criterion]:
    """The line item's criteria for `targeting`, given X's location keys of its places."""
    pairs = [("LOCATION", key, "EQ") for key in places]
    pairs += [("LOCATION", key, "NE") for key in excluded_places]
    pairs.append(("AGE", age_bucket(targeting, "x"), "EQ"))
    pairs += [("GENDER", GENDERS[g], "EQ") for g in targeting.genders if g in GENDERS]
    pairs += [("LANGUAGE", lang, "EQ") for lang in targeting.languages]
    pairs += [("BROAD_KEYWORD", word, "EQ") for word in targeting.keywords]
    pairs += [("CUSTOM_AUDIENCE", ca, "EQ") for ca in targeting.custom_audience_ids]
    return pairs


def age_bucket(targeting: Targeting, platform: str) -> str:
    low, high = targeting.age_min, targeting.age_max
    if high >= 65 and low in AGE_OVER:
        return f"AGE_OVER_{low}"
    if (low, high) in AGE_BUCKETS:
        return f"AGE_{low}_TO_{high}"
    raise InvalidRequest(platform, f"X has no age bucket for {low}-{high}", field="age")
