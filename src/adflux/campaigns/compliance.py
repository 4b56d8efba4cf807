"""Employment-ad targeting rules, checked before any platform call.

One rule set for every platform and every country (research/platforms.md §5): Colombian Ley 931 de
2004 forbids age limits in job offers, the Constitution (art. 13 and 43) and Ley 1482 de 2011 sex
discrimination, Ley 1581 de 2012 the use of sensitive data without explicit consent;
Meta (special ad category EMPLOYMENT), Google ("access to opportunities"), X (HLE limitations),
TikTok (`special_industries=["EMPLOYMENT"]`) and Snapchat (HEC ads, `regulated_content`) restrict
the same things in the US and Canada. AdFlux
applies the strictest common set everywhere:

ages 18-65+ only, all genders, no postal codes, no radius under 24 km (Meta's 15 miles), no
location or interest exclusions, no lookalikes or audience expansion, custom audiences only from
consenting candidates (Ley 1581 de 2012).

Segments reach people through consenting custom audiences and geography, never through age
brackets: `adflux.targeting.aim.campaign_targeting` builds targeting that passes these rules by
construction, and `check_targeting` checks it again before any platform call.

`NARROWING_RULES` states each rule once, with its sources; the API, the CLI and the dashboard
refuse a field that would narrow an audience that way (`age_min`, `genders`, `postal_codes`, a
nested `targeting`...) with that statement. A segment that works as an age proxy is not refused
but warned about everywhere a campaign is created or shown, and its campaign is created only once
the operator acknowledges the warning (`ensure_acknowledged`): Ley 931 forbids indirect age
filters too, and only a person can judge that the offer really is open to every age.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from adflux.advisories import Advisory
from adflux.errors import AdfluxError
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message
from adflux.platforms.base import Targeting
from adflux.segmentation.age_proxy import is_age_proxy

AGE_MIN = 18
AGE_MAX = 65  # Meta's "65+": no upper limit
MIN_RADIUS_KM = 24.0  # Meta's 15-mile minimum for employment ads, rounded up

_PLATFORM_SOURCES = {
    "meta": Message("Meta special ad category EMPLOYMENT"),
    "google": Message(
        "Google Ads personalized advertising policy, access to opportunities (employment)"
    ),
    "x": Message("X Ads housing, lending and employment (HLE) limitations"),
    "tiktok": Message("TikTok special ad category EMPLOYMENT (special_industries)"),
    "snapchat": Message("Snapchat housing, employment and credit ads (regulated_content)"),
}

_ADFLUX_POLICY = Message("AdFlux policy: the same rules in every country")
# The Colombian norms the rules cite.
_LAW_AGE = Message("Colombian Ley 931 of 2004")
_LAW_GENDER = Message("Colombian Constitution, articles 13 and 43; Colombian Ley 1482 of 2011")
_LAW_SENSITIVE = Message(
    "Colombian Ley 1581 of 2012, articles 5 and 6 (sensitive data); Colombian Ley 1482 of 2011"
)
_LAW_CONSENT = Message("Colombian Ley 1581 of 2012 (data protection, prior consent)")


# --------------------------------------------------------------------------- the rules table


@dataclass(frozen=True)
class NarrowingRule:
    """One way of narrowing an audience that employment ads may not use, and on whose authority.

    The single statement of each rule: the API, the CLI and the dashboard refuse a field named in
    `fields` with `message`, and `check_targeting` cites `law` for it.
    """

    rule: str
    what: Message
    instead: Message
    # The Colombian norm, or None where the rule comes from the platforms' policies only.
    law: Message | None
    platforms: tuple[str, ...]
    # Names a request body, a form or a command line may use for this narrowing.
    fields: tuple[str, ...]

    @property
    def message(self) -> Message:
        return Message(
            "%(what)s is not allowed in job ads (%(sources)s); %(instead)s [rule %(rule)s]",
            what=self.what,
            sources=(self.law or _ADFLUX_POLICY, *(_PLATFORM_SOURCES[p] for p in self.platforms)),
            instead=self.instead,
            rule=self.rule,
        )


_EVERY_PLATFORM = ("meta", "google", "x", "tiktok", "snapchat")

# Sources (research/platforms.md §5): Meta's help page "About audiences for housing, employment or
# financial products and services campaigns" (age 18-65+, all genders, no ZIP/postal code, no
# location or detailed-targeting exclusions, no lookalikes, 15-mile radius); Google's "access to
# opportunities" personalized-advertising policy (no gender, age, parental or marital status, ZIP
# code; sensitive categories never); X's HLE limitations (AGE_OVER_18 only, no postal codes,
# gender, similar-to-followers or expanded audiences); TikTok's HEC ad policy (no age, gender, zip
# code, marital or parental status, lookalikes, targeting expansion, protected characteristics);
# Snapchat's regulated (HEC) ad squads (18 and up, no gender, postal codes, exclusions, lookalikes
# or audience expansion; the sandbox's snapchat_rules.py). The platforms apply them to ads
# reaching the US and Canada; AdFlux applies them everywhere, and
# in Colombia Ley 931 de 2004 (no age ranges for a job), the Constitution (art. 13, 43) and Ley 1482
# de 2011 (Código Penal art. 134A, discrimination by sex, race, origin...) and Ley 1581 de 2012
# (sensitive data, prior consent) forbid the same.
NARROWING_RULES: dict[str, NarrowingRule] = {
    rule.rule: rule
    for rule in (
        NarrowingRule(
            rule="no_age_targeting",
            what=Message("Age targeting"),
            instead=Message("AdFlux shows every job ad to all ages (18-65+)"),
            law=_LAW_AGE,
            platforms=_EVERY_PLATFORM,
            fields=(
                "age",
                "ages",
                "age_min",
                "age_max",
                "min_age",
                "max_age",
                "age_range",
                "age_ranges",
                "age_groups",
            ),
        ),
        NarrowingRule(
            rule="no_gender_targeting",
            what=Message("Sex or gender targeting"),
            instead=Message("AdFlux shows every job ad to all genders"),
            law=_LAW_GENDER,
            platforms=_EVERY_PLATFORM,
            fields=("gender", "genders", "sex"),
        ),
        NarrowingRule(
            rule="no_postal_codes",
            what=Message("Postal-code (ZIP) targeting"),
            instead=Message(
                "a neighbourhood can stand for origin or class; AdFlux targets cities with a "
                "radius of at least 24 km"
            ),
            law=None,
            platforms=_EVERY_PLATFORM,
            fields=(
                "postal_code",
                "postal_codes",
                "zip",
                "zips",
                "zip_code",
                "zip_codes",
                "zipcode_ids",
            ),
        ),
        NarrowingRule(
            rule="no_family_status_targeting",
            what=Message("Marital or parental status targeting"),
            instead=Message("AdFlux never targets by family data"),
            law=None,
            platforms=("google", "tiktok"),
            fields=(
                "marital_status",
                "parental_status",
                "relationship_status",
                "family_status",
            ),
        ),
        NarrowingRule(
            rule="no_sensitive_data_targeting",
            what=Message("Targeting by sensitive data (origin, religion, health, orientation...)"),
            instead=Message("AdFlux neither stores nor uses such data"),
            law=_LAW_SENSITIVE,
            platforms=_EVERY_PLATFORM,
            fields=(
                "ethnicity",
                "race",
                "nationality",
                "religion",
                "health",
                "disability",
                "sexual_orientation",
                "political_views",
            ),
        ),
        NarrowingRule(
            rule="no_location_exclusions",
            what=Message("Excluding locations"),
            instead=Message("AdFlux only adds cities, never excludes any"),
            law=None,
            platforms=("meta",),
            fields=("excluded_locations", "exclude_locations", "location_exclusions"),
        ),
        NarrowingRule(
            rule="no_interest_exclusions",
            what=Message("Excluding interests"),
            instead=Message("AdFlux only adds interests of the job's area"),
            law=None,
            platforms=("meta", "tiktok"),
            fields=("excluded_interests", "exclude_interests", "interest_exclusions"),
        ),
        NarrowingRule(
            rule="no_lookalike",
            what=Message("A lookalike audience"),
            instead=Message("it reproduces the biases of its seed audience"),
            law=None,
            platforms=("meta", "x", "tiktok", "snapchat"),
            fields=("lookalike", "lookalikes", "lookalike_audiences", "similar_audiences"),
        ),
        NarrowingRule(
            rule="no_audience_expansion",
            what=Message("Automatic audience expansion"),
            instead=Message("AdFlux reaches only the audience checked here"),
            law=None,
            platforms=("x", "tiktok", "snapchat"),
            fields=("expansion", "audience_expansion", "targeting_expansion"),
        ),
        NarrowingRule(
            rule="consenting_custom_audiences",
            what=Message("A custom audience brought from outside"),
            instead=Message(
                "AdFlux builds audiences from segments, only with candidates who consented to "
                "marketing use of their data"
            ),
            law=_LAW_CONSENT,
            platforms=_EVERY_PLATFORM,
            fields=("custom_audience_ids", "custom_audiences", "audience_ids"),
        ),
    )
}

# A nested targeting object: AdFlux builds each campaign's targeting from its job and segments
# itself (adflux.targeting.aim.campaign_targeting).
TARGETING_FIELD = "targeting"
TARGETING_REFUSAL = Message(
    "AdFlux builds each campaign's targeting from its job and segments (the job's city and the "
    "nearby cities where candidates of its area live, with a 24 km radius or more, all ages "
    "18-65+, all genders, consenting audiences); a targeting object is not accepted. Choose "
    "segments with segment_ids."
)

_RULE_OF_FIELD = {name: rule for rule in NARROWING_RULES.values() for name in rule.fields}

# What check_targeting cites for each rule, in Colombia.
_CO_LAW = {"age": _LAW_AGE, "gender": _LAW_GENDER, "consent": _LAW_CONSENT}


def rule_for_field(name: str) -> NarrowingRule | None:
    """The employment-ad rule that forbids narrowing by a field called `name`, if any."""
    return _RULE_OF_FIELD.get(name.strip().lower().replace("-", "_"))


def forbidden_narrowing(data: object) -> list[tuple[str, NarrowingRule | None]]:
    """Each field of a request body or form that narrows the audience in a way employment ads
    may not, with its rule: (`age_min`, rule), (`targeting.genders`, rule), and (`targeting`,
    None) for a nested targeting object, which AdFlux never takes from outside.

    `data` is whatever the client sent; anything but a mapping has no such field.
    """
    if not isinstance(data, Mapping):
        return []
    found: list[tuple[str, NarrowingRule | None]] = []
    for key in data:
        name = str(key)
        rule = rule_for_field(name)
        if rule is not None:
            found.append((name, rule))
        elif name == TARGETING_FIELD:
            found.append((name, None))
            nested = data[key]
            for inner, inner_rule in forbidden_narrowing(nested):
                found.append((f"{name}.{inner}", inner_rule))
    return found


def narrowing_messages(data: object) -> dict[str, list[str | Message]]:
    """`forbidden_narrowing` as the API's field -> messages."""
    return {
        field: [rule.message if rule is not None else TARGETING_REFUSAL]
        for field, rule in forbidden_narrowing(data)
    }


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Violation:
    """One broken employment-ad rule: which rule, which targeting field, why, on whose authority."""

    rule: str
    field: str
    message: Message


