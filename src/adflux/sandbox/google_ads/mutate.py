"""The generic Mutate* engine: create / update (with update_mask) / remove, atomic per request.

Every operation of a request is checked against the store plus what earlier operations of the same
request staged; if any fails, nothing is written and every error is reported (Google's default,
non-partial-failure behaviour). Removed objects stay stored with status REMOVED, like on Google.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import cache, partial
from typing import Any

from google.ads.googleads.v26.resources.types.ad import Ad
from google.protobuf import field_mask_pb2

from adflux.sandbox.delivery import record_budget
from adflux.sandbox.google_ads import insights, validation
from adflux.sandbox.google_ads.catalog import (
    KINDS,
    PLATFORM,
    Kind,
    parse_resource_name,
    resource_name,
)
from adflux.sandbox.google_ads.failures import PathElement, error, invalid, malformed, not_found
from adflux.sandbox.state import SandboxState

FIRST_ID = 100_000_001
MUTABLE_RESOURCE = 2  # ResponseContentTypeEnum.MUTABLE_RESOURCE
MICROS = 1_000_000

Record = dict[str, Any]


def set_enum(message: Any, field: str, name: str) -> None:
    """Set an enum field by value name on a proto-plus message (if the enum has that name)."""
    pb = type(message).pb(message)
    enum = pb.DESCRIPTOR.fields_by_name[field].enum_type
    if name in enum.values_by_name:
        setattr(pb, field, enum.values_by_name[name].number)


def enum_name(message: Any, field: str) -> str:
    pb = type(message).pb(message)
    return pb.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number[getattr(pb, field)].name


def _id_of(name: str) -> str:
    return name.rsplit("/", 1)[-1]


class Mutation:
    """One mutate request's view of the account; implements `validation.Lookup`."""

    def __init__(self, state: SandboxState, customer_id: str) -> None:
        self.state = state
        self.customer_id = customer_id
        self.now = state.clock.now()
        self.staged: dict[str, Record] = {}
        self.order: list[str] = []
        self.last_name = ""  # resource name of the last operation that succeeded

    # ------------------------------------------------------------------ Lookup

    def record(self, name: str) -> Record | None:
        return self.staged.get(name) or self.state.store.get(PLATFORM, name)

    def live(self, kind: str, name: str) -> Record | None:
        rec = self.record(name)
        if rec is None or rec["kind"] != kind or rec.get("removed"):
            return None
        return rec["resource"]

    def any_live_with(self, kind: str, excluding: str, **fields: str) -> bool:
        # Compared on the stored JSON form (absent = the proto default ""), through an index of
        # the store: parsing, then scanning, every object of the kind made each create slower
        # than the one before.
        names = tuple(sorted(fields))
        values = tuple(fields[name] for name in names)

        def same(rec: Record) -> bool:
            return (
                rec["id"] != excluding
                and not rec.get("removed")
                and tuple(rec["resource"].get(name, "") for name in names) == values
            )

        if any(rec["kind"] == kind and same(rec) for rec in self.staged.values()):
            return True
        stored = self.state.store.find_by(
            PLATFORM, kind, _resource_key(names), (self.customer_id, values)
        )
        return any(rec["id"] not in self.staged and same(rec) for rec in stored)

    def today(self) -> date:
        return insights.today(self.now)

    # ------------------------------------------------------------------ operations

    def create(self, kind: Kind, resource: Any, path: list[PathElement]) -> list[Any]:
        res = kind.message.wrap(_copy(kind.message.pb(resource)))
        if "status" in kind.message.meta.fields and enum_name(res, "status") == "REMOVED":
            return [
                error(
                    "operation_access_denied_error",
                    "CREATE_AS_REMOVED_NOT_PERMITTED",
                    "Creating a resource as removed is not permitted.",
                    path=[*path, "status"],
                )
            ]
        _defaults(kind, res)
        errors = validation.VALIDATORS[kind.name](res, path, self, "")
        if errors:
            return errors
        name = self._assign_name(kind, res)
        if self.live(kind.name, name) is not None:
            return [
                error(
                    "mutate_error",
                    "RESOURCE_ALREADY_EXISTS",
                    "The resource already exists.",
                    path=path,
                    trigger=name,
                )
            ]
        rec: Record = {
            "id": name,
            "kind": kind.name,
            "customer_id": self.customer_id,
            "created_at": self.now,
            "resource": {},
        }
        self._stage(kind, rec, res, before_status=None)
        return []

    def update(self, kind: Kind, op: Any, path: list[PathElement]) -> list[Any]:
        name = op.update.resource_name
        rec, errors = self._existing(kind, name, [*path, "resource_name"])
        if rec is None:
            return errors
        paths = [_proto_path(p) for p in op.update_mask.paths]
        if not paths:
            return [
                error(
                    "field_mask_error",
                    "FIELD_MASK_MISSING",
                    "The field mask must be provided for update operations.",
                    path=[path[0], "update_mask"],
                )
            ]
        errors = _mask_errors(kind.message, kind.name, op.update_mask.paths, path)
        if errors:
            return errors
        before = kind.from_dict(rec["resource"])
        after = _merged(kind.message, before, op.update, paths)
        if "status" in kind.message.meta.fields and enum_name(after, "status") == "REMOVED":
            return [
                error(
                    "field_error",
                    "INVALID_VALUE",
                    "Use a remove operation to remove a resource.",
                    path=[*path, "status"],
                )
            ]
        errors = validation.VALIDATORS[kind.name](after, path, self, name, before)
        if errors:
            return errors
        if kind.name == "campaign_budget" and after.amount_micros != before.amount_micros:
            # The market delivers each day on the budget it had (delivery.budget_on).
            old, new = before.amount_micros // MICROS, after.amount_micros // MICROS
            record_budget(rec, old, new, self.now)
        self._stage(kind, rec, after, before_status=_status(kind, before))
        return []

    def update_ad(self, rec: Record, op: Any, path: list[PathElement]) -> list[Any]:
        """AdService.MutateAds: update the Ad (customers/{c}/ads/{id}) inside `rec`, the
        AdGroupAd record that holds it."""
        errors = _mask_errors(Ad, "ad", op.update_mask.paths, path)
        if errors:
            return errors
        kind = KINDS["ad_group_ad"]
        holder = kind.from_dict(rec["resource"])
        holder.ad = _merged(
            Ad, holder.ad, op.update, [_proto_path(p) for p in op.update_mask.paths]
        )
        errors = validation.ad(holder.ad, path)
        if errors:
            return errors
        self._stage(kind, rec, holder, before_status=_status(kind, holder))
        self.last_name = op.update.resource_name
        return []

    def remove(self, kind: Kind, name: str, path: list[PathElement]) -> list[Any]:
        rec, errors = self._existing(kind, name, path)
        if rec is None:
            return errors
        res = kind.from_dict(rec["resource"])
        before_status = _status(kind, res)
        if "status" in kind.message.meta.fields:
            set_enum(res, "status", "REMOVED")
        if kind.name == "user_list":
            set_enum(res, "membership_status", "CLOSED")
        rec["removed"] = True
        self._stage(kind, rec, res, before_status=before_status)
        return []

    # ------------------------------------------------------------------ commit

    def commit(self) -> None:
        store = self.state.store
        for name in self.order:
            rec = self.staged[name]
            if store.get(PLATFORM, name) is None:
                store.insert(PLATFORM, rec)
            else:
                store.update(PLATFORM, name, partial(_replace, rec))

    def result(self, kind: Kind, name: str, content_type: int) -> Any:
        result = kind.result(resource_name=name)
        if kind.result_field and content_type == MUTABLE_RESOURCE:
            setattr(result, kind.result_field, kind.from_dict(self.staged[name]["resource"]))
        return result

    # ------------------------------------------------------------------ helpers

    def _existing(
        self, kind: Kind, name: str, path: Sequence[PathElement]
    ) -> tuple[Record | None, list[Any]]:
        if not name:
            return None, [
                error(
                    "request_error",
                    "RESOURCE_NAME_MISSING",
                    "Resource name is missing.",
                    path=path,
                )
            ]
        parsed = parse_resource_name(name)
        if parsed is None or parsed[1] is not kind or parsed[0] != self.customer_id:
            return None, [malformed(name, path)]
        rec = self.record(name)
        if rec is None:
            return None, [not_found(name, path)]
        if rec.get("removed"):
            return None, [
                error(
                    "operation_access_denied_error",
                    "OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE",
                    "The operation is not permitted on removed resources.",
                    path=path,
                    trigger=name,
                )
            ]
        return rec, []

    def _assign_name(self, kind: Kind, res: Any) -> str:
        number = str(self.state.store.next_number(PLATFORM, FIRST_ID))
        if kind.name in ("campaign_criterion", "ad_group_criterion"):
            which = type(res).pb(res).WhichOneof("criterion")
            if which == "location":
                number = _id_of(res.location.geo_target_constant)
            elif which == "language":
                number = _id_of(res.language.language_constant)
            elif which == "user_list":
                # As with constants, the criterion id is the list's: one list once per ad group.
                number = _id_of(res.user_list.user_list)
            res.criterion_id = int(number)
        elif kind.name == "ad_group_ad":
            res.ad.id = int(number)
            res.ad.resource_name = f"customers/{self.customer_id}/ads/{number}"
        else:
            res.id = int(number)
        object_id = number
        if kind.parent is not None:
            object_id = f"{_id_of(getattr(res, kind.parent))}~{number}"
        name = resource_name(kind, self.customer_id, object_id)
        res.resource_name = name
        return name

    def _stage(self, kind: Kind, rec: Record, res: Any, *, before_status: str | None) -> None:
        rec["resource"] = kind.to_dict(res)
        if kind.name == "campaign":
            insights.track_status(rec, before_status, _status(kind, res), self.now)
        if rec["id"] not in self.staged:
            self.order.append(rec["id"])
        self.staged[rec["id"]] = rec
        self.last_name = rec["id"]


