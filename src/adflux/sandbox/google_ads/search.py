"""GoogleAdsService.Search/SearchStream over the stored objects, answering GAQL with GoogleAdsRows.

Rows carry the FROM resource plus its attributed parents (an ad group row can select campaign.*),
and, FROM campaign, simulated metrics per segments.date. Only the selected fields are returned, and
the response's field_mask lists them, as on Google.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from google.ads.googleads.v26.services.types import google_ads_service as gas
from google.protobuf import field_mask_pb2

from adflux.sandbox import delivery
from adflux.sandbox.google_ads import gaql, insights
from adflux.sandbox.google_ads.catalog import KINDS, PLATFORM, Kind
from adflux.sandbox.google_ads.failures import ApiError, error, invalid, quota_exhausted
from adflux.sandbox.market import Market
from adflux.sandbox.quotas import Limit
from adflux.sandbox.state import SandboxState

BATCH_ROWS = 10_000  # SearchStream sends results in batches of up to 10,000 rows
METRIC_PREFIXES = ("metrics", "segments")
ROW_DESCRIPTOR = gas.GoogleAdsRow.pb().DESCRIPTOR
# Basic access allows a developer token 15,000 operations a day, and each Search or SearchStream
# request counts as one (developers.google.com/google-ads/api/docs/best-practices/quotas). The
# sandbox counts report queries (those selecting metrics or segments) against it, so read-backs
# and lookups never run it dry; past it Google answers RESOURCE_EXHAUSTED with
# QuotaErrorDetails.retry_delay.
REPORT_BUCKET = "google:reports"
REPORT_LIMIT = Limit(calls=15_000, window_s=24 * 3600)


def _query_error(code: str, message: str, trigger: str) -> ApiError:
    return invalid([error("query_error", code, message, trigger=trigger)])


def _descriptor_field(descriptor: Any, name: str) -> Any:
    # proto-plus renames fields that clash with Python names: GAQL "type" is "type_".
    return descriptor.fields_by_name.get(name) or descriptor.fields_by_name.get(f"{name}_")


def proto_path(field: str) -> str:
    """The GoogleAdsRow path of a GAQL field; raises QueryError.UNRECOGNIZED_FIELD if unknown."""
    descriptor, parts = ROW_DESCRIPTOR, []
    for index, name in enumerate(field.split(".")):
        found = None if descriptor is None else _descriptor_field(descriptor, name)
        if found is None or (index == 0 and found.message_type is None):
            raise _query_error(
                "UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{field}'.", field
            )
        parts.append(found.name)
        descriptor = found.message_type
    if descriptor is not None and len(parts) == 1:
        raise _query_error(
            "UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{field}'.", field
        )
    return ".".join(parts)


def field_value(row: Any, path: str) -> Any:
    """Value at a proto path of a raw GoogleAdsRow: enums by name, None when unset."""
    node, parts = row, path.split(".")
    for index, name in enumerate(parts):
        fd = node.DESCRIPTOR.fields_by_name[name]
        if fd.is_repeated:
            values = list(getattr(node, name))
            return (
                [fd.enum_type.values_by_number[v].name for v in values] if fd.enum_type else values
            )
        if fd.message_type is not None and index < len(parts) - 1:
            if not node.HasField(name):
                return None
            node = getattr(node, name)
            continue
        if fd.has_presence and not node.HasField(name):
            return None
        value = getattr(node, name)
        return fd.enum_type.values_by_number[value].name if fd.enum_type else value
    return None


# Resources whose rows carry metrics: the campaign's delivery, shared among its ad groups / ads.
METRIC_RESOURCES = ("campaign", "ad_group", "ad_group_ad")


def _allowed(kind: Kind) -> set[str]:
    metrics = set(METRIC_PREFIXES) if kind.name in METRIC_RESOURCES else set()
    return {kind.name, *kind.related} | metrics


def _check_fields(query: gaql.Query, allowed: set[str]) -> dict[str, str]:
    paths: dict[str, str] = {}
    fields = [
        *((f, "SELECT") for f in query.fields),
        *((c.field, "WHERE") for c in query.conditions),
        *((f, "ORDER_BY") for f, _ in query.order_by),
    ]
    for field, clause in fields:
        path = proto_path(field)
        prefix = path.split(".")[0]
        if prefix in METRIC_PREFIXES and prefix not in allowed:
            raise _query_error(
                "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE"
                if prefix == "metrics"
                else "PROHIBITED_SEGMENT_IN_SELECT_OR_WHERE_CLAUSE",
                f"The sandbox serves {prefix} FROM {', '.join(METRIC_RESOURCES)} only.",
                field,
            )
        if prefix not in allowed:
            where = "WHERE" if clause == "WHERE" else "SELECT"
            raise _query_error(
                f"PROHIBITED_RESOURCE_TYPE_IN_{where}_CLAUSE",
                f"Cannot select or filter on '{prefix}' when FROM {query.resource}.",
                field,
            )
        paths[field] = path
    return paths


def _parents(kind: Kind, resource: Any, records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Attributed resources of one object, by GoogleAdsRow field name."""
    found: dict[str, Any] = {}

    def load(row_field: str, name: str) -> Any | None:
        rec = records.get(name)
        if rec is None:
            return None
        found[row_field] = KINDS[row_field].from_dict(rec["resource"])
        return found[row_field]

    if kind.name == "campaign" and resource.campaign_budget:
        load("campaign_budget", resource.campaign_budget)
    if kind.name in ("campaign_criterion", "ad_group"):
        load("campaign", resource.campaign)
    if kind.name in ("ad_group_ad", "ad_group_criterion"):
        group = load("ad_group", resource.ad_group)
        if group is not None:
            load("campaign", group.campaign)
    return found


