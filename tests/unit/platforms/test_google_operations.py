"""The Google Ads operations the adapter sends for one AdFlux ad (no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials

from adflux.platforms.base import AdSpec, Creative, GeoTarget, InvalidRequest, Targeting
from adflux.platforms.google_ads import operations as ops

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def client() -> GoogleAdsClient:
    # Building the client opens no connection; get_type/enums are local.
    return GoogleAdsClient(
        credentials=Credentials(token="t"), developer_token="d", version="v26", use_proto_plus=True
    )


def _spec(**changes) -> AdSpec:
    values = {
        "publication_key": "adflux-pub-42",
        "name": "Auxiliar contable",
        "creative": Creative(
            headlines=("Auxiliar contable en Bogotá", "Postúlate hoy", "Salario COP 2.500.000"),
            descriptions=("Empresa líder busca auxiliar contable.", "Aplica en minutos."),
            primary_text="",
            link_url="https://empleos.example.co/vacantes/42",
        ),
        "targeting": Targeting(),
        "daily_budget_cop": 50_000,
        "start_at": NOW + timedelta(days=1),
    }
    values.update(changes)
    return AdSpec(**values)


def test_budget_is_daily_micros_of_the_cop_amount(client):
    budget = ops.budget_operation(client, _spec()).create
    assert budget.amount_micros == 50_000_000_000
    assert budget.name == "[adflux-pub-42] budget: Auxiliar contable"
    assert budget.period.name == "DAILY"
    assert budget.explicitly_shared is False


def test_campaign_declares_no_eu_political_ads_and_is_paused_by_default(client):
    campaign = ops.campaign_operation(
        client, _spec(), "customers/1/campaignBudgets/9", now=NOW
    ).create
    assert campaign.contains_eu_political_advertising.name == (
        "DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING"
    )
    assert campaign.status.name == "PAUSED"
    assert campaign.advertising_channel_type.name == "SEARCH"
    assert campaign.campaign_budget == "customers/1/campaignBudgets/9"
    assert "manual_cpc" in campaign
    assert campaign.network_settings.target_content_network is False
    # Search campaigns serve whole days: 2026-12-02 15:00 UTC is 10:00 that day in Bogotá.
    assert campaign.start_date_time == "2026-12-02 00:00:00"
    assert not campaign.end_date_time  # no end: runs until paused


def test_active_campaign_starting_now_starts_today_in_the_account_time_zone(client):
    # 2026-12-02 03:00 UTC is still 2026-12-01 (22:00) in Bogotá.
    late_evening = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    spec = _spec(active=True, start_at=late_evening - timedelta(hours=6))
    campaign = ops.campaign_operation(
        client, spec, "customers/1/campaignBudgets/9", now=late_evening
    ).create
    assert campaign.status.name == "ENABLED"
    assert campaign.start_date_time == "2026-12-01 00:00:00"


def test_the_end_is_the_last_whole_day_in_the_account_time_zone(client):
    # 2026-12-20 23:59 in Bogotá is 2026-12-21 04:59 UTC.
    end = datetime(2026, 12, 21, 4, 59, tzinfo=UTC)
    campaign = ops.campaign_operation(
        client, _spec(end_at=end), "customers/1/campaignBudgets/9", now=NOW
    ).create
    assert campaign.end_date_time == "2026-12-20 23:59:59"


def test_country_and_language_criteria_without_cities(client):
    criteria = [op.create for op in ops.criteria_operations(client, _spec().targeting, "c/1")]
    assert [c.location.geo_target_constant for c in criteria if "location" in c] == [
        "geoTargetConstants/2170"
    ]
    assert [c.language.language_constant for c in criteria if "language" in c] == [
        "languageConstants/1003"
    ]


def test_cities_become_proximity_criteria_of_at_least_24_km(client):
    targeting = Targeting(
        locations=(
            GeoTarget("Bogotá", latitude=4.711, longitude=-74.0721, radius_km=10),
            GeoTarget("Medellín", latitude=6.2442, longitude=-75.5812),
        )
    )
    criteria = [op.create for op in ops.criteria_operations(client, targeting, "c/1")]
    proximities = [c.proximity for c in criteria if "proximity" in c]
    assert [p.radius for p in proximities] == [24.0, 25.0]
    assert proximities[0].geo_point.latitude_in_micro_degrees == 4_711_000
    assert proximities[0].radius_units.name == "KILOMETERS"
    assert not any("location" in c for c in criteria)


def test_ad_group_bid_is_a_twentieth_of_the_budget_within_bounds():
    assert ops.cpc_bid_micros(50_000) == 2_500_000_000
    assert ops.cpc_bid_micros(1_000) == 500_000_000
    assert ops.cpc_bid_micros(10_000_000) == 5_000_000_000


def test_responsive_search_ad_carries_the_fitted_texts(client):
    ad = ops.ad_operation(client, _spec().creative, "customers/1/adGroups/3").create
    rsa = ad.ad.responsive_search_ad
    assert [h.text for h in rsa.headlines] == list(_spec().creative.headlines)
    assert [d.text for d in rsa.descriptions] == list(_spec().creative.descriptions)
    assert list(ad.ad.final_urls) == ["https://empleos.example.co/vacantes/42"]
    assert ad.status.name == "ENABLED"


def test_an_ad_group_without_audiences_sets_no_targeting_setting(client):
    group = ops.ad_group_operation(client, _spec(), "customers/1/campaigns/2").create
    assert "targeting_setting" not in group
    assert ops.audience_operations(client, _spec().targeting, "customers/1/adGroups/3") == []


def test_audiences_restrict_the_ad_group_to_their_users(client):
    spec = _spec(targeting=Targeting(custom_audience_ids=("customers/1/userLists/55",)))
    group = ops.ad_group_operation(client, spec, "customers/1/campaigns/2").create
    (restriction,) = group.targeting_setting.target_restrictions
    # "Targeting", not "Observation" (bid_only=true would only adjust bids).
    assert restriction.targeting_dimension.name == "AUDIENCE"
    assert restriction.bid_only is False
    assert "bid_only" in restriction  # sent explicitly, not left to the default


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        # What UserListService answers, and what sync_audience returns.
        ("customers/1234567890/userLists/555", "customers/1234567890/userLists/555"),
        # The Data Manager API's name for the same list.
        (
            "accountTypes/GOOGLE_ADS/accounts/1234567890/userLists/555",
            "customers/1234567890/userLists/555",
        ),
        ("555", "customers/1234567890/userLists/555"),
    ],
)
def test_each_audience_is_a_user_list_criterion_of_the_ad_group(client, held, expected):
    spec = _spec(targeting=Targeting(custom_audience_ids=(held,)))
    (op,) = ops.audience_operations(client, spec.targeting, "customers/1234567890/adGroups/3")
    assert op.create.ad_group == "customers/1234567890/adGroups/3"
    assert op.create.user_list.user_list == expected
    assert op.create.status.name == "ENABLED"
    assert not op.create.negative


def test_the_same_list_twice_is_one_criterion(client):
    ids = ("customers/1/userLists/55", "55", "customers/1/userLists/56")
    spec = _spec(targeting=Targeting(custom_audience_ids=ids))
    ops_ = ops.audience_operations(client, spec.targeting, "customers/1/adGroups/3")
    assert [op.create.user_list.user_list for op in ops_] == [
        "customers/1/userLists/55",
        "customers/1/userLists/56",
    ]


@pytest.mark.parametrize("held", ["ca-101", "customers/1/campaigns/55", "accountTypes/META/1", ""])
def test_an_id_that_is_no_user_list_is_refused_naming_it(client, held):
    spec = _spec(targeting=Targeting(custom_audience_ids=("55", held)))
    with pytest.raises(InvalidRequest) as caught:
        ops.audience_operations(client, spec.targeting, "customers/1/adGroups/3")
    assert caught.value.field == "targeting.custom_audience_ids[1]"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Auxiliar Contable", "auxiliar contable"),
        ("¡Empleo! @Bogotá, ya*", "¡empleo bogotá ya"),
        (
            "uno dos tres cuatro cinco seis siete ocho nueve diez once",
            "uno dos tres cuatro cinco seis siete ocho nueve diez",
        ),
        ("!!!", None),
    ],
)
def test_keywords_are_cleaned_to_what_google_accepts(raw, expected):
    assert ops.clean_keyword(raw) == expected


def test_keyword_operations_deduplicate_and_use_phrase_match(client):
    spec = _spec(targeting=Targeting(keywords=("Contador", "contador", "!!")))
    keywords = [op.create.keyword for op in ops.keyword_operations(client, spec.targeting, "g/1")]
    assert [(k.text, k.match_type.name) for k in keywords] == [("contador", "PHRASE")]


def test_status_update_names_only_status_in_the_mask(client):
    op = ops.status_operation(client, "customers/1/campaigns/2", True)
    assert list(op.update_mask.paths) == ["status"]
    assert op.update.status.name == "ENABLED"


def test_like_prefix_escapes_gaql_wildcards_and_brackets():
    assert ops.like_prefix("[adflux-pub_1] ") == "[[]adflux-pub[_]1[]] %"
    assert ops.quote("it's") == "'it\\'s'"
