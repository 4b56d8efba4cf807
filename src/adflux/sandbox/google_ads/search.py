"""GoogleAdsService.Search/SearchStream over the stored objects, answering GAQL with GoogleAdsRows.

Rows carry the FROM resource plus its attributed parents (an ad group row can select campaign.*),
and, FROM campaign, simulated metrics per segments.date. Only the selected fields are returned, and
the response's field_mask lists them, as on Google.
"""

from __future__ import annotations

import contextlib
import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import Any

from google.ads.googleads.v26.services.types import google_ads_service as gas
from google.protobuf import field_mask_pb2

from adflux.sandbox import delivery, market_ads
from adflux.sandbox.google_ads import gaql, insights
from adflux.sandbox.google_ads.catalog import KINDS, PLATFORM, Kind
from adflux.sandbox.google_ads.failures import ApiError, error, invalid, quota_exhausted
from adflux.sandbox.market import Market
from adflux.sandbox.quotas import Limit
from adflux.sandbox.state import SandboxState
from adflux.sandbox.store import Store

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
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


class _Account(ABC):
    """One customer's objects as one query reads them: each record looked up (and parsed) once,
    and each campaign's delivery and its split among its ad groups / ads computed once, however
    many rows share them."""

    def __init__(self, customer_id: str) -> None:
        self._customer = customer_id
        self._records: dict[str, dict[str, Any] | None] = {}
        self._children: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._resources: dict[str, Any] = {}
        self._ranks: dict[tuple[str, str], dict[str, int]] = {}
        self._days: dict[str, list[delivery.DayFigures]] = {}

    @abstractmethod
    def _load(self, name: str) -> dict[str, Any] | None:
        """The record named `name`, or None (read from the store, or from a mutate's records)."""

    @abstractmethod
    def _load_children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        """Every record of `kind` (ad_group, ad_group_ad) whose PARENT_KEY is `parent`."""

    def record(self, name: str) -> dict[str, Any] | None:
        if name not in self._records:
            rec = self._load(name) if name else None
            mine = rec is not None and rec["customer_id"] == self._customer
            self._records[name] = rec if mine else None
        return self._records[name]

    def children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        if (kind, parent) not in self._children:
            found = self._load_children(kind, parent) if parent else []
            mine = [rec for rec in found if rec["customer_id"] == self._customer]
            self._children[(kind, parent)] = mine
        return self._children[(kind, parent)]

    def resource(self, kind: str, name: str) -> Any | None:
        """The record named `name` as a `kind` message; None when there is none."""
        if name not in self._resources:
            rec = self.record(name)
            self._resources[name] = None if rec is None else KINDS[kind].from_dict(rec["resource"])
        return self._resources[name]

    def parents(self, kind: Kind, resource: Any, wanted: set[str]) -> dict[str, Any]:
        """Attributed resources of one object, by GoogleAdsRow field name: those in `wanted`
        (the others are not parsed: no field of the query names them)."""
        names: list[tuple[str, str]] = []
        if kind.name == "campaign" and resource.campaign_budget:
            names.append(("campaign_budget", resource.campaign_budget))
        if kind.name in ("campaign_criterion", "ad_group"):
            names.append(("campaign", resource.campaign))
        if kind.name in ("ad_group_ad", "ad_group_criterion"):
            names.append(("ad_group", resource.ad_group))
            group = self.record(resource.ad_group)
            if group is not None:
                names.append(("campaign", str(group["resource"].get("campaign", ""))))
        found = {}
        for row_field, name in names:
            parent = self.resource(row_field, name) if row_field in wanted else None
            if parent is not None:
                found[row_field] = parent
        return found

    def delivery_days(
        self,
        kind: str,
        rec: dict[str, Any],
        now: float,
        market: Market,
        days: tuple[date | None, date | None] = (None, None),
    ) -> list[delivery.DayFigures] | None:
        """What one campaign, ad group or ad (`rec`, FROM `kind`) delivered on each day with
        delivery (within `days`, when bounded): its part of its campaign's figures; None when
        it has no campaign."""
        campaign_rec: dict[str, Any] | None = rec
        share = (0, 1)
        if kind != "campaign":
            campaign_name = self._campaign_name(kind, rec)
            campaign_rec = self.record(campaign_name)
            share = self._share(kind, campaign_name, rec["id"])
        if campaign_rec is None:
            return None
        if campaign_rec["id"] not in self._days:
            self._days[campaign_rec["id"]] = insights.campaign_days(
                campaign_rec, now, market=market, since=days[0], until=days[1]
            )
        return [
            delivery.DayFigures(
                f.day, _part(f.impressions, share), _part(f.clicks, share), _part(f.spend, share)
            )
            for f in self._days[campaign_rec["id"]]
        ]

    def _campaign_name(self, kind: str, rec: dict[str, Any]) -> str:
        resource = rec["resource"]
        if kind == "ad_group":
            return str(resource.get("campaign", ""))
        group = self.record(resource.get("ad_group", "")) or {"resource": {}}
        return str(group["resource"].get("campaign", ""))

    def _share(self, kind: str, campaign_name: str, name: str) -> tuple[int, int]:
        """A row's part of its campaign's delivery (index, parts).

        The campaign's figures are split evenly among its ad groups (FROM ad_group) or among the
        ads of all its ad groups (FROM ad_group_ad), the remainder to the oldest, so the rows of
        one campaign add up to the campaign's own metrics.
        """
        if (kind, campaign_name) not in self._ranks:
            groups = self.children("ad_group", campaign_name)
            siblings = (
                groups
                if kind == "ad_group"
                else [ad for group in groups for ad in self.children("ad_group_ad", group["id"])]
            )
            ordered = sorted((other["created_at"], other["id"]) for other in siblings)
            self._ranks[(kind, campaign_name)] = {n: i for i, (_c, n) in enumerate(ordered)}
        ranks = self._ranks[(kind, campaign_name)]
        return ranks.get(name, 0), max(1, len(ranks))


