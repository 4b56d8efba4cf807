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
from adflux.platforms.base import Targeting
from adflux.segmentation.age_proxy import is_age_proxy

AGE_MIN = 18
AGE_MAX = 65  # Meta's "65+": no upper limit
MIN_RADIUS_KM = 24.0  # Meta's 15-mile minimum for employment ads, rounded up

_PLATFORM_SOURCES = {
    "meta": (
        "Meta, categoría especial de anuncios EMPLOYMENT",
        "Meta special ad category EMPLOYMENT",
    ),
    "google": (
        "Google Ads, política de acceso a oportunidades (empleo)",
        "Google Ads personalized advertising policy, access to opportunities (employment)",
    ),
    "x": (
        "X Ads, limitaciones de vivienda, crédito y empleo (HLE)",
        "X Ads housing, lending and employment (HLE) limitations",
    ),
    "tiktok": (
        "TikTok, special_industries EMPLOYMENT",
        "TikTok special ad category EMPLOYMENT (special_industries)",
    ),
    "snapchat": (
        "Snapchat, anuncios de vivienda, empleo y crédito (regulated_content)",
        "Snapchat housing, employment and credit ads (regulated_content)",
    ),
}

_ADFLUX_POLICY = (
    "política de AdFlux: las mismas reglas en todos los países",
    "AdFlux policy: the same rules in every country",
)
# The Colombian norms the rules cite.
_LAW_AGE = ("Ley 931 de 2004 (Colombia)", "Colombian Ley 931 of 2004")
_LAW_GENDER = (
    "Constitución Política de Colombia, art. 13 y 43; Ley 1482 de 2011",
    "Colombian Constitution, articles 13 and 43; Colombian Ley 1482 of 2011",
)
_LAW_SENSITIVE = (
    "Ley 1581 de 2012, art. 5 y 6 (datos sensibles); Ley 1482 de 2011",
    "Colombian Ley 1581 of 2012, articles 5 and 6 (sensitive data); Colombian Ley 1482 of 2011",
)
_LAW_CONSENT = (
    "Ley 1581 de 2012 (habeas data, autorización previa)",
    "Colombian Ley 1581 of 2012 (data protection, prior consent)",
)


# --------------------------------------------------------------------------- the rules table