@cache
def _resource_key(names: tuple[str, ...]) -> Callable[[Record], tuple[str, tuple[Any, ...]]]:
    """The store index key for duplicate checks on these resource fields (one function each)."""

    def key(rec: Record) -> tuple[str, tuple[Any, ...]]:
        return rec["customer_id"], tuple(rec["resource"].get(name, "") for name in names)

    return key


def _replace(new: Record, stored: Record) -> None:
    # A criterion removed and then created again is the same resource name: the new record
    # replaces the removed one whole (its "removed" flag included).
    stored.clear()
    stored.update(new)


def _mask_errors(
    message: Any, kind_name: str, given_paths: Sequence[str], path: list[PathElement]
) -> list[Any]:
    """Errors of an update mask: unknown fields, and fields the resource never lets change."""
    descriptor = message.pb().DESCRIPTOR
    # resource_name identifies the object; the SDK's field_mask() helper always lists it.
    frozen = validation.IMMUTABLE[kind_name] | {"id"}
    errors = []
    for given in given_paths:
        proto_path = _proto_path(given)
        top = proto_path.split(".")[0]
        if not field_mask_pb2.FieldMask(paths=[proto_path]).IsValidForDescriptor(descriptor):
            errors.append(
                error(
                    "field_mask_error",
                    "FIELD_NOT_FOUND",
                    "The field mask contained an invalid field.",
                    path=[path[0], "update_mask"],
                    trigger=given,
                )
            )
        elif top in frozen:
            errors.append(
                error(
                    "field_error",
                    "IMMUTABLE_FIELD",
                    "The field cannot be modified.",
                    path=[*path, top],
                )
            )
    return errors


