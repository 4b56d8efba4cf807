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
from adflux.sandbox.google_ads.failures import PathElement, malformed, not_found
from adflux.sandbox.google_ads.mutate import Mutation, Record, staged
from adflux.sandbox.state import SandboxState


def ad_name_of(obj: dict[str, Any]) -> Any:
    """Store index key: the resource name of the ad an AdGroupAd record holds."""
    return ((obj.get("resource") or {}).get("ad") or {}).get("resource_name")


def _holder(mutation: Mutation, name: str, path: list[PathElement]) -> Record | list[Any]:
    """The live AdGroupAd record holding the ad `name`, or the errors Google answers."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "customers" or parts[2] != "ads":
        return [malformed(name, path)]
    held = [
        rec
        for rec in mutation.state.store.find_by(PLATFORM, "ad_group_ad", ad_name_of, name)
        if not rec.get("removed") and rec["customer_id"] == mutation.customer_id
    ]
    if not held:
        return [not_found(name, path)]
    return mutation.staged.get(held[0]["id"]) or held[0]


def run(state: SandboxState, request: Any) -> Any:
    """Apply a MutateAds request (its operations are all updates), atomically like mutate.run."""
    mutation, names = staged(state, request, _update)
    if request.validate_only:
        return ad_service.MutateAdsResponse()
    mutation.commit()
    return ad_service.MutateAdsResponse(
        results=[ad_service.MutateAdResult(resource_name=name) for name in names]
    )


def _update(mutation: Mutation, op: Any, prefix: list[PathElement]) -> tuple[str, list[Any]]:
    path: list[PathElement] = [*prefix, "update"]
    holder = _holder(mutation, op.update.resource_name, [*path, "resource_name"])
    found = holder if isinstance(holder, list) else mutation.update_ad(holder, op, path)
    return ("" if found else op.update.resource_name), found