@dataclass(frozen=True)
class NarrowingRule:
    """One way of narrowing an audience that employment ads may not use, and on whose authority.

    The single statement of each rule: the API, the CLI and the dashboard refuse a field named in
    `fields` with `message_es` / `message_en`, and `check_targeting` cites `law` for it.
    """

    rule: str
    what_es: str
    what_en: str
    instead_es: str
    instead_en: str
    # The Colombian norm, or None where the rule comes from the platforms' policies only.
    law: tuple[str, str] | None
    platforms: tuple[str, ...]
    # Names a request body, a form or a command line may use for this narrowing.
    fields: tuple[str, ...]

    @property
    def sources_es(self) -> str:
        law_es = self.law[0] if self.law else _ADFLUX_POLICY[0]
        return "; ".join([law_es, *(_PLATFORM_SOURCES[p][0] for p in self.platforms)])

    @property
    def sources_en(self) -> str:
        law_en = self.law[1] if self.law else _ADFLUX_POLICY[1]
        return "; ".join([law_en, *(_PLATFORM_SOURCES[p][1] for p in self.platforms)])

    @property
    def message_es(self) -> str:
        return (
            f"{self.what_es} no está permitida en anuncios de empleo ({self.sources_es}); "
            f"{self.instead_es} [regla {self.rule}]"
        )

    @property
    def message_en(self) -> str:
        return (
            f"{self.what_en} is not allowed in job ads ({self.sources_en}); "
            f"{self.instead_en} [rule {self.rule}]"
        )

    @property
    def message(self) -> str:
        """Spanish, then English, as every compliance message."""
        return f"{self.message_es} / {self.message_en}"


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
            what_es="La segmentación por edad",
            what_en="Age targeting",
            instead_es="AdFlux muestra cada oferta a todas las edades (18-65+)",
            instead_en="AdFlux shows every job ad to all ages (18-65+)",
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
            what_es="La segmentación por sexo o género",
            what_en="Sex or gender targeting",
            instead_es="AdFlux muestra cada oferta a todos los géneros",
            instead_en="AdFlux shows every job ad to all genders",
            law=_LAW_GENDER,
            platforms=_EVERY_PLATFORM,
            fields=("gender", "genders", "sex"),
        ),
        NarrowingRule(
            rule="no_postal_codes",
            what_es="La segmentación por código postal",
            what_en="Postal-code (ZIP) targeting",
            instead_es=(
                "un barrio puede delatar origen o estrato; AdFlux segmenta por ciudades con "
                "un radio de al menos 24 km"
            ),
            instead_en=(
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
            what_es="La segmentación por estado civil o por tener hijos",
            what_en="Marital or parental status targeting",
            instead_es="AdFlux no usa datos de familia para segmentar",
            instead_en="AdFlux never targets by family data",
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
            what_es="La segmentación por datos sensibles (origen, religión, salud, orientación...)",
            what_en="Targeting by sensitive data (origin, religion, health, orientation...)",
            instead_es="AdFlux no guarda ni usa esos datos",
            instead_en="AdFlux neither stores nor uses such data",
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
            what_es="La exclusión de ubicaciones",
            what_en="Excluding locations",
            instead_es="AdFlux solo añade ciudades, nunca las excluye",
            instead_en="AdFlux only adds cities, never excludes any",
            law=None,
            platforms=("meta",),
            fields=("excluded_locations", "exclude_locations", "location_exclusions"),
        ),
        NarrowingRule(
            rule="no_interest_exclusions",
            what_es="La exclusión de intereses",
            what_en="Excluding interests",
            instead_es="AdFlux solo añade intereses del área de la oferta",
            instead_en="AdFlux only adds interests of the job's area",
            law=None,
            platforms=("meta", "tiktok"),
            fields=("excluded_interests", "exclude_interests", "interest_exclusions"),
        ),
        NarrowingRule(
            rule="no_lookalike",
            what_es="Una audiencia similar (lookalike)",
            what_en="A lookalike audience",
            instead_es="reproduce los sesgos de la audiencia de origen",
            instead_en="it reproduces the biases of its seed audience",
            law=None,
            platforms=("meta", "x", "tiktok", "snapchat"),
            fields=("lookalike", "lookalikes", "lookalike_audiences", "similar_audiences"),
        ),
        NarrowingRule(
            rule="no_audience_expansion",
            what_es="La expansión automática de la audiencia",
            what_en="Automatic audience expansion",
            instead_es="AdFlux llega solo a la audiencia revisada",
            instead_en="AdFlux reaches only the audience checked here",
            law=None,
            platforms=("x", "tiktok", "snapchat"),
            fields=("expansion", "audience_expansion", "targeting_expansion"),
        ),
        NarrowingRule(
            rule="consenting_custom_audiences",
            what_es="Una audiencia personalizada traída de fuera",
            what_en="A custom audience brought from outside",
            instead_es=(
                "AdFlux crea las audiencias desde los segmentos, solo con candidatos que "
                "autorizaron el uso de sus datos para publicidad"
            ),
            instead_en=(
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
TARGETING_REFUSAL_ES = (
    "AdFlux construye la segmentación de cada campaña a partir de la oferta y sus segmentos (la "
    "ciudad de la oferta y las cercanas donde viven candidatos de su área, con radio de 24 km o "
    "más, todas las edades 18-65+, todos los géneros, audiencias con consentimiento); no se "
    "recibe una segmentación propia. Elija segmentos con segment_ids."
)
TARGETING_REFUSAL_EN = (
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


def narrowing_messages(data: object) -> dict[str, list[str]]:
    """`forbidden_narrowing` as the API's field -> messages (Spanish / English)."""
    return {
        field: [
            rule.message if rule is not None else f"{TARGETING_REFUSAL_ES} / {TARGETING_REFUSAL_EN}"
        ]
        for field, rule in forbidden_narrowing(data)
    }


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Violation:
    """One broken employment-ad rule: which rule, which targeting field, why, on whose authority."""

    rule: str
    field: str
    message_es: str
    message_en: str
    source: str

    @property
    def message(self) -> str:
        """Spanish, then English."""
        return f"{self.message_es} / {self.message_en}"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "field": self.field,
            "message_es": self.message_es,
            "message_en": self.message_en,
            "source": self.source,
        }


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
        fields: dict[str, list[str]] = {}
        for advisory in self.advisories:
            # A segment's warning names it ("segments[...]"); the request field is segment_ids.
            name = "segment_ids" if advisory.field.startswith("segments[") else advisory.field
            fields.setdefault(name, []).append(advisory.message)
        super().__init__(
            "La campaña tiene advertencias sin confirmar / The campaign has unconfirmed warnings",
            fields={
                **fields,
                "acknowledge_warnings": [
                    f"confirme que la oferta es para todas las edades enviando "
                    f"acknowledge_warnings: [{confirm}] (CLI: --accept-age-proxy; panel: la "
                    f"casilla de confirmación) / confirm the offer is open to every age by "
                    f"sending acknowledge_warnings: [{confirm}] (CLI: --accept-age-proxy; "
                    f"dashboard: the confirmation box)"
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
        fields: dict[str, list[str]] = {}
        for violation in self.violations:
            fields.setdefault(violation.field, []).append(violation.message)
        super().__init__(
            f"La segmentación incumple reglas de anuncios de empleo ({rules}) / "
            f"The targeting breaks employment-ad rules ({rules})",
            fields=fields,
        )


# --------------------------------------------------------------------------- the rules


class _Rules:
    """Collects the violations of one targeting for one platform and country."""

    def __init__(self, platform: str, country: str) -> None:
        if platform not in _PLATFORM_SOURCES:
            raise ValueError(
                f"unknown platform {platform!r}; expected one of {sorted(_PLATFORM_SOURCES)}"
            )
        self.platform_es, self.platform_en = _PLATFORM_SOURCES[platform]
        self.country = country
        self.found: list[Violation] = []

    def add(self, rule: str, field: str, es: str, en: str, *, law: str | None = None) -> None:
        if self.country == "CO" and law is not None:
            law_es, law_en = _CO_LAW[law]
        else:
            law_es, law_en = _ADFLUX_POLICY
        self.found.append(
            Violation(
                rule=rule,
                field=field,
                message_es=f"Regla {rule}: {es} Fuente: {law_es}; {self.platform_es}.",
                message_en=f"Rule {rule}: {en} Source: {law_en}; {self.platform_en}.",
                source=f"{law_en}; {self.platform_en}",
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
            f"la edad mínima debe ser {AGE_MIN} (se recibió {targeting.age_min}); "
            "los anuncios de empleo no pueden limitar por edad.",
            f"minimum age must be {AGE_MIN} (got {targeting.age_min}); "
            "employment ads may not limit by age.",
            law="age",
        )
    if targeting.age_max is not None and targeting.age_max != AGE_MAX:
        r.add(
            "age_max_65_plus",
            "age_max",
            f"la edad máxima debe ser {AGE_MAX}+ o ninguna (se recibió {targeting.age_max}); "
            "los anuncios de empleo no pueden limitar por edad.",
            f"maximum age must be {AGE_MAX}+ or none (got {targeting.age_max}); "
            "employment ads may not limit by age.",
            law="age",
        )
    if targeting.genders:
        r.add(
            "all_genders",
            "genders",
            f"no se puede segmentar por sexo o género ({', '.join(targeting.genders)}); "
            "deje la lista vacía para llegar a todos.",
            f"sex or gender targeting is not allowed ({', '.join(targeting.genders)}); "
            "leave it empty to reach everyone.",
            law="gender",
        )
    if targeting.postal_codes:
        r.add(
            "no_postal_codes",
            "postal_codes",
            "no se permite segmentar por código postal: puede discriminar por barrio.",
            "postal-code targeting is not allowed: it can discriminate by neighbourhood.",
        )
    for i, place in enumerate(targeting.locations):
        if place.radius_km is not None and place.radius_km < MIN_RADIUS_KM:
            r.add(
                "min_radius_24km",
                f"locations[{i}].radius_km",
                f"el radio alrededor de {place.name} es {place.radius_km:g} km; "
                f"el mínimo es {MIN_RADIUS_KM:g} km.",
                f"the radius around {place.name} is {place.radius_km:g} km; "
                f"the minimum is {MIN_RADIUS_KM:g} km.",
            )
        if place.country != country:
            r.add(
                "locations_in_country",
                f"locations[{i}].country",
                f"{place.name} está en {place.country}, fuera del país del anuncio ({country}).",
                f"{place.name} is in {place.country}, outside the ad's country ({country}).",
            )
    if targeting.excluded_locations:
        names = ", ".join(place.name for place in targeting.excluded_locations)
        r.add(
            "no_location_exclusions",
            "excluded_locations",
            f"no se pueden excluir ubicaciones ({names}).",
            f"locations may not be excluded ({names}).",
        )
    # The port's Targeting has no interest exclusions today; refuse them if a caller adds some.
    excluded_interests = tuple(getattr(targeting, "excluded_interests", ()) or ())
    if excluded_interests:
        r.add(
            "no_interest_exclusions",
            "excluded_interests",
            f"no se pueden excluir intereses ({', '.join(excluded_interests)}).",
            f"interests may not be excluded ({', '.join(excluded_interests)}).",
        )
    if targeting.lookalike:
        r.add(
            "no_lookalike",
            "lookalike",
            "no se permiten audiencias similares (lookalike): reproducen los sesgos de la fuente.",
            "lookalike audiences are not allowed: they reproduce the seed's biases.",
        )
    if targeting.expansion:
        r.add(
            "no_audience_expansion",
            "expansion",
            "no se permite la expansión automática de la audiencia.",
            "automatic audience expansion is not allowed.",
        )
    consenting = set(consenting_audience_ids)
    for i, audience_id in enumerate(targeting.custom_audience_ids):
        if audience_id not in consenting:
            r.add(
                "consenting_custom_audiences",
                f"custom_audience_ids[{i}]",
                f"la audiencia {audience_id} no consta como creada solo con candidatos que "
                "autorizaron el uso de sus datos para publicidad.",
                f"audience {audience_id} is not known to contain only candidates who consented "
                "to marketing use of their data.",
                law="consent",
            )
    return r.found


def segment_advisories(segment_profiles: Mapping[str, Mapping]) -> list[Advisory]:
    """Warnings for segments whose profile says age explains them (`age_proxy.warning`)."""
    advisories = []
    for name, profile in segment_profiles.items():
        if is_age_proxy(profile):
            advisories.append(
                Advisory(
                    rule="segment_age_proxy",
                    field=f"segments[{name}]",
                    message_es=(
                        f"El segmento {name} se explica en gran parte por la edad: dirigirle "
                        "anuncios de empleo puede funcionar como un filtro de edad indirecto "
                        "(Ley 931 de 2004). Revise que la oferta sea para todas las edades."
                    ),
                    message_en=(
                        f"Segment {name} is largely explained by age: targeting employment ads "
                        "at it may act as an indirect age filter (Colombian Ley 931 of 2004). "
                        "Check the offer is open to all ages."
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
