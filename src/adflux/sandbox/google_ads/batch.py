"""GoogleAdsService.Mutate: operations on several resources in one atomic request, with temp ids.

A create may name itself with a negative id ("customers/1/campaignBudgets/-1") and later
operations of the same request refer to it by that name; the sandbox swaps in the real name, as
Google does. Only the resources of `catalog.KINDS` are emulated.
"""

from __future__ import annotations

from typing import Any

from google.ads.googleads.v26.services.types import google_ads_service as gas

from adflux.sandbox.google_ads.catalog import KINDS, Kind
from adflux.sandbox.google_ads.failures import error, invalid
from adflux.sandbox.google_ads.mutate import Mutation, apply
from adflux.sandbox.state import SandboxState


def _resolve(message: Any, temporary: dict[str, str]) -> None:
    """Replace temp resource names anywhere in a raw protobuf message, in place."""
    for field, value in message.ListFields():
        if field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                continue  # no resource names in the maps of these operations
            for item in value if field.is_repeated else [value]:
                _resolve(item, temporary)
        elif field.type == field.TYPE_STRING:
            if field.is_repeated:
                value[:] = [temporary.get(v, v) for v in value]
            elif value in temporary:
                setattr(message, field.name, temporary[value])


def run(state: SandboxState, request: Any) -> Any:
    mutation = Mutation(state, request.customer_id)
    temporary: dict[str, str] = {}
    errors: list[Any] = []
    done: list[tuple[Kind, str] | None] = []
    for index, wrapper in enumerate(request.mutate_operations):
        which = type(wrapper).pb(wrapper).WhichOneof("operation")
        kind = KINDS.get(which.removesuffix("_operation")) if which else None
        prefix = [("mutate_operations", index)]
        if kind is None:
            errors.append(
                error(
                    "mutate_error",
                    "MUTATE_NOT_ALLOWED",
                    f"The sandbox does not emulate {which or 'an empty operation'}.",
                    path=prefix,
                )
            )
            done.append(None)
            continue
        op = getattr(wrapper, which)
        _resolve(type(op).pb(op), temporary)
        temp_name = op.create.resource_name if "create" in op else ""
        name, found = apply(mutation, kind, op, [*prefix, which])
        if temp_name and name:
            temporary[temp_name] = name
        errors += found
        done.append((kind, name))
    if errors:
        raise invalid(errors)
    if request.validate_only:
        return gas.MutateGoogleAdsResponse()
    mutation.commit()
    content_type = int(request.response_content_type or 0)
    responses = []
    for entry in done:
        assert entry is not None  # no errors, so every operation was staged
        kind, name = entry
        result = mutation.result(kind, name, content_type)
        responses.append(gas.MutateOperationResponse(**{f"{kind.name}_result": result}))
    return gas.MutateGoogleAdsResponse(mutate_operation_responses=responses)
