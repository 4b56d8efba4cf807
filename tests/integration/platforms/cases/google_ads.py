"""Google Ads in the contract test: read back with the plain SDK's GoogleAdsService.SearchStream."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials
from google.protobuf import json_format
from tests.integration.platforms.cases.base import ContractCase, Held, Rejection, sandbox_objects

from adflux.platforms.base import AdSpec, Creative
from adflux.sandbox.server import RunningSandbox

# kind -> (GAQL resource, fields read back, the field that selects the kind's rows, and the
# criterion type when several kinds share a resource)
READ_BACK = {
    "budget": (
        "campaign_budget",
        "campaign_budget.name, campaign_budget.amount_micros, campaign_budget.period",
        "campaign_budget.resource_name",
        None,
    ),
    "campaign": (
        "campaign",
        "campaign.name, campaign.status, campaign.advertising_channel_type, "
        "campaign.contains_eu_political_advertising, campaign.campaign_budget, "
        "campaign.start_date_time, campaign.end_date_time",
        "campaign.resource_name",
        None,
    ),
    "criteria": (
        "campaign_criterion",
        "campaign_criterion.proximity.geo_point.latitude_in_micro_degrees, "
        "campaign_criterion.proximity.geo_point.longitude_in_micro_degrees, "
        "campaign_criterion.proximity.radius, campaign_criterion.proximity.radius_units, "
        "campaign_criterion.location.geo_target_constant, "
        "campaign_criterion.language.language_constant, campaign_criterion.negative",
        "campaign_criterion.campaign",
        None,
    ),
    "ad_group": (
        "ad_group",
        "ad_group.name, ad_group.status, ad_group.campaign, "
        "ad_group.targeting_setting.target_restrictions",
        "ad_group.resource_name",
        None,
    ),
    "keywords": (
        "ad_group_criterion",
        "ad_group_criterion.keyword.text, ad_group_criterion.keyword.match_type, "
        "ad_group_criterion.negative",
        "ad_group_criterion.ad_group",
        "KEYWORD",
    ),
    "audiences": (
        "ad_group_criterion",
        "ad_group_criterion.user_list.user_list, ad_group_criterion.status, "
        "ad_group_criterion.negative",
        "ad_group_criterion.ad_group",
        "USER_LIST",
    ),
    "ad": (
        "ad_group_ad",
        "ad_group_ad.status, ad_group_ad.ad.final_urls, "
        "ad_group_ad.ad.responsive_search_ad.headlines, "
        "ad_group_ad.ad.responsive_search_ad.descriptions",
        "ad_group_ad.resource_name",
        None,
    ),
}
# Which stored id selects each kind's rows (criteria and keywords hang off their parents).
SELECTED_BY = {"criteria": "campaign", "keywords": "ad_group", "audiences": "ad_group"}
# Google's constants: geoTargetConstants/2170 is Colombia, languageConstants/1003 Spanish.
COUNTRY_GEO_TARGETS = {"CO": "geoTargetConstants/2170"}
LANGUAGE_CONSTANTS = {"es": "languageConstants/1003"}
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

    def _search(self, sandbox: RunningSandbox, query: str) -> list[Any]:
        service = self._client(sandbox).get_service("GoogleAdsService")
        customer_id = sandbox.state.credentials["google"]["customer_id"]
        return [
            row
            for batch in service.search_stream(customer_id=customer_id, query=query, timeout=5)
            for row in batch.results
        ]

    def _account_zone(self, sandbox: RunningSandbox) -> ZoneInfo:
        """The customer's time zone, as Google answers it: campaign dates are read in it."""
        (row,) = self._search(sandbox, "SELECT customer.time_zone FROM customer")
        return ZoneInfo(row.customer.time_zone)

    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, Any]:
        objects: dict[str, Any] = {}
        for kind, (resource, fields, selector, criterion_type) in READ_BACK.items():
            selected = ids[SELECTED_BY.get(kind, kind)]
            query = f"SELECT {fields} FROM {resource} WHERE {selector} = '{selected}'"
            if criterion_type:
                query += f" AND {resource}.type = '{criterion_type}'"
            if kind in SELECTED_BY:
                # GAQL answers removed criteria too; they target nothing any more.
                query += f" AND {resource}.status != 'REMOVED'"
            rows = [_as_dict(getattr(row, resource)) for row in self._search(sandbox, query)]
            if kind in SELECTED_BY:
                objects[kind] = rows
            else:
                (objects[kind],) = rows
        return objects

    def held(self, sandbox: RunningSandbox, objects: Mapping[str, Any]) -> Held:
        ad = objects["ad"]["ad"]
        (link,) = ad["final_urls"]
        search_ad = ad["responsive_search_ad"]
        criteria = objects["criteria"]
        assert not any(c.get("negative") for c in criteria)  # no exclusions
        campaign = objects["campaign"]
        audiences = objects["audiences"]
        assert not any(a.get("negative") for a in audiences)  # included, not excluded
        assert {a["status"] for a in audiences} <= {"ENABLED"}
        restrictions = (
            objects["ad_group"].get("targeting_setting", {}).get("target_restrictions", [])
        )
        return Held(
            link=link,
            texts=tuple(a["text"] for a in search_ad["headlines"] + search_ad["descriptions"]),
            daily_budget_cop=int(objects["budget"]["amount_micros"]) // 1_000_000,
            targeting={
                "places": sorted(
                    (
                        c["proximity"]["geo_point"]["latitude_in_micro_degrees"],
                        c["proximity"]["geo_point"]["longitude_in_micro_degrees"],
                        c["proximity"]["radius"],
                        c["proximity"]["radius_units"],
                    )
                    for c in criteria
                    if "proximity" in c
                ),
                "locations": sorted(
                    c["location"]["geo_target_constant"] for c in criteria if "location" in c
                ),
                "languages": sorted(
                    c["language"]["language_constant"] for c in criteria if "language" in c
                ),
                "keywords": sorted(k["keyword"]["text"].casefold() for k in objects["keywords"]),
                "audiences": sorted(a["user_list"]["user_list"] for a in audiences),
                "audience_restriction": sorted(
                    (r["targeting_dimension"], r.get("bid_only", False)) for r in restrictions
                ),
                "budget_period": objects["budget"]["period"],
                "eu_political": campaign["contains_eu_political_advertising"],
            },
            schedule=(campaign.get("start_date_time"), campaign.get("end_date_time")),
            image=None,  # a responsive search ad shows no image
        )

    def meant(self, sandbox: RunningSandbox, spec: AdSpec) -> Held:
        creative, targeting = spec.creative, spec.targeting
        places = [p for p in targeting.locations if p.latitude is not None]
        zone = self._account_zone(sandbox)
        today = datetime.now(zone).date()
        start = max(spec.start_at.astimezone(zone).date(), today)
        end = spec.end_at.astimezone(zone).date() if spec.end_at else None
        return Held(
            link=creative.link_url,
            texts=(*creative.headlines, *creative.descriptions),
            daily_budget_cop=spec.daily_budget_cop,
            targeting={
                # GeoPointInfo is in micro-degrees; the radius in the units named beside it.
                "places": sorted(
                    (
                        round(p.latitude * 1_000_000),
                        round((p.longitude or 0) * 1_000_000),
                        p.radius_km,
                        "KILOMETERS",
                    )
                    for p in places
                ),
                "locations": [] if places else [COUNTRY_GEO_TARGETS[targeting.country]],
                "languages": sorted(LANGUAGE_CONSTANTS[code] for code in targeting.languages),
                # Keywords match case-insensitively on Google.
                "keywords": sorted({k.casefold() for k in targeting.keywords}),
                # Each segment's Customer Match list, by the resource name UserListService gave
                # it, as an ad group audience criterion (UserListInfo.user_list)...
                "audiences": sorted(targeting.custom_audience_ids),
                # ...that restricts who sees the ad ("Targeting": bid_only false), as the ad sets
                # of Meta, X and TikTok do; "Observation" would only adjust bids.
                "audience_restriction": (
                    [("AUDIENCE", False)] if targeting.custom_audience_ids else []
                ),
                "budget_period": "DAILY",
                "eu_political": "DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING",
            },
            # Whole days in the account's time zone: "yyyy-MM-dd HH:mm:ss", the start day at
            # 00:00:00 and the end day at 23:59:59 (v26 Campaign reference).
            schedule=(f"{start} 00:00:00", f"{end} 23:59:59" if end else None),
            image=creative.image_png,
        )

    def is_paused(self, objects: Mapping[str, Any]) -> bool:
        # Google Ads serving is switched at the campaign; ad group and ad stay ENABLED.
        assert {objects["ad_group"]["status"], objects["ad"]["status"]} == {"ENABLED"}
        status = objects["campaign"]["status"]
        assert status in ("PAUSED", "ENABLED"), status
        return status == "PAUSED"

    def names(self, objects: Mapping[str, Any]) -> list[str]:
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
    tree=("budget", "campaign", "criteria", "ad_group", "keywords", "audiences", "ad"),
    findable=("budget", "campaign", "criteria", "ad_group", "keywords", "audiences", "ad"),
    audience_kinds=("audiences",),
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
    # QuotaErrorDetails.retry_delay is the backoff Google asks for, taken as given.
    expected_wait_s=lambda retry_after_s: retry_after_s,
)