# Both say an audience may act as an indirect age filter: a segment that age explains, or the
# job's own most likely candidates whom age sets apart (targeting.people).
ACKNOWLEDGEABLE_WARNINGS = ("segment_age_proxy", "job_audience_age_skew")


class AcknowledgementRequired(AdfluxError):
    """A campaign carries warnings its operator has not confirmed; nothing was stored."""

    code = "acknowledgement_required"
    status = 422

    def __init__(self, advisories: Iterable[Advisory]) -> None:
        self.advisories = tuple(advisories)
        rules = list(dict.fromkeys(a.rule for a in self.advisories))
        confirm = ", ".join(f'"{rule}"' for rule in rules)
        fields: dict[str, list[str | Message]] = {}
        for advisory in self.advisories:
            # A segment's warning names it ("segments[...]"); the request field is segment_ids.
            name = "segment_ids" if advisory.field.startswith("segments[") else advisory.field
            fields.setdefault(name, []).append(advisory.message)
        super().__init__(
            N_("The campaign has unconfirmed warnings"),
            fields={
                **fields,
                "acknowledge_warnings": [
                    Message(
                        "confirm the offer is open to every age by sending acknowledge_warnings: "
                        "[%(rules)s] (CLI: --accept-age-proxy; dashboard: the confirmation box)",
                        rules=confirm,
                    )
                ],
            },
        )


