"""The Google Ads resources the sandbox serves, each tied to the SDK's own v26 message classes.

One `Kind` per resource: its GAQL/GoogleAdsRow name, resource-name collection, mutate service and
the request/response/result classes the gRPC handlers (de)serialize with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.ads.googleads.v26.resources.types import (
    ad_group,
    ad_group_ad,
    ad_group_criterion,
    campaign,
    campaign_budget,
    campaign_criterion,
    user_list,
)
from google.ads.googleads.v26.services.types import (
    ad_group_ad_service,
    ad_group_criterion_service,
    ad_group_service,
    campaign_budget_service,
    campaign_criterion_service,
    campaign_service,
    user_list_service,
)
from google.protobuf import json_format

PLATFORM = "google"  # key in the shared store, fault plans and credentials


@dataclass(frozen=True)
class Kind:
    """One resource type. `parent` names the field whose resource id prefixes composite ids."""

    name: str  # GAQL FROM name and GoogleAdsRow field, e.g. "ad_group_ad"
    collection: str  # resource-name collection, e.g. "adGroupAds"
    message: Any  # proto-plus resource class
    service: str  # gRPC service, e.g. "AdGroupAdService"
    rpc: str  # mutate method, e.g. "MutateAdGroupAds"
    request: Any
    response: Any
    result: Any
    result_field: str | None = None  # result field holding the resource (MUTABLE_RESOURCE)
    parent: str | None = None  # e.g. "ad_group" for "adGroupAds/{ad_group_id}~{ad_id}"
    related: tuple[str, ...] = ()  # resources a query FROM this one may also select

    def to_dict(self, resource: Any) -> dict[str, Any]:
        return json_format.MessageToDict(
            self.message.pb(resource), preserving_proto_field_name=True
        )

    def from_dict(self, data: dict[str, Any]) -> Any:
        return self.message.wrap(json_format.ParseDict(data, self.message.pb()()))


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "campaign_budget",
            "campaignBudgets",
            campaign_budget.CampaignBudget,
            "CampaignBudgetService",
            "MutateCampaignBudgets",
            campaign_budget_service.MutateCampaignBudgetsRequest,
            campaign_budget_service.MutateCampaignBudgetsResponse,
            campaign_budget_service.MutateCampaignBudgetResult,
            result_field="campaign_budget",
        ),
        Kind(
            "campaign",
            "campaigns",
            campaign.Campaign,
            "CampaignService",
            "MutateCampaigns",
            campaign_service.MutateCampaignsRequest,
            campaign_service.MutateCampaignsResponse,
            campaign_service.MutateCampaignResult,
            result_field="campaign",
            related=("campaign_budget",),
        ),
        Kind(
            "campaign_criterion",
            "campaignCriteria",
            campaign_criterion.CampaignCriterion,
            "CampaignCriterionService",
            "MutateCampaignCriteria",
            campaign_criterion_service.MutateCampaignCriteriaRequest,
            campaign_criterion_service.MutateCampaignCriteriaResponse,
            campaign_criterion_service.MutateCampaignCriterionResult,
            result_field="campaign_criterion",
            parent="campaign",
            related=("campaign",),
        ),
        Kind(
            "ad_group",
            "adGroups",
            ad_group.AdGroup,
            "AdGroupService",
            "MutateAdGroups",
            ad_group_service.MutateAdGroupsRequest,
            ad_group_service.MutateAdGroupsResponse,
            ad_group_service.MutateAdGroupResult,
            result_field="ad_group",
            related=("campaign",),
        ),
        Kind(
            "ad_group_ad",
            "adGroupAds",
            ad_group_ad.AdGroupAd,
            "AdGroupAdService",
            "MutateAdGroupAds",
            ad_group_ad_service.MutateAdGroupAdsRequest,
            ad_group_ad_service.MutateAdGroupAdsResponse,
            ad_group_ad_service.MutateAdGroupAdResult,
            result_field="ad_group_ad",
            parent="ad_group",
            related=("ad_group", "campaign"),
        ),
        Kind(
            "ad_group_criterion",
            "adGroupCriteria",
            ad_group_criterion.AdGroupCriterion,
            "AdGroupCriterionService",
            "MutateAdGroupCriteria",
            ad_group_criterion_service.MutateAdGroupCriteriaRequest,
            ad_group_criterion_service.MutateAdGroupCriteriaResponse,
            ad_group_criterion_service.MutateAdGroupCriterionResult,
            result_field="ad_group_criterion",
            parent="ad_group",
            related=("ad_group", "campaign"),
        ),
        Kind(
            "user_list",
            "userLists",
            user_list.UserList,
            "UserListService",
            "MutateUserLists",
            user_list_service.MutateUserListsRequest,
            user_list_service.MutateUserListsResponse,
            user_list_service.MutateUserListResult,
        ),
    )
}

COLLECTIONS = {kind.collection: kind for kind in KINDS.values()}


def resource_name(kind: Kind, customer_id: str, object_id: str) -> str:
    return f"customers/{customer_id}/{kind.collection}/{object_id}"


def parse_resource_name(name: str) -> tuple[str, Kind, str] | None:
    """(customer id, kind, id part) of "customers/1/campaigns/2", or None when malformed."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "customers" or parts[2] not in COLLECTIONS:
        return None
    if not parts[1].isdigit() or not parts[3]:
        return None
    return parts[1], COLLECTIONS[parts[2]], parts[3]