# The store index keys of what a campaign / ad group holds (shared with the market's reads).
PARENT_KEY = {"ad_group": market_ads.campaign_of, "ad_group_ad": market_ads.ad_group_of}


class _StoreAccount(_Account):
    """The account read through the store's indexes: a query costs what it selects."""

    def __init__(self, store: Store, customer_id: str) -> None:
        super().__init__(customer_id)
        self._store = store

    def _load(self, name: str) -> dict[str, Any] | None:
        return self._store.get(PLATFORM, name)

    def _load_children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        return self._store.find_by(PLATFORM, kind, PARENT_KEY[kind], parent)


class _RecordsAccount(_Account):
    """The account as a dict of records by name (what `delivery_days` is given)."""

    def __init__(self, records: dict[str, dict[str, Any]], customer_id: str) -> None:
        super().__init__(customer_id)
        self._all = records

    def _load(self, name: str) -> dict[str, Any] | None:
        return self._all.get(name)

    def _load_children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        key = PARENT_KEY[kind]
        return [r for r in self._all.values() if r["kind"] == kind and key(r) == parent]


def _indexed_key(kind: str, field: str) -> tuple[Callable[[dict[str, Any]], Any], bool] | None:
    """The store index key for `kind` records of a GAQL field that names one record (its id,
    resource name, or an ad's id), and whether the field is a number; None for other fields."""
    path = field.removeprefix(f"{kind}.")
    numeric = {"id": True, "resource_name": False, "ad.id": kind == "ad_group_ad"}.get(path)
    if not field.startswith(f"{kind}.") or numeric is None or (path == "ad.id" and not numeric):
        return None
    return _key_at(tuple(path.split("."))), numeric


@functools.cache
def _key_at(path: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """One long-lived index key per path (Store.find_by keeps an index per key function): the
    value at `path` in a record's resource, as stored (int64 as its decimal text)."""

    def key(rec: dict[str, Any]) -> Any:
        node: Any = rec.get("resource")
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        return None if node is None else str(node)

    return key


def _index_value(value: Any, numeric: bool) -> str | None:
    """The indexed text a GAQL value equals (as gaql.matches compares them); None if none."""
    if not numeric:
        return value if isinstance(value, str) else str(value)
    try:
        number = float(value)
    except ValueError:
        return None
    return str(int(number)) if number.is_integer() else None


def _candidates(
    store: Store, query: gaql.Query, kind: Kind, customer_id: str
) -> list[dict[str, Any]]:
    """The customer's records of `kind` the query can match, in creation order: those named by
    an `=` or `IN` condition on their id or resource name, looked up on the store's indexes;
    otherwise every one. (search() still applies every condition to the rows.)"""
    for condition in query.conditions:
        indexed = _indexed_key(kind.name, condition.field)
        if indexed is None or condition.operator not in ("=", "IN"):
            continue
        key, numeric = indexed
        values = condition.value if condition.operator == "IN" else [condition.value]
        wanted = {text for v in values if (text := _index_value(v, numeric)) is not None}
        found = store.find_by_any(PLATFORM, kind.name, key, wanted)
        break
    else:
        found = store.find(PLATFORM, kind.name)
    return [rec for rec in found if rec["customer_id"] == customer_id]


def _day_bounds(conditions: list[gaql.Condition], today: date) -> tuple[date | None, date | None]:
    """First and last day the segments.date conditions can let through (None: unbounded), so
    only those days' delivery is computed; the conditions themselves still filter the rows."""
    low: date | None = None
    high: date | None = None
    for c in conditions:
        first = last = None
        if c.operator == "BETWEEN":
            first, last = _iso_day(c.value[0]), _iso_day(c.value[1])
        elif c.operator == "=":
            first = last = _iso_day(c.value)
        elif c.operator in (">", ">="):
            first = _iso_day(c.value)
        elif c.operator in ("<", "<="):
            last = _iso_day(c.value)
        elif c.operator == "DURING":
            with contextlib.suppress(ApiError):  # the row filter reports it, as before
                first, last = gaql.date_range(str(c.value), today)
        if first is not None:
            low = first if low is None else max(low, first)
        if last is not None:
            high = last if high is None else min(high, last)
    return low, high


def _iso_day(value: Any) -> date | None:
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _rows(state: SandboxState, query: gaql.Query, kind: Kind, customer_id: str) -> list[Any]:
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
    account = _StoreAccount(state.store, customer_id)
    named = {
        f.split(".")[0]
        for f in (
            *query.fields,
            *(c.field for c in query.conditions),
            *(f for f, _ in query.order_by),
        )
    }
    days = _day_bounds(date_filters, insights.today(now))
    rows = []
    for rec in _candidates(state.store, query, kind, customer_id):
        resource = kind.from_dict(rec["resource"])
        base = gas.GoogleAdsRow()
        setattr(base, kind.name, resource)
        for row_field, parent in account.parents(kind, resource, named).items():
            setattr(base, row_field, parent)
        if not wants_metrics:
            rows.append(gas.GoogleAdsRow.pb(base))
            continue
        figures = account.delivery_days(kind.name, rec, now, state.market, days)
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
    """What one campaign, ad group or ad (`rec`, FROM `kind`, one of `records`: its customer's
    objects by name) delivered on each day with delivery: its part of its campaign's figures;
    None when it has no campaign."""
    account = _RecordsAccount(records, rec["customer_id"])
    return account.delivery_days(kind, rec, now, market)


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
