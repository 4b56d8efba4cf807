"""Employment-ad rules: every rule refuses with its own message, on every platform."""

from __future__ import annotations

import dataclasses

import pytest

from adflux.campaigns.compliance import (
    ACKNOWLEDGEABLE_WARNINGS,
    NARROWING_RULES,
    TARGETING_FIELD,
    TARGETING_REFUSAL,
    AcknowledgementRequired,
    Advisory,
    ComplianceError,
    Violation,
    check_targeting,
    ensure_acknowledged,
    ensure_compliant,
    forbidden_narrowing,
    narrowing_messages,
    rule_for_field,
    segment_advisories,
)
from adflux.errors import AdfluxError
from adflux.platforms.base import GeoTarget, Targeting

PLATFORMS = ("meta", "google", "x", "tiktok")
BOGOTA = GeoTarget("Bogotá", "CO", 4.7110, -74.0721, 25.0)


@dataclasses.dataclass(frozen=True)
class TargetingWithInterestExclusions(Targeting):
    """What a caller would pass if the port ever grows interest exclusions."""

    excluded_interests: tuple[str, ...] = ()


# rule id, field, the offending targeting, a Spanish and an English fragment of the message
RULE_CASES = [
    (
        "age_min_18",
        "age_min",
        Targeting(age_min=25),
        "la edad mínima debe ser 18 (se recibió 25)",
        "minimum age must be 18 (got 25)",
    ),
    (
        "age_max_65_plus",
        "age_max",
        Targeting(age_max=35),
        "la edad máxima debe ser 65+ o ninguna (se recibió 35)",
        "maximum age must be 65+ or none (got 35)",
    ),
    (
        "all_genders",
        "genders",
        Targeting(genders=("female",)),
        "no se puede segmentar por sexo o género (female)",
        "sex or gender targeting is not allowed (female)",
    ),
    (
        "no_postal_codes",
        "postal_codes",
        Targeting(postal_codes=("110111",)),
        "no se permite segmentar por código postal",
        "postal-code targeting is not allowed",
    ),
    (
        "min_radius_24km",
        "locations[0].radius_km",
        Targeting(locations=(dataclasses.replace(BOGOTA, radius_km=10.0),)),
        "el radio alrededor de Bogotá es 10 km; el mínimo es 24 km",
        "the radius around Bogotá is 10 km; the minimum is 24 km",
    ),
    (
        "locations_in_country",
        "locations[0].country",
        Targeting(locations=(GeoTarget("Caracas", "VE", 10.48, -66.90, 25.0),)),
        "Caracas está en VE, fuera del país del anuncio (CO)",
        "Caracas is in VE, outside the ad's country (CO)",
    ),
    (
        "no_location_exclusions",
        "excluded_locations",
        Targeting(excluded_locations=(GeoTarget("Soacha"),)),
        "no se pueden excluir ubicaciones (Soacha)",
        "locations may not be excluded (Soacha)",
    ),
    (
        "no_interest_exclusions",
        "excluded_interests",
        TargetingWithInterestExclusions(excluded_interests=("Maternidad",)),
        "no se pueden excluir intereses (Maternidad)",
        "interests may not be excluded (Maternidad)",
    ),
    (
        "no_lookalike",
        "lookalike",
        Targeting(lookalike=True),
        "no se permiten audiencias similares (lookalike)",
        "lookalike audiences are not allowed",
    ),
    (
        "no_audience_expansion",
        "expansion",
        Targeting(expansion=True),
        "no se permite la expansión automática de la audiencia",
        "automatic audience expansion is not allowed",
    ),
    (
        "consenting_custom_audiences",
        "custom_audience_ids[0]",
        Targeting(custom_audience_ids=("23851234",)),
        "la audiencia 23851234 no consta como creada solo con candidatos que autorizaron",
        "audience 23851234 is not known to contain only candidates who consented",
    ),
]
# The distinctive part of each platform's source (the full Meta wording is pinned below).
PLATFORM_SOURCES = {
    "meta": ("categoría especial de anuncios EMPLOYMENT", "special ad category EMPLOYMENT"),
    "google": ("acceso a oportunidades", "access to opportunities"),
    "x": ("(HLE)", "(HLE) limitations"),
    "tiktok": ("special_industries EMPLOYMENT", "(special_industries)"),
    "snapchat": ("vivienda, empleo y crédito", "(regulated_content)"),
}
CO_LAW = {
    "age_min_18": ("Ley 931 de 2004 (Colombia)", "Colombian Ley 931 of 2004"),
    "age_max_65_plus": ("Ley 931 de 2004 (Colombia)", "Colombian Ley 931 of 2004"),
    "all_genders": (
        "Constitución Política de Colombia, art. 13 y 43",
        "Colombian Constitution, articles 13 and 43",
    ),
    "consenting_custom_audiences": (
        "Ley 1581 de 2012 (habeas data, autorización previa)",
        "Colombian Ley 1581 of 2012 (data protection, prior consent)",
    ),
}
POLICY = (
    "política de AdFlux: las mismas reglas en todos los países",
    "AdFlux policy: the same rules in every country",
)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_default_targeting_complies(platform: str) -> None:
    assert check_targeting(platform, Targeting()) == []
    assert check_targeting(platform, Targeting(age_max=None)) == []  # type: ignore[arg-type]
    assert check_targeting(platform, Targeting(locations=(BOGOTA,))) == []


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    ("rule", "field", "targeting", "es", "en"), RULE_CASES, ids=[c[0] for c in RULE_CASES]
)
def test_each_rule_refuses_with_its_own_message(
    platform: str, rule: str, field: str, targeting: Targeting, es: str, en: str
) -> None:
    violations = check_targeting(platform, targeting)

    assert [(v.rule, v.field) for v in violations] == [(rule, field)]
    violation = violations[0]
    law_es, law_en = CO_LAW.get(rule, POLICY)
    platform_es, platform_en = PLATFORM_SOURCES[platform]
    spanish, english = violation.message.render("es"), violation.message.render("en")
    assert spanish.startswith(f"Regla {rule}: ")
    assert es in spanish
    assert f"Fuente: {law_es}; " in spanish
    assert platform_es in spanish.split("Fuente: ")[1]
    assert english.startswith(f"Rule {rule}: ")
    assert en in english
    assert f"Source: {law_en}; " in english
    assert platform_en in english.split("Source: ")[1]