class ComplianceError(AdfluxError):
    """The targeting breaks employment-ad rules; nothing was sent to the platform."""

    code = "employment_ad_compliance"
    status = 422

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = tuple(violations)
        rules = ", ".join(dict.fromkeys(v.rule for v in self.violations))
        fields: dict[str, list[str | Message]] = {}
        for violation in self.violations:
            fields.setdefault(violation.field, []).append(violation.message)
        super().__init__(
            N_("The targeting breaks employment-ad rules (%(rules)s)"), fields=fields, rules=rules
        )


# --------------------------------------------------------------------------- the rules


class _Rules:
    """Collects the violations of one targeting for one platform and country."""

    def __init__(self, platform: str, country: str) -> None:
        if platform not in _PLATFORM_SOURCES:
            raise ValueError(
                f"unknown platform {platform!r}; expected one of {sorted(_PLATFORM_SOURCES)}"
            )
        self.platform = _PLATFORM_SOURCES[platform]
        self.country = country
        self.found: list[Violation] = []

    def add(self, rule: str, field: str, why: Message, *, law: str | None = None) -> None:
        source = _CO_LAW[law] if self.country == "CO" and law is not None else _ADFLUX_POLICY
        self.found.append(
            Violation(
                rule=rule,
                field=field,
                message=Message(
                    "Rule %(rule)s: %(why)s Source: %(law)s; %(platform)s.",
                    rule=rule,
                    why=why,
                    law=source,
                    platform=self.platform,
                ),
            )
        )


