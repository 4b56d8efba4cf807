"""The Google Ads sandbox refuses what Google refuses, with Google's failure shape (plain SDK)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import httpx
import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure
from google.api_core import exceptions as core
from google.api_core import protobuf_helpers
from tests.integration.sandbox.google_support import (
    CREDENTIALS,
    CUSTOMER_ID,
    ROOTS_ENV,
    raw_client,
    reset,
    search,
)

from adflux.sandbox.delivery import local_day
from adflux.sandbox.faults import FaultPlan
from adflux.sandbox.google_ads import gaql
from adflux.sandbox.server import RunningSandbox, start_in_thread

FAILURE_KEY = "google.ads.googleads.v26.errors.googleadsfailure-bin"
SERVICE = "/google.ads.googleads.v26.services"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with pytest.MonkeyPatch.context() as patch:
        running = start_in_thread(http_port=0, grpc_port=0)
        patch.setenv(ROOTS_ENV, str(running.ca_pem))
        yield running
        running.stop()


@pytest.fixture
def client(sandbox: RunningSandbox):
    reset(sandbox)
    return raw_client(sandbox)


def _budget_op(client, name: str = "Presupuesto", micros: int = 50_000_000_000):
    op = client.get_type("CampaignBudgetOperation")
    op.create.name = name
    op.create.amount_micros = micros
    op.create.delivery_method = client.enums.BudgetDeliveryMethodEnum.STANDARD
    op.create.explicitly_shared = False
    return op


def _budget(client) -> str:
    service = client.get_service("CampaignBudgetService")
    return (
        service.mutate_campaign_budgets(customer_id=CUSTOMER_ID, operations=[_budget_op(client)])
        .results[0]
        .resource_name
    )


def _campaign_op(client, budget: str, *, eu_declared: bool = True, name: str = "Campaña"):
    op = client.get_type("CampaignOperation")
    campaign = op.create
    campaign.name = name
    campaign.advertising_channel_type = client.enums.AdvertisingChannelTypeEnum.SEARCH
    campaign.status = client.enums.CampaignStatusEnum.PAUSED
    campaign.campaign_budget = budget
    campaign.manual_cpc.enhanced_cpc_enabled = False
    if eu_declared:
        campaign.contains_eu_political_advertising = (
            client.enums.EuPoliticalAdvertisingStatusEnum.DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING
        )
    return op


def _mutate(client, service: str, method: str, ops) -> list[str]:
    response = getattr(client.get_service(service), method)(customer_id=CUSTOMER_ID, operations=ops)
    return [r.resource_name for r in response.results]


def _campaign(client) -> str:
    return _mutate(
        client, "CampaignService", "mutate_campaigns", [_campaign_op(client, _budget(client))]
    )[0]


def _ad_group(client) -> str:
    op = client.get_type("AdGroupOperation")
    op.create.name = "Grupo"
    op.create.campaign = _campaign(client)
    op.create.cpc_bid_micros = 1_000_000_000
    return _mutate(client, "AdGroupService", "mutate_ad_groups", [op])[0]


def _ad_op(client, ad_group: str, headlines, descriptions):
    op = client.get_type("AdGroupAdOperation")
    op.create.ad_group = ad_group
    op.create.ad.final_urls.append("https://empleos.example.co/vacantes/1")
    for text in headlines:
        asset = client.get_type("AdTextAsset")
        asset.text = text
        op.create.ad.responsive_search_ad.headlines.append(asset)
    for text in descriptions:
        asset = client.get_type("AdTextAsset")
        asset.text = text
        op.create.ad.responsive_search_ad.descriptions.append(asset)
    return op


def _path(error) -> list[tuple[str, int | None]]:
    return [
        (e.field_name, e.index if "index" in e else None)
        for e in error.location.field_path_elements
    ]


def _code(error) -> str:
    return str(error.error_code).strip()


def test_over_long_headline_is_refused_with_the_real_failure_shape(client):
    ad_group = _ad_group(client)
    op = _ad_op(
        client,
        ad_group,
        ["Uno", "Auxiliar contable con experiencia en Bogotá", "Tres"],
        ["Una descripción.", "Otra."],
    )
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "AdGroupAdService", "mutate_ad_group_ads", [op])

    exc = caught.value
    assert exc.error.code() == grpc.StatusCode.INVALID_ARGUMENT
    (error,) = exc.failure.errors
    assert _code(error) == "string_length_error: TOO_LONG"
    assert _path(error) == [
        ("operations", 0),
        ("create", None),
        ("ad", None),
        ("responsive_search_ad", None),
        ("headlines", 1),
        ("text", None),
    ]
    assert error.trigger.string_value == "Auxiliar contable con experiencia en Bogotá"
    trailer = dict(exc.call.trailing_metadata())
    assert trailer["request-id"] == exc.request_id == exc.failure.request_id
    assert FAILURE_KEY in trailer
    assert search(client, "SELECT ad_group_ad.resource_name FROM ad_group_ad") == []


def test_rsa_asset_counts_are_checked(client):
    ad_group = _ad_group(client)
    op = _ad_op(client, ad_group, ["Uno", "Dos"], ["a", "b", "c", "d", "e"])
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "AdGroupAdService", "mutate_ad_group_ads", [op])
    codes = {(_code(e), _path(e)[-1][0]) for e in caught.value.failure.errors}
    assert codes == {
        ("collection_size_error: TOO_FEW", "headlines"),
        ("collection_size_error: TOO_MANY", "descriptions"),
    }


def test_campaign_without_eu_political_declaration_is_refused(client):
    op = _campaign_op(client, _budget(client), eu_declared=False)
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignService", "mutate_campaigns", [op])
    (error,) = caught.value.failure.errors
    assert _code(error) == "field_error: REQUIRED"
    assert _path(error)[-1] == ("contains_eu_political_advertising", None)


def test_references_must_exist(client):
    op = _campaign_op(client, f"customers/{CUSTOMER_ID}/campaignBudgets/424242")
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignService", "mutate_campaigns", [op])
    (error,) = caught.value.failure.errors
    assert _code(error) == "mutate_error: RESOURCE_NOT_FOUND"
    assert _path(error)[-1] == ("campaign_budget", None)


def test_a_non_shared_budget_serves_one_campaign_and_names_are_unique(client):
    budget = _budget(client)
    _mutate(client, "CampaignService", "mutate_campaigns", [_campaign_op(client, budget)])
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignService", "mutate_campaigns", [_campaign_op(client, budget)])
    assert {_code(e) for e in caught.value.failure.errors} == {
        "campaign_error: DUPLICATE_CAMPAIGN_NAME",
        "campaign_budget_error: CAMPAIGN_BUDGET_CANNOT_BE_SHARED",
    }


def test_a_request_is_atomic(client):
    ops = [_budget_op(client, "Bueno"), _budget_op(client, "Malo", micros=0)]
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignBudgetService", "mutate_campaign_budgets", ops)
    (error,) = caught.value.failure.errors
    assert _path(error)[0] == ("operations", 1)
    assert search(client, "SELECT campaign_budget.id FROM campaign_budget") == []


def test_updates_need_a_mask_and_respect_immutable_fields(client):
    campaign = _campaign(client)
    op = client.get_type("CampaignOperation")
    op.update.resource_name = campaign
    op.update.status = client.enums.CampaignStatusEnum.ENABLED
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignService", "mutate_campaigns", [op])
    assert _code(caught.value.failure.errors[0]) == "field_mask_error: FIELD_MASK_MISSING"

    op.update.advertising_channel_type = client.enums.AdvertisingChannelTypeEnum.DISPLAY
    client.copy_from(op.update_mask, protobuf_helpers.field_mask(None, op.update._pb))
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignService", "mutate_campaigns", [op])
    assert _code(caught.value.failure.errors[0]) == "field_error: IMMUTABLE_FIELD"


def test_remove_keeps_the_object_as_removed(client):
    campaign = _campaign(client)
    op = client.get_type("CampaignOperation")
    op.remove = campaign
    _mutate(client, "CampaignService", "mutate_campaigns", [op])
    (row,) = search(
        client, f"SELECT campaign.status FROM campaign WHERE campaign.resource_name = '{campaign}'"
    )
    assert row.campaign.status.name == "REMOVED"
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignService", "mutate_campaigns", [op])
    assert _code(caught.value.failure.errors[0]) == (
        "operation_access_denied_error: OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE"
    )


def test_validate_only_stores_nothing(client):
    service = client.get_service("CampaignBudgetService")
    request = client.get_type("MutateCampaignBudgetsRequest")
    request.customer_id = CUSTOMER_ID
    request.operations.append(_budget_op(client))
    request.validate_only = True
    service.mutate_campaign_budgets(request=request)
    assert search(client, "SELECT campaign_budget.id FROM campaign_budget") == []


def test_quota_error_surfaces_raw_with_retry_delay_in_the_trailer(client, sandbox):
    sandbox.state.faults.set("google", FaultPlan(rate_limit=1.0, times=1, retry_after_s=42))
    with pytest.raises(core.ResourceExhausted) as caught:
        _budget(client)
    trailer = dict(caught.value.response.trailing_metadata())
    failure = GoogleAdsFailure.deserialize(trailer[FAILURE_KEY])
    delay = failure.errors[0].details.quota_error_details.retry_delay
    assert delay.total_seconds() == 42
    assert _code(failure.errors[0]) == "quota_error: RESOURCE_TEMPORARILY_EXHAUSTED"


def test_another_customer_is_permission_denied(client):
    with pytest.raises(GoogleAdsException) as caught:
        client.get_service("CampaignBudgetService").mutate_campaign_budgets(
            customer_id="9999999999", operations=[_budget_op(client)]
        )
    assert caught.value.error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_wrong_developer_token_is_unauthenticated(sandbox, client):
    stranger = raw_client(sandbox, developer_token="someone-elses-token")
    with pytest.raises(GoogleAdsException) as caught:
        search(stranger, "SELECT campaign.id FROM campaign")
    assert caught.value.error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _code(caught.value.failure.errors[0]) == "authentication_error: DEVELOPER_TOKEN_INVALID"


# ---------------------------------------------------------------------- GAQL


def test_search_returns_only_the_selected_fields(client):
    _campaign(client)
    service = client.get_service("GoogleAdsService")
    (batch,) = list(
        service.search_stream(customer_id=CUSTOMER_ID, query="SELECT campaign.name FROM campaign")
    )
    assert list(batch.field_mask.paths) == ["campaign.name"]
    (row,) = batch.results
    assert row.campaign.name == "Campaña"
    assert row.campaign.id == 0 and not row.campaign.campaign_budget


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SELECT campaign.nombre FROM campaign", "UNRECOGNIZED_FIELD"),
        ("SELECT campaign.id FROM customer_client", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
        ("SELECT ad_group.id FROM campaign", "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE"),
        ("SELECT campaign.id, segments.date FROM campaign", "EXPECTED_FILTERS_ON_DATE_RANGE"),
        ("SELECT campaign.id FROM campaign WHERE", "UNEXPECTED_END_OF_QUERY"),
        ("SELECT campaign.id FROM campaign LIMIT 0", "BAD_LIMIT_VALUE"),
    ],
)
def test_bad_queries_are_query_errors(client, query, code):
    with pytest.raises(GoogleAdsException) as caught:
        search(client, query)
    assert _code(caught.value.failure.errors[0]) == f"query_error: {code}"


def test_like_brackets_escape_literals():
    pattern = gaql.like_to_regex("[[]adflux-pub-1[]] %")
    assert pattern.fullmatch("[adflux-pub-1] campaign: x")
    assert not pattern.fullmatch("[adflux-pub-12] campaign: x")
    assert gaql.like_to_regex("a_c%").fullmatch("abcdef")


def test_where_order_and_limit(client):
    for name in ("B", "A", "C"):
        _mutate(
            client, "CampaignBudgetService", "mutate_campaign_budgets", [_budget_op(client, name)]
        )
    rows = search(
        client,
        "SELECT campaign_budget.name FROM campaign_budget WHERE campaign_budget.name != 'B' "
        "ORDER BY campaign_budget.name DESC LIMIT 1",
    )
    in_list = search(
        client,
        "SELECT campaign_budget.name FROM campaign_budget "
        "WHERE campaign_budget.name IN ('A', 'B') ORDER BY campaign_budget.name",
    )
    assert [r.campaign_budget.name for r in in_list] == ["A", "B"]
    assert [r.campaign_budget.name for r in rows] == ["C"]


# ---------------------------------------------------------------------- Data Manager


def _user_list(client) -> str:
    op = client.get_type("UserListOperation")
    op.create.name = "Lista"
    op.create.crm_based_user_list.upload_key_type = (
        client.enums.CustomerMatchUploadKeyTypeEnum.CONTACT_INFO
    )
    return _mutate(client, "UserListService", "mutate_user_lists", [op])[0]


def _ingest_body(list_id: str, **changes) -> dict:
    body = {
        "destinations": [
            {
                "operatingAccount": {"accountType": "GOOGLE_ADS", "accountId": CUSTOMER_ID},
                "productDestinationId": list_id,
            }
        ],
        "audienceMembers": [{"userData": {"userIdentifiers": [{"emailAddress": "a" * 64}]}}],
        "consent": {"adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_GRANTED"},
        "encoding": "HEX",
        "termsOfService": {"customerMatchTermsOfServiceStatus": "ACCEPTED"},
    }
    body.update(changes)
    return body


def _ingest(sandbox: RunningSandbox, body: dict, token: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{sandbox.base_url}/v1/audienceMembers:ingest",
        json=body,
        headers={"Authorization": f"Bearer {token or CREDENTIALS['access_token']}"},
    )


def test_datamanager_accepts_enum_names_as_well_as_numbers(sandbox, client):
    list_id = _user_list(client).rsplit("/", 1)[-1]
    assert _ingest(sandbox, _ingest_body(list_id)).status_code == 200
    numeric = _ingest_body(list_id, encoding=1, consent={"adUserData": 1, "adPersonalization": 1})
    numeric["destinations"][0]["operatingAccount"]["accountType"] = 1
    answer = _ingest(sandbox, numeric)
    assert answer.status_code == 200 and answer.json()["requestId"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"encoding": "ROT13"}, "INVALID_ENUM_VALUE"),
        (
            {
                "audienceMembers": [
                    {"userData": {"userIdentifiers": [{"emailAddress": "ana@x.co"}]}}
                ]
            },
            "INVALID_HEX_ENCODING",
        ),
        ({"termsOfService": {}}, "TERMS_AND_CONDITIONS_NOT_SIGNED"),
        ({"audienceMembers": []}, "REQUIRED_FIELD_MISSING"),
    ],
)
def test_datamanager_refusals_use_googles_error_shape(sandbox, client, changes, reason):
    list_id = _user_list(client).rsplit("/", 1)[-1]
    answer = _ingest(sandbox, _ingest_body(list_id, **changes))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "datamanager.googleapis.com",
    }


def test_datamanager_checks_the_bearer_token(sandbox, client):
    list_id = _user_list(client).rsplit("/", 1)[-1]
    assert _ingest(sandbox, _ingest_body(list_id), token="forged").status_code == 401
    sandbox.state.revoke("google")
    assert _ingest(sandbox, _ingest_body(list_id)).status_code == 401


def test_added_latency_delays_the_answer(sandbox, client):
    sandbox.state.faults.set("google", FaultPlan(latency_ms=300))
    started = time.monotonic()
    search(client, "SELECT campaign.id FROM campaign")
    assert time.monotonic() - started >= 0.3


def test_google_ads_mutate_resolves_temp_ids_atomically(client):
    budget = _budget_op(client, "Temporal")
    budget.create.resource_name = f"customers/{CUSTOMER_ID}/campaignBudgets/-1"
    campaign = _campaign_op(client, budget.create.resource_name)
    campaign.create.resource_name = f"customers/{CUSTOMER_ID}/campaigns/-2"
    group = client.get_type("AdGroupOperation")
    group.create.name = "Grupo"
    group.create.campaign = campaign.create.resource_name
    operations = []
    for field, op in (
        ("campaign_budget_operation", budget),
        ("campaign_operation", campaign),
        ("ad_group_operation", group),
    ):
        wrapper = client.get_type("MutateOperation")
        client.copy_from(getattr(wrapper, field), op)
        operations.append(wrapper)
    service = client.get_service("GoogleAdsService")

    response = service.mutate(customer_id=CUSTOMER_ID, mutate_operations=operations)

    budget_name = response.mutate_operation_responses[0].campaign_budget_result.resource_name
    campaign_name = response.mutate_operation_responses[1].campaign_result.resource_name
    (row,) = search(
        client,
        "SELECT campaign.campaign_budget, ad_group.campaign FROM ad_group",
    )
    assert row.ad_group.campaign == campaign_name
    assert row.campaign.campaign_budget == budget_name
    assert not budget_name.endswith("/-1")

    group.create.name = "Otro grupo"
    group.create.campaign = f"customers/{CUSTOMER_ID}/campaigns/-9"  # never created
    wrapper = client.get_type("MutateOperation")
    client.copy_from(wrapper.ad_group_operation, group)
    with pytest.raises(GoogleAdsException) as caught:
        service.mutate(customer_id=CUSTOMER_ID, mutate_operations=[operations[0], wrapper])
    assert _path(caught.value.failure.errors[-1])[:2] == [
        ("mutate_operations", 1),
        ("ad_group_operation", None),
    ]
    assert len(search(client, "SELECT campaign_budget.id FROM campaign_budget")) == 1


def test_the_request_log_lists_each_rpc_with_its_status(sandbox, client):
    sandbox.state.requests.clear()
    _budget(client)
    with pytest.raises(GoogleAdsException):
        _mutate(client, "CampaignService", "mutate_campaigns", [_campaign_op(client, "nope")])
    search(client, "SELECT campaign.id FROM campaign")

    entries = httpx.get(f"{sandbox.base_url}/_sandbox/requests?platform=google").json()
    assert [(e["protocol"], e["method"], e["path"], e["status"]) for e in entries["requests"]] == [
        ("grpc", "POST", f"{SERVICE}.CampaignBudgetService/MutateCampaignBudgets", "OK"),
        ("grpc", "POST", f"{SERVICE}.CampaignService/MutateCampaigns", "INVALID_ARGUMENT"),
        ("grpc", "POST", f"{SERVICE}.GoogleAdsService/SearchStream", "OK"),
    ]
    assert sandbox.state.credentials["google"]["access_token"] not in str(entries)


# --------------------------------------------------------------------------- audience criteria


def _user_list(client, name: str = "Segmento 1") -> str:
    op = client.get_type("UserListOperation")
    op.create.name = name
    op.create.crm_based_user_list.upload_key_type = (
        client.enums.CustomerMatchUploadKeyTypeEnum.CONTACT_INFO
    )
    return _mutate(client, "UserListService", "mutate_user_lists", [op])[0]


def _audience_op(client, ad_group: str, user_list: str):
    op = client.get_type("AdGroupCriterionOperation")
    op.create.ad_group = ad_group
    op.create.user_list.user_list = user_list
    return op


def _add_audience(client, ad_group: str, user_list: str) -> list[str]:
    ops = [_audience_op(client, ad_group, user_list)]
    return _mutate(client, "AdGroupCriterionService", "mutate_ad_group_criteria", ops)


def _refused(client, ad_group: str, user_list: str):
    with pytest.raises(GoogleAdsException) as caught:
        _add_audience(client, ad_group, user_list)
    (error,) = caught.value.failure.errors
    return _code(error), _path(error)[-2:], error.trigger.string_value


def test_a_user_list_criterion_reads_back_with_the_ad_groups_restriction(client):
    user_list = _user_list(client)
    op = client.get_type("AdGroupOperation")
    op.create.name = "Grupo con audiencia"
    op.create.campaign = _campaign(client)
    op.create.cpc_bid_micros = 1_000_000_000
    restriction = client.get_type("TargetRestriction")
    restriction.targeting_dimension = client.enums.TargetingDimensionEnum.AUDIENCE
    restriction.bid_only = False
    op.create.targeting_setting.target_restrictions.append(restriction)
    (ad_group,) = _mutate(client, "AdGroupService", "mutate_ad_groups", [op])

    (criterion,) = _add_audience(client, ad_group, user_list)

    (row,) = search(
        client,
        "SELECT ad_group_criterion.user_list.user_list, ad_group_criterion.type, "
        "ad_group.targeting_setting.target_restrictions FROM ad_group_criterion "
        f"WHERE ad_group_criterion.ad_group = '{ad_group}' "
        "AND ad_group_criterion.type = 'USER_LIST'",
    )
    assert row.ad_group_criterion.user_list.user_list == user_list
    assert row.ad_group_criterion.type_.name == "USER_LIST"
    (held,) = row.ad_group.targeting_setting.target_restrictions
    assert (held.targeting_dimension.name, held.bid_only) == ("AUDIENCE", False)
    assert criterion.startswith(f"{ad_group.replace('adGroups', 'adGroupCriteria')}~")
    keywords = search(
        client,
        "SELECT ad_group_criterion.resource_name FROM ad_group_criterion "
        "WHERE ad_group_criterion.type = 'KEYWORD'",
    )
    assert keywords == []


def test_a_user_list_criterion_needs_an_open_list_of_the_customer_and_a_live_ad_group(client):
    ad_group, user_list = _ad_group(client), _user_list(client)
    missing = f"customers/{CUSTOMER_ID}/userLists/424242"
    elsewhere = "customers/9999999999/userLists/" + user_list.rsplit("/", 1)[-1]

    assert _refused(client, ad_group, missing) == (
        "mutate_error: RESOURCE_NOT_FOUND",
        [("user_list", None), ("user_list", None)],
        missing,
    )
    assert _refused(client, ad_group, elsewhere)[:2] == (
        "criterion_error: INVALID_USER_LIST",
        [("user_list", None), ("user_list", None)],
    )
    assert _refused(client, ad_group, "userLists/1")[0] == (
        "request_error: RESOURCE_NAME_MALFORMED"
    )
    gone = f"customers/{CUSTOMER_ID}/adGroups/424242"
    assert _refused(client, gone, user_list)[:2] == (
        "mutate_error: RESOURCE_NOT_FOUND",
        [("create", None), ("ad_group", None)],
    )

    close = client.get_type("UserListOperation")
    close.update.resource_name = user_list
    close.update.membership_status = client.enums.UserListMembershipStatusEnum.CLOSED
    close.update_mask.paths.append("membership_status")
    _mutate(client, "UserListService", "mutate_user_lists", [close])
    assert (
        _refused(client, ad_group, user_list)[0] == "criterion_error: CANNOT_ADD_CLOSED_USER_LIST"
    )
    assert search(client, "SELECT ad_group_criterion.criterion_id FROM ad_group_criterion") == []


def test_a_list_is_targeted_once_per_ad_group(client):
    ad_group, user_list = _ad_group(client), _user_list(client)
    _add_audience(client, ad_group, user_list)

    assert _refused(client, ad_group, user_list)[0] == "mutate_error: RESOURCE_ALREADY_EXISTS"


def test_a_target_restriction_names_its_dimension(client):
    op = client.get_type("AdGroupOperation")
    op.create.name = "Grupo"
    op.create.campaign = _campaign(client)
    restriction = client.get_type("TargetRestriction")
    restriction.bid_only = False
    op.create.targeting_setting.target_restrictions.append(restriction)
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "AdGroupService", "mutate_ad_groups", [op])
    (error,) = caught.value.failure.errors
    assert _code(error) == "field_error: REQUIRED"
    assert _path(error)[-3:] == [
        ("targeting_setting", None),
        ("target_restrictions", 0),
        ("targeting_dimension", None),
    ]


def _ad(client) -> tuple[str, str]:
    """A responsive search ad: (its AdGroupAd, its Ad) resource names."""
    op = _ad_op(client, _ad_group(client), ["Uno", "Dos", "Tres"], ["Una.", "Otra."])
    (ad_group_ad,) = _mutate(client, "AdGroupAdService", "mutate_ad_group_ads", [op])
    return ad_group_ad, f"customers/{CUSTOMER_ID}/ads/{ad_group_ad.rsplit('~', 1)[-1]}"


def _ad_update(client, ad: str, headlines):
    op = client.get_type("AdOperation")
    op.update.resource_name = ad
    for text in headlines:
        asset = client.get_type("AdTextAsset")
        asset.text = text
        op.update.responsive_search_ad.headlines.append(asset)
    op.update_mask.paths.append("responsive_search_ad.headlines")
    return op


def _headlines(client, ad_group_ad: str) -> list[str]:
    (row,) = search(
        client,
        "SELECT ad_group_ad.ad.responsive_search_ad.headlines FROM ad_group_ad "
        f"WHERE ad_group_ad.resource_name = '{ad_group_ad}'",
    )
    return [h.text for h in row.ad_group_ad.ad.responsive_search_ad.headlines]


def test_ad_service_updates_a_responsive_search_ad_in_place(client):
    ad_group_ad, ad = _ad(client)
    answer = _mutate(client, "AdService", "mutate_ads", [_ad_update(client, ad, ["A", "B", "C"])])
    assert answer == [ad]
    assert _headlines(client, ad_group_ad) == ["A", "B", "C"]


def test_ad_service_refuses_what_a_new_ad_would_be_refused_and_changes_nothing(client):
    ad_group_ad, ad = _ad(client)
    too_long = _ad_update(client, ad, ["A", "Auxiliar contable con experiencia en Bogotá", "C"])
    unknown = _ad_update(client, f"customers/{CUSTOMER_ID}/ads/404", ["A", "B", "C"])
    for op, code, path in (
        (
            too_long,
            "string_length_error: TOO_LONG",
            [("operations", 0), ("update", None), ("responsive_search_ad", None),
             ("headlines", 1), ("text", None)],
        ),
        (
            unknown,
            "mutate_error: RESOURCE_NOT_FOUND",
            [("operations", 0), ("update", None), ("resource_name", None)],
        ),
    ):  # fmt: skip
        with pytest.raises(GoogleAdsException) as caught:
            _mutate(client, "AdService", "mutate_ads", [op])
        (error,) = caught.value.failure.errors
        assert (_code(error), _path(error)) == (code, path)
    assert _headlines(client, ad_group_ad) == ["Uno", "Dos", "Tres"]


def test_a_budget_change_is_kept_in_the_budget_history(client, sandbox):
    budget = _budget(client)
    op = client.get_type("CampaignBudgetOperation")
    op.update.resource_name = budget
    op.update.amount_micros = 80_000_000_000
    op.update_mask.paths.append("amount_micros")
    asked = sandbox.state.clock.now()
    _mutate(client, "CampaignBudgetService", "mutate_campaign_budgets", [op])
    op.update.amount_micros = 0
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignBudgetService", "mutate_campaign_budgets", [op])

    (error,) = caught.value.failure.errors
    assert (_code(error), _path(error)[-1]) == ("range_error: TOO_LOW", ("amount_micros", None))
    # The market reads the days' budgets from this history (delivery.budget_on); the refused
    # change left no trace.
    first, (moment, cop) = sandbox.state.store.get("google", budget)["_budget_log"]
    assert (first, cop) == ([0.0, 50_000], 80_000)
    assert asked <= moment <= sandbox.state.clock.now()


def test_a_started_campaign_keeps_its_start_date(client, sandbox):
    starting = _campaign_op(client, _budget(client))
    today = local_day(sandbox.state.clock.now())  # the account's day
    starting.create.start_date_time = f"{today} 00:00:00"  # it has started
    (campaign,) = _mutate(client, "CampaignService", "mutate_campaigns", [starting])
    op = client.get_type("CampaignOperation")
    op.update.resource_name = campaign
    op.update.start_date_time = "2099-01-01 00:00:00"
    op.update_mask.paths.append("start_date_time")
    with pytest.raises(GoogleAdsException) as caught:
        _mutate(client, "CampaignService", "mutate_campaigns", [op])
    (error,) = caught.value.failure.errors
    assert _code(error) == "campaign_error: CANNOT_MODIFY_START_DATE_IF_ALREADY_STARTED"
    assert _path(error)[-1] == ("start_date_time", None)


def test_a_removed_criterion_can_be_added_again(client):
    campaign = _campaign(client)
    op = client.get_type("CampaignCriterionOperation")
    op.create.campaign = campaign
    op.create.language.language_constant = "languageConstants/1003"
    (criterion,) = _mutate(client, "CampaignCriterionService", "mutate_campaign_criteria", [op])
    removal = client.get_type("CampaignCriterionOperation")
    removal.remove = criterion
    _mutate(client, "CampaignCriterionService", "mutate_campaign_criteria", [removal])

    again = _mutate(client, "CampaignCriterionService", "mutate_campaign_criteria", [op])

    assert again == [criterion]  # a language criterion's id is the language's
    (row,) = search(
        client,
        "SELECT campaign_criterion.status FROM campaign_criterion "
        f"WHERE campaign_criterion.resource_name = '{criterion}'",
    )
    assert row.campaign_criterion.status.name == "ENABLED"