def test_full_age_message_on_meta() -> None:
    [violation] = check_targeting("meta", Targeting(age_min=25))

    assert violation.message.render("es") == (
        "Regla age_min_18: la edad mínima debe ser 18 (se recibió 25); los anuncios de empleo no "
        "pueden limitar por edad. Fuente: Ley 931 de 2004 (Colombia); Meta, categoría especial "
        "de anuncios EMPLOYMENT."
    )
    assert violation.message.render("en") == (
        "Rule age_min_18: minimum age must be 18 (got 25); employment ads may not limit by age. "
        "Source: Colombian Ley 931 of 2004; Meta special ad category EMPLOYMENT."
    )


def test_outside_colombia_the_same_rules_cite_adflux_policy() -> None:
    [violation] = check_targeting("google", Targeting(country="US", age_min=21), country="US")

    assert violation.rule == "age_min_18"
    assert "Ley 931" not in violation.message.render("es")
    assert violation.message.render("en").endswith(
        "Source: AdFlux policy: the same rules in every country; "
        "Google Ads personalized advertising policy, access to opportunities (employment)."
    )


def test_radius_boundary_and_city_without_radius() -> None:
    at_minimum = dataclasses.replace(BOGOTA, radius_km=24.0)
    just_under = dataclasses.replace(BOGOTA, radius_km=23.9)
    city_key = GeoTarget("Medellín")  # the platform's own city key, no radius

    assert check_targeting("meta", Targeting(locations=(at_minimum, city_key))) == []
    [violation] = check_targeting("meta", Targeting(locations=(at_minimum, just_under)))
    assert violation.field == "locations[1].radius_km"


def test_consenting_audiences_pass_and_others_are_named() -> None:
    targeting = Targeting(custom_audience_ids=("111", "222", "333"))

    violations = check_targeting("x", targeting, consenting_audience_ids={"111", "333"})

    assert [(v.rule, v.field) for v in violations] == [
        ("consenting_custom_audiences", "custom_audience_ids[1]")
    ]
    assert "222" in violations[0].message.render("es")


def test_every_violation_is_reported_at_once() -> None:
    targeting = Targeting(
        age_min=18,
        age_max=40,
        genders=("male",),
        postal_codes=("050021",),
        lookalike=True,
        expansion=True,
    )

    rules = [v.rule for v in check_targeting("tiktok", targeting)]

    assert rules == [
        "age_max_65_plus",
        "all_genders",
        "no_postal_codes",
        "no_lookalike",
        "no_audience_expansion",
    ]


def test_unknown_platform_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown platform 'linkedin'"):
        check_targeting("linkedin", Targeting())


# --------------------------------------------------------------------------- ensure_compliant


def test_ensure_compliant_raises_a_422_domain_error() -> None:
    with pytest.raises(ComplianceError) as caught:
        ensure_compliant("meta", Targeting(age_min=30, genders=("female",)))

    error = caught.value
    assert isinstance(error, AdfluxError)
    assert (error.status, error.code) == (422, "employment_ad_compliance")
    assert [v.rule for v in error.violations] == ["age_min_18", "all_genders"]
    assert error.message == "The targeting breaks employment-ad rules (age_min_18, all_genders)"
    assert error.localised("es") == (
        "La segmentación incumple reglas de anuncios de empleo (age_min_18, all_genders)"
    )
    assert error.localised_fields("es")["age_min"] == [error.violations[0].message.render("es")]
    assert error.fields["genders"] == [error.violations[1].message.render("en")]
    assert all(isinstance(v, Violation) for v in error.violations)


