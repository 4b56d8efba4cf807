"""AdService.MutateAds: a responsive search ad's link and texts updated in place.

Google documents updating ads through AdService ("Updating ads is not supported for TextAd,
ExpandedDynamicSearchAd, GmailAd and ImageAd", v26 AdService reference); the ad keeps its id. The
sandbox stores each ad inside its AdGroupAd, so an update finds that record by the ad's resource
name and goes through the same atomic `Mutation` as every other mutate.
"""

from __future__ import annotations

from typing import Any

from google.ads.googleads.v26.services.types import ad_service

from adflux.sandbox.google_ads.catalog import PLATFORM
from adflux.sandbox.google_ads.failures import PathElement, error, invalid
from adflux.sandbox.google_ads.mutate import Mutation, Record
from adflux.sandbox.state import SandboxState


def ad_name_of(obj: dict[str, Any]) -> Any:
    """Store index key: the resource name of the ad an AdGroupAd record holds."""
    return ((obj.get("resource") or {}).get("ad") or {}).get("resource_name")


def _holder(mutation: Mutation, name: str, path: list[PathElement]) -> Record | list[Any]:
    """The live AdGroupAd record holding the ad `name`, or the errors Google answers."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "customers" or parts[2] != "ads":
        return [
            error(
                "request_error",
                "RESOURCE_NAME_MALFORMED",
                "Resource name is malformed.",
                path=path,
                trigger=name,
            )
        ]
    held = [
        rec
        for rec in mutation.state.store.find_by(PLATFORM, "ad_group_ad", ad_name_of, name)
        if not rec.get("removed") and rec["customer_id"] == mutation.customer_id
    ]
    if not held:
        return [
            error(
                "mutate_error",
                "RESOURCE_NOT_FOUND",
                "The requested resource was not found.",
                path=path,
                trigger=name,
            )
        ]
    return mutation.staged.get(held[0]["id"]) or held[0]


def run(state: SandboxState, request: Any) -> Any:
    """Apply a MutateAds request (its operations are all updates), atomically like mutate.run."""
    mutation = Mutation(state, request.customer_id)
    errors: list[Any] = []
    names: list[str] = []
    if not request.operations:
        errors.append(
            error("request_error", "OPERATION_REQUIRED", "At least one operation is required.")
        )
    for index, op in enumerate(request.operations):
        path: list[PathElement] = [("operations", index), "update"]
        holder = _holder(mutation, op.update.resource_name, [*path, "resource_name"])
        found = holder if isinstance(holder, list) else mutation.update_ad(holder, op, path)
        names.append("" if found else op.update.resource_name)
        errors += found
    if errors:
        raise invalid(errors)
    if request.validate_only:
        return ad_service.MutateAdsResponse()
    mutation.commit()
    return ad_service.MutateAdsResponse(
        results=[ad_service.MutateAdResult(resource_name=name) for name in names]
    )