def _rows(state: SandboxState, query: gaql.Query, kind: Kind, customer_id: str) -> list[Any]:
    store = state.store
    records = {r["id"]: r for r in store.iter_platform(PLATFORM) if r["customer_id"] == customer_id}
    now = state.clock.now()
    wants_metrics = any(f.split(".")[0] in METRIC_PREFIXES for f in query.fields) or any(
        c.field.split(".")[0] in METRIC_PREFIXES for c in query.conditions
    )
    dated = "segments.date" in query.fields
    date_filters = [c for c in query.conditions if c.field == "segments.date"]
    if dated and not date_filters:
        raise _query_error(
            "EXPECTED_FILTERS_ON_DATE_RANGE",
            "Filters on date range are expected when segments.date is selected.",
            "segments.date",
        )
    rows = []
    for rec in records.values():
        if rec["kind"] != kind.name:
            continue
        resource = kind.from_dict(rec["resource"])
        base = gas.GoogleAdsRow()
        setattr(base, kind.name, resource)
        for row_field, parent in _parents(kind, resource, records).items():
            setattr(base, row_field, parent)
        if not wants_metrics:
            rows.append(gas.GoogleAdsRow.pb(base))
            continue
        figures = delivery_days(kind.name, rec, records, now, market=state.market)
        if figures is None:
            continue
        rows.extend(_metric_rows(base, figures, now, date_filters, dated))
    return rows


def delivery_days(
    kind: str,
    rec: dict[str, Any],
    records: dict[str, dict[str, Any]],
    now: float,
    *,
    market: Market,
) -> list[delivery.DayFigures] | None:
    """What one campaign, ad group or ad (`rec`, FROM `kind`) delivered on each day with
    delivery: its part of its campaign's figures; None when it has no campaign."""
    campaign_rec, share = _delivery_share(kind, rec, _campaign_name(kind, rec, records), records)
    if campaign_rec is None:
        return None
    campaign = KINDS["campaign"].from_dict(campaign_rec["resource"])
    budget = records.get(campaign.campaign_budget)
    budget_micros = int(budget["resource"].get("amount_micros", 0)) if budget else 0
    return [
        delivery.DayFigures(
            f.day, _part(f.impressions, share), _part(f.clicks, share), _part(f.spend, share)
        )
        for f in insights.campaign_days(campaign_rec, campaign, budget_micros, now, market=market)
    ]


def _campaign_name(kind: str, rec: dict[str, Any], records: dict[str, dict[str, Any]]) -> str:
    resource = rec["resource"]
    if kind == "campaign":
        return rec["id"]
    if kind == "ad_group":
        return resource.get("campaign", "")
    group = records.get(resource.get("ad_group", "")) or {"resource": {}}
    return group["resource"].get("campaign", "")


def _delivery_share(
    kind: str, rec: dict[str, Any], campaign_name: str, records: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any] | None, tuple[int, int]]:
    """The campaign whose delivery a row reports, and the row's part of it (index, parts).

    The campaign's figures are split evenly among its ad groups (FROM ad_group) or among the ads
    of all its ad groups (FROM ad_group_ad), the remainder to the oldest, so the rows of one
    campaign add up to the campaign's own metrics.
    """
    if kind == "campaign":
        return rec, (0, 1)
    campaign_rec = records.get(campaign_name)
    groups = {
        name
        for name, other in records.items()
        if other["kind"] == "ad_group" and other["resource"].get("campaign") == campaign_name
    }
    siblings = sorted(
        (other["created_at"], name)
        for name, other in records.items()
        if other["kind"] == kind
        and (name in groups if kind == "ad_group" else other["resource"].get("ad_group") in groups)
    )
    names = [name for _created, name in siblings]
    return campaign_rec, (names.index(rec["id"]) if rec["id"] in names else 0, max(1, len(names)))