def check_targeting(
    platform: str,
    targeting: Targeting,
    *,
    country: str = "CO",
    consenting_audience_ids: Collection[str] = (),
) -> list[Violation]:
    """Every employment-ad rule `targeting` breaks on `platform`; [] when it complies.

    `consenting_audience_ids` are the custom audiences the caller built only from candidates who
    gave marketing consent (the audiences service's uploads); any other audience id is refused.
    """
    r = _Rules(platform, country)
    if targeting.age_min != AGE_MIN:
        r.add(
            "age_min_18",
            "age_min",
            Message(
                "minimum age must be %(age)s (got %(given)s); employment ads may not limit by age.",
                age=AGE_MIN,
                given=targeting.age_min,
            ),
            law="age",
        )
    if targeting.age_max is not None and targeting.age_max != AGE_MAX:
        r.add(
            "age_max_65_plus",
            "age_max",
            Message(
                "maximum age must be %(age)s+ or none (got %(given)s); employment ads may not "
                "limit by age.",
                age=AGE_MAX,
                given=targeting.age_max,
            ),
            law="age",
        )
    if targeting.genders:
        r.add(
            "all_genders",
            "genders",
            Message(
                "sex or gender targeting is not allowed (%(genders)s); leave it empty to reach "
                "everyone.",
                genders=", ".join(targeting.genders),
            ),
            law="gender",
        )
    if targeting.postal_codes:
        r.add(
            "no_postal_codes",
            "postal_codes",
            Message("postal-code targeting is not allowed: it can discriminate by neighbourhood."),
        )
    for i, place in enumerate(targeting.locations):
        if place.radius_km is not None and place.radius_km < MIN_RADIUS_KM:
            r.add(
                "min_radius_24km",
                f"locations[{i}].radius_km",
                Message(
                    "the radius around %(place)s is %(radius)s km; the minimum is %(least)s km.",
                    place=place.name,
                    radius=_whole_if_exact(place.radius_km),
                    least=_whole_if_exact(MIN_RADIUS_KM),
                ),
            )
        if place.country != country:
            r.add(
                "locations_in_country",
                f"locations[{i}].country",
                Message(
                    "%(place)s is in %(country)s, outside the ad's country (%(ad_country)s).",
                    place=place.name,
                    country=place.country,
                    ad_country=country,
                ),
            )
    if targeting.excluded_locations:
        names = ", ".join(place.name for place in targeting.excluded_locations)
        r.add(
            "no_location_exclusions",
            "excluded_locations",
            Message("locations may not be excluded (%(names)s).", names=names),
        )
    # The port's Targeting has no interest exclusions today; refuse them if a caller adds some.
    excluded_interests = tuple(getattr(targeting, "excluded_interests", ()) or ())
    if excluded_interests:
        r.add(
            "no_interest_exclusions",
            "excluded_interests",
            Message(
                "interests may not be excluded (%(names)s).", names=", ".join(excluded_interests)
            ),
        )
    if targeting.lookalike:
        r.add(
            "no_lookalike",
            "lookalike",
            Message("lookalike audiences are not allowed: they reproduce the seed's biases."),
        )
    if targeting.expansion:
        r.add(
            "no_audience_expansion",
            "expansion",
            Message("automatic audience expansion is not allowed."),
        )
    consenting = set(consenting_audience_ids)
    for i, audience_id in enumerate(targeting.custom_audience_ids):
        if audience_id not in consenting:
            r.add(
                "consenting_custom_audiences",
                f"custom_audience_ids[{i}]",
                Message(
                    "audience %(audience)s is not known to contain only candidates who consented "
                    "to marketing use of their data.",
                    audience=audience_id,
                ),
                law="consent",
            )
    return r.found