def _merged(message: Any, before: Any, update: Any, paths: list[str]) -> Any:
    """`before` with the masked fields of `update` (messages and lists replaced whole)."""
    after_pb = _copy(message.pb(before))
    field_mask_pb2.FieldMask(paths=paths).MergeMessage(
        message.pb(update), after_pb, replace_message_field=True, replace_repeated_field=True
    )
    return message.wrap(after_pb)


def _copy(pb: Any) -> Any:
    fresh = type(pb)()
    fresh.CopyFrom(pb)
    return fresh


def _proto_path(path: str) -> str:
    # proto-plus renames fields that clash with Python names ("type" -> "type_").
    return ".".join(f"{part}_" if part == "type" else part for part in path.split("."))


def _status(kind: Kind, res: Any) -> str | None:
    return enum_name(res, "status") if "status" in kind.message.meta.fields else None


def _defaults(kind: Kind, res: Any) -> None:
    """What Google fills in on create: default status, derived types."""
    if "status" in kind.message.meta.fields and enum_name(res, "status") == "UNSPECIFIED":
        set_enum(res, "status", "ENABLED")
    if kind.name in ("campaign_criterion", "ad_group_criterion"):
        which = type(res).pb(res).WhichOneof("criterion")
        if which:
            set_enum(res, "type_", which.upper())
    elif kind.name == "campaign":
        set_enum(res, "serving_status", "SERVING")
        strategy = type(res).pb(res).WhichOneof("campaign_bidding_strategy")
        if strategy:
            set_enum(res, "bidding_strategy_type", strategy.upper())
    elif kind.name == "ad_group_ad":
        if type(res.ad).pb(res.ad).WhichOneof("ad_data") == "responsive_search_ad":
            set_enum(res.ad, "type_", "RESPONSIVE_SEARCH_AD")
    elif kind.name == "user_list":
        set_enum(res, "membership_status", "OPEN")
        which = type(res).pb(res).WhichOneof("user_list")
        if which == "crm_based_user_list":
            set_enum(res, "type_", "CRM_BASED")
        res.size_for_search = 0
        res.size_for_display = 0