def _part(total: int, share: tuple[int, int]) -> int:
    index, parts = share
    return total // parts + (total % parts if index == 0 else 0)


def _metric_rows(
    base: Any,
    figures: list[delivery.DayFigures],
    now: float,
    date_filters: list[gaql.Condition],
    dated: bool,
) -> list[Any]:
    today = insights.today(now)
    figures = [
        f for f in figures if all(gaql.matches(c, f.day.isoformat(), today) for c in date_filters)
    ]
    totals: list[tuple[int, int, int, str | None]] = [
        (f.impressions, f.clicks, f.spend * insights.MICROS, f.day.isoformat()) for f in figures
    ]
    if not dated:
        totals = [
            (
                sum(t[0] for t in totals),
                sum(t[1] for t in totals),
                sum(t[2] for t in totals),
                None,
            )
        ]
    rows = []
    for impressions, clicks, cost_micros, day in totals:
        row = gas.GoogleAdsRow.pb()()
        row.CopyFrom(gas.GoogleAdsRow.pb(base))
        row.metrics.impressions = impressions
        row.metrics.clicks = clicks
        row.metrics.cost_micros = cost_micros
        if impressions:
            row.metrics.ctr = clicks / impressions
        if clicks:
            row.metrics.average_cpc = cost_micros / clicks
        if day is not None:
            row.segments.date = day
        rows.append(row)
    return rows


def _is_report(query: gaql.Query) -> bool:
    """A query that selects or filters metrics or segments: a report, counted in its quota."""
    named = [*query.fields, *(c.field for c in query.conditions)]
    return any(f.split(".")[0] in METRIC_PREFIXES for f in named)


def _customer_row(state: SandboxState, customer_id: str) -> Any:
    row = gas.GoogleAdsRow.pb()()
    customer = row.customer
    customer.resource_name = f"customers/{customer_id}"
    customer.id = int(customer_id)
    customer.descriptive_name = state.credentials[PLATFORM].get(
        "descriptive_name", "AdFlux Sandbox"
    )
    customer.currency_code = "COP"
    customer.time_zone = "America/Bogota"
    return row


def _order_value(path: str, row: Any) -> tuple[int, Any]:
    value = field_value(row, path)
    return (0, "") if value is None else (1, value)


def search(state: SandboxState, customer_id: str, text: str) -> tuple[list[Any], list[str]]:
    """Matching rows (projected GoogleAdsRow messages) and the field mask paths."""
    query = gaql.parse(text)
    if _is_report(query):
        wait = state.quotas.take(REPORT_BUCKET, REPORT_LIMIT, state.clock.now())
        if wait is not None:
            raise quota_exhausted(wait)
    kind = KINDS.get(query.resource)
    if query.resource == "customer":
        paths = _check_fields(query, {"customer"})
        candidates = [_customer_row(state, customer_id)]
    elif kind is not None:
        paths = _check_fields(query, _allowed(kind))
        candidates = _rows(state, query, kind, customer_id)
    else:
        raise _query_error(
            "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
            f"The sandbox does not serve '{query.resource}'.",
            query.resource,
        )
    today = insights.today(state.clock.now())
    rows = [
        row
        for row in candidates
        if all(
            c.field == "segments.date" or gaql.matches(c, field_value(row, paths[c.field]), today)
            for c in query.conditions
        )
    ]
    for field, descending in reversed(query.order_by):
        rows.sort(key=partial(_order_value, paths[field]), reverse=descending)
    if query.limit is not None:
        rows = rows[: query.limit]
    mask = field_mask_pb2.FieldMask(paths=[paths[f] for f in query.fields])
    projected = []
    for row in rows:
        out = type(row)()
        mask.MergeMessage(row, out)
        projected.append(gas.GoogleAdsRow.wrap(out))
    return projected, list(query.fields)


def stream(
    state: SandboxState, request: Any, request_id: str
) -> Iterator[gas.SearchGoogleAdsStreamResponse]:
    rows, fields = search(state, request.customer_id, request.query)
    mask = field_mask_pb2.FieldMask(paths=fields)
    for start in range(0, max(len(rows), 1), BATCH_ROWS):
        yield gas.SearchGoogleAdsStreamResponse(
            results=rows[start : start + BATCH_ROWS], field_mask=mask, request_id=request_id
        )