def _whole_if_exact(km: float) -> float | int:
    """A whole radius without decimals: "24 km", not "24,00 km"."""
    return int(km) if float(km).is_integer() else km


def segment_advisories(segment_profiles: Mapping[str, Mapping]) -> list[Advisory]:
    """Warnings for segments whose profile says age explains them (`age_proxy.warning`)."""
    advisories = []
    for name, profile in segment_profiles.items():
        if is_age_proxy(profile):
            advisories.append(
                Advisory(
                    rule="segment_age_proxy",
                    field=f"segments[{name}]",
                    message=Message(
                        "Segment %(name)s is largely explained by age: targeting employment ads "
                        "at it may act as an indirect age filter (Colombian Ley 931 of 2004). "
                        "Check the offer is open to all ages.",
                        name=name,
                    ),
                )
            )
    return advisories


def ensure_acknowledged(advisories: Iterable[Advisory], acknowledged: Collection[str]) -> None:
    """Raise AcknowledgementRequired unless every advisory's rule is in `acknowledged`."""
    unconfirmed = [a for a in advisories if a.rule not in set(acknowledged)]
    if unconfirmed:
        raise AcknowledgementRequired(unconfirmed)


def ensure_compliant(
    platform: str,
    targeting: Targeting,
    *,
    country: str = "CO",
    consenting_audience_ids: Collection[str] = (),
    segment_profiles: Mapping[str, Mapping] | None = None,
) -> list[Advisory]:
    """Raise ComplianceError if `targeting` breaks a rule; otherwise return the advisories."""
    violations = check_targeting(
        platform, targeting, country=country, consenting_audience_ids=consenting_audience_ids
    )
    if violations:
        raise ComplianceError(violations)
    return segment_advisories(segment_profiles or {})