def apply(
    mutation: Mutation, kind: Kind, op: Any, prefix: list[PathElement]
) -> tuple[str, list[Any]]:
    """Stage one create/update/remove operation: (resource name, errors)."""
    which = type(op).pb(op).WhichOneof("operation")
    path: list[PathElement] = [*prefix, which or "operation"]
    if which == "create":
        found = mutation.create(kind, op.create, path)
    elif which == "update":
        found = mutation.update(kind, op, path)
    elif which == "remove":
        found = mutation.remove(kind, op.remove, path)
    else:
        found = [
            error("request_error", "OPERATION_REQUIRED", "The operation is empty.", path=prefix)
        ]
    return ("" if found else mutation.last_name), found


Stage = Callable[[Mutation, Any, list[PathElement]], tuple[str, list[Any]]]


def staged(state: SandboxState, request: Any, stage: Stage) -> tuple[Mutation, list[str]]:
    """Stage every operation of a mutate request with `stage`: the mutation, ready to commit,
    and each operation's resource name. Raises failures.ApiError with every problem found."""
    mutation = Mutation(state, request.customer_id)
    errors: list[Any] = []
    names: list[str] = []
    if not request.operations:
        errors.append(
            error("request_error", "OPERATION_REQUIRED", "At least one operation is required.")
        )
    for index, op in enumerate(request.operations):
        name, found = stage(mutation, op, [("operations", index)])
        names.append(name)
        errors += found
    if errors:
        raise invalid(errors)
    return mutation, names


def run(state: SandboxState, kind: Kind, request: Any) -> Any:
    """Apply a Mutate<Kind>s request; raises failures.ApiError with every problem found."""
    mutation, names = staged(
        state, request, lambda mutation, op, prefix: apply(mutation, kind, op, prefix)
    )
    if request.validate_only:
        return kind.response()
    mutation.commit()
    content_type = int(getattr(request, "response_content_type", 0) or 0)
    return kind.response(results=[mutation.result(kind, n, content_type) for n in names])