def test_ensure_compliant_returns_age_proxy_advisories() -> None:
    profiles = {
        "Recién egresados de Bogotá": {"age_proxy": {"warning": True, "r2": 0.71}},
        "Técnicos en mantenimiento": {"age_proxy": {"warning": False}},
        "Sin análisis": {},
    }

    advisories = ensure_compliant("google", Targeting(), segment_profiles=profiles)

    assert advisories == segment_advisories(profiles)
    assert [(a.rule, a.field) for a in advisories] == [
        ("segment_age_proxy", "segments[Recién egresados de Bogotá]")
    ]
    advisory = advisories[0]
    assert isinstance(advisory, Advisory)
    assert "puede funcionar como un filtro de edad indirecto" in advisory.message.render("es")
    assert "may act as an indirect age filter" in advisory.message.render("en")


def test_an_age_proxy_is_a_warning_not_a_refusal_but_violations_still_refuse() -> None:
    profiles = {"Segmento 3": {"age_proxy": {"warning": True}}}

    assert len(ensure_compliant("x", Targeting(), segment_profiles=profiles)) == 1
    with pytest.raises(ComplianceError):
        ensure_compliant("x", Targeting(age_max=30), segment_profiles=profiles)


# --------------------------------------------------------------------------- the rules table


def test_each_narrowing_field_belongs_to_exactly_one_rule() -> None:
    names = [name for rule in NARROWING_RULES.values() for name in rule.fields]
    assert len(names) == len(set(names))
    assert TARGETING_FIELD not in names
    for rule in NARROWING_RULES.values():
        assert all(rule_for_field(name) is rule for name in rule.fields)


@pytest.mark.parametrize("rule", list(NARROWING_RULES.values()), ids=lambda r: r.rule)
def test_each_rule_says_what_is_forbidden_why_and_on_whose_authority(rule) -> None:  # type: ignore[no-untyped-def]
    english, spanish = rule.message.render("en"), rule.message.render("es")
    assert english.startswith(f"{rule.what.render('en')} is not allowed in job ads (")
    assert spanish.startswith(f"{rule.what.render('es')} no está permitida en anuncios de empleo (")
    assert english.endswith(f"[rule {rule.rule}]")
    assert spanish.endswith(f"[regla {rule.rule}]")
    assert rule.platforms, "every rule comes from at least one platform's policy"
    law_en = rule.law.render("en") if rule.law else "AdFlux policy: the same rules in every country"
    assert english.split(" is not allowed in job ads (")[1].startswith(law_en)


def test_age_gender_and_postal_rules_cite_the_law_and_every_platform() -> None:
    age = NARROWING_RULES["no_age_targeting"]
    assert "(Colombian Ley 931 of 2004; " in age.message.render("en")
    assert "(Constitución Política de Colombia, art. 13 y 43; Ley 1482 de 2011; " in (
        NARROWING_RULES["no_gender_targeting"].message.render("es")
    )
    for rule in ("no_age_targeting", "no_gender_targeting", "no_postal_codes"):
        sources = NARROWING_RULES[rule].message.render("en").split(" is not allowed in job ads")[1]
        for platform in ("Meta", "Google Ads", "X Ads", "TikTok", "Snapchat"):
            assert platform in sources


def test_forbidden_narrowing_finds_fields_at_the_top_and_inside_targeting() -> None:
    body = {
        "job_id": 3,
        "Age-Min": 25,
        "targeting": {"genders": ["female"], "zip_codes": ["110111"], "cities": ["Cali"]},
        "colour": "red",
    }

    found = forbidden_narrowing(body)

    assert [(field, rule.rule if rule else None) for field, rule in found] == [
        ("Age-Min", "no_age_targeting"),
        ("targeting", None),
        ("targeting.genders", "no_gender_targeting"),
        ("targeting.zip_codes", "no_postal_codes"),
    ]
    messages = narrowing_messages(body)
    assert messages["Age-Min"] == [NARROWING_RULES["no_age_targeting"].message]
    assert messages["targeting"] == [TARGETING_REFUSAL]


@pytest.mark.parametrize("data", [None, [], "age_min", 3, [{"age_min": 25}], {"job_id": 1}])
def test_forbidden_narrowing_ignores_what_carries_no_such_field(data) -> None:  # type: ignore[no-untyped-def]
    assert forbidden_narrowing(data) == []
    assert narrowing_messages(data) == {}


def test_an_unacknowledged_age_proxy_is_refused_and_an_acknowledged_one_passes() -> None:
    advisories = segment_advisories({"Recién egresados": {"age_proxy": {"warning": True}}})

    with pytest.raises(AcknowledgementRequired) as refused:
        ensure_acknowledged(advisories, ())

    error = refused.value
    assert isinstance(error, AdfluxError) and error.status == 422
    assert error.code == "acknowledgement_required"
    assert error.fields["segment_ids"] == [advisories[0].message.render("en")]
    assert error.localised_fields("es")["segment_ids"] == [advisories[0].message.render("es")]
    assert 'acknowledge_warnings: ["segment_age_proxy"]' in error.fields["acknowledge_warnings"][0]
    assert error.localised_fields("es")["acknowledge_warnings"][0].startswith(
        "confirme que la oferta es para todas las edades"
    )
    assert ensure_acknowledged(advisories, ACKNOWLEDGEABLE_WARNINGS) is None
    assert ensure_acknowledged([], ()) is None
