"""Google Ads in the contract test: read back with the plain SDK's GoogleAdsService.SearchStream."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials
from google.protobuf import json_format
from tests.integration.platforms.cases.base import ContractCase, Rejection, sandbox_objects

from adflux.platforms.base import Creative
from adflux.sandbox.server import RunningSandbox

# kind -> (GAQL resource, fields read back)
READ_BACK = {
    "budget": ("campaign_budget", "campaign_budget.name, campaign_budget.amount_micros"),
    "campaign": (
        "campaign",
        "campaign.name, campaign.status, campaign.advertising_channel_type, "
        "campaign.contains_eu_political_advertising, campaign.campaign_budget",
    ),
    "ad_group": ("ad_group", "ad_group.name, ad_group.status, ad_group.campaign"),
    "ad": (
        "ad_group_ad",
        "ad_group_ad.status, ad_group_ad.ad.final_urls, "
        "ad_group_ad.ad.responsive_search_ad.headlines",
    ),
}
# A 43-character headline: Google's RSA headlines are at most 30 (StringLengthError.TOO_LONG).
TOO_LONG_HEADLINE = "Auxiliar contable con experiencia en Bogotá"


class GoogleAdsCase(ContractCase):
    def _client(self, sandbox: RunningSandbox) -> GoogleAdsClient:
        # The adapter under test already pointed gRPC at the sandbox CA (its ca_file setting).
        credentials = sandbox.state.credentials["google"]
        return GoogleAdsClient(
            credentials=Credentials(token=credentials["access_token"]),
            developer_token=credentials["developer_token"],
            endpoint=sandbox.grpc_endpoint,
            version="v26",
            use_proto_plus=True,
        )

    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, dict]:
        service = self._client(sandbox).get_service("GoogleAdsService")
        customer_id = sandbox.state.credentials["google"]["customer_id"]
        objects = {}
        for kind, (resource, fields) in READ_BACK.items():
            query = (
                f"SELECT {fields} FROM {resource} WHERE {resource}.resource_name = '{ids[kind]}'"
            )
            rows = [
                row
                for batch in service.search_stream(customer_id=customer_id, query=query, timeout=5)
                for row in batch.results
            ]
            (row,) = rows
            objects[kind] = _as_dict(getattr(row, resource))
        return objects

    def is_paused(self, objects: Mapping[str, dict]) -> bool:
        # Google Ads serving is switched at the campaign; ad group and ad stay ENABLED.
        assert {objects["ad_group"]["status"], objects["ad"]["status"]} == {"ENABLED"}
        status = objects["campaign"]["status"]
        assert status in ("PAUSED", "ENABLED"), status
        return status == "PAUSED"

    def names(self, objects: Mapping[str, dict]) -> list[str]:
        return [objects[kind]["name"] for kind in ("budget", "campaign", "ad_group")]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        members = [
            identifier
            for record in sandbox_objects(sandbox, "google")
            if record["kind"] == "audience_ingestion" and record["user_list"] == audience_id
            for member in record["members"]
            for identifier in member
        ]
        return {
            "email": {m["emailAddress"] for m in members if "emailAddress" in m},
            "phone": {m["phoneNumber"] for m in members if "phoneNumber" in m},
        }


def _as_dict(message: Any) -> dict:
    return json_format.MessageToDict(type(message).pb(message), preserving_proto_field_name=True)


CASE = GoogleAdsCase(
    name="google",
    tree=("budget", "campaign", "criteria", "ad_group", "ad"),
    findable=("budget", "campaign", "criteria", "ad_group", "ad"),
    # Google Customer Match / Data Manager: E.164 with "+".
    phone_text="+573001234567",
    first_create="CampaignBudgetService/MutateCampaignBudgets",
    # Google has no employment-targeting rule in its API (the policy is enforced by review), so
    # the refusal shown is the RSA text limit, blamed on the headline's field path.
    rejected=Rejection(
        {
            "creative": Creative(
                headlines=("Auxiliar contable", "Postúlate hoy", TOO_LONG_HEADLINE),
                descriptions=("Empresa líder busca auxiliar contable.", "Postúlate en minutos."),
                primary_text="",
                link_url="https://empleos.example.co/vacantes/42",
            )
        },
        field="ad_group_ad.ad.responsive_search_ad.headlines[2].text",
    ),
    # QuotaErrorDetails.retry_delay is taken as given.
    expected_wait_s=lambda retry_after_s: retry_after_s,
)
