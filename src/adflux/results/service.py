"""The numbers: impressions, clicks, spend and applications rolled up by the database by campaign,
platform, segment, job and day, with CTR, CPC, apply rate and cost per application; and the
results sync that fills them (adflux.results.sync).

Segments: a campaign's arm aimed at one segment has its own ad tree on its platform, so its
figures are that segment's own (``segments: [3]``). An arm aimed at the job's own audience counts
under no segment (``segments: []``), like a campaign aimed at its places and keywords alone. A
whole-campaign arm published before arms existed targets its campaign's segments together, so
its figures cannot be split honestly: grouped by segment it is keyed by the campaign's segment
*set*, one shared row (``segments: [3, 5]``) with its applications split by the segment each
applicant was attributed to (an application is one person, so that split is honest; the spend's
is not). Nothing here ever divides an ad's figures between segments.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute

from adflux.campaigns.models import (
    CAMPAIGN_ARM,
    AdCampaign,
    PlatformPublication,
    campaign_segments,
)
from adflux.db import DbSession
from adflux.errors import ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices
from adflux.results.models import Application, CampaignMetric
from adflux.results.sync import (
    SYNC_TASK,
    PlatformSync,
    SyncOutcome,
    platforms_to_sync,
    report_today,
    sync_results,
    sync_states,
)
from adflux.riding import keep_rider_values, riding_columns

__all__ = [
    "CAMPAIGN_DIMENSIONS",
    "DIMENSIONS",
    "SYNC_TASK",
    "Figures",
    "PlatformSync",
    "ResultRow",
    "Results",
    "SegmentApplications",
    "SyncOutcome",
    "daily_by_publication",
    "parse_by",
    "platforms_to_sync",
    "report_today",
    "results",
    "sync_results",
    "sync_states",
]

# What rows can be grouped by, in the order a combined grouping is keyed and sorted.
DIMENSIONS = ("campaign", "platform", "segment", "job", "day")
# Within one campaign, grouping by campaign or job would give one row: not offered there.
CAMPAIGN_DIMENSIONS = ("platform", "segment", "day")

_RATIO = Decimal("0.0001")  # CTR and apply rate: four decimals
_PESO = Decimal("1")  # CPC and cost per application: whole COP


def _ratio(numerator: int, denominator: int, quantum: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(quantum, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """Summed delivery and applications, and the ratios derived from them (None when the
    denominator is zero: no CPA without an application)."""

    impressions: int
    clicks: int
    spend_cop: int
    applications: int

    @property
    def ctr(self) -> float | None:
        """Clicks per impression, four decimals."""
        value = _ratio(self.clicks, self.impressions, _RATIO)
        return None if value is None else float(value)

    @property
    def cpc_cop(self) -> int | None:
        """Spend per click, whole COP (half up)."""
        value = _ratio(self.spend_cop, self.clicks, _PESO)
        return None if value is None else int(value)

    @property
    def apply_rate(self) -> float | None:
        """Applications per click, four decimals."""
        value = _ratio(self.applications, self.clicks, _RATIO)
        return None if value is None else float(value)

    @property
    def cost_per_application_cop(self) -> int | None:
        """Spend per application, whole COP (half up); None without applications."""
        value = _ratio(self.spend_cop, self.applications, _PESO)
        return None if value is None else int(value)


@dataclass(frozen=True)
class SegmentApplications:
    """How many of a row's applications were attributed to one segment (None: to none)."""

    segment_id: int | None
    applications: int


@dataclass(frozen=True)
class ResultRow(Figures):
    """One group: the keys of the dimensions grouped by are set, the others None."""

    campaign_id: int | None = None
    platform: str | None = None
    # The campaign's target segments, ascending ([] for a campaign with none: the job's
    # audience); several means the figures are shared by them (see the module's docstring).
    segments: list[int] | None = None
    job_id: int | None = None
    day: date | None = None
    # Grouped by segment: the row's applications by the applicant's attributed segment.
    segment_applications: list[SegmentApplications] | None = None

    @property
    def shared(self) -> bool | None:
        return None if self.segments is None else len(self.segments) > 1


@dataclass(frozen=True)
class Results:
    """Totals of everything the filters match, and one page of its rows grouped by `by`. The
    rows of every grouping sum to the totals exactly (grouped by day as by anything else)."""

    by: tuple[str, ...]
    totals: Figures
    rows: list[ResultRow]
    total_rows: int
    limit: int
    offset: int
    filters: dict[str, Any] = field(default_factory=dict)


def parse_by(
    value: str | Sequence[str] | None, *, allowed: Sequence[str] = DIMENSIONS
) -> tuple[str, ...]:
    """``"platform,day"`` -> ("platform", "day") in DIMENSIONS order; refused naming `by`."""
    parts = value.split(",") if isinstance(value, str) else list(value or [])
    names = [part.strip() for part in parts if part.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        raise ValidationFailed(
            "by: group by one or more of %(allowed)s, comma-separated",
            fields={"by": [N_("unknown: %(unknown)s") if unknown else N_("give at least one")]},
            allowed=Choices(None, list(allowed)),
            unknown=", ".join(unknown),
        )
    if len(set(names)) != len(names):
        raise ValidationFailed("by: a dimension is named twice", fields={"by": [N_("named twice")]})
    return tuple(name for name in DIMENSIONS if name in names)


def results(
    *,
    db_session: DbSession,
    by: Sequence[str],
    campaign_id: int | None = None,
    job_id: int | None = None,
    platform: str | None = None,
    segment_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Results:
    """Totals and grouped rows of what the filters match, summed by the database.

    `segment_id` keeps the arms aimed at that segment (and whole-campaign arms of campaigns
    that target it, alone or with others);
    `since`/`until` are America/Bogota days, both included. Applications are those attributed
    to an AdFlux ad (their tracking code named a publication), counted on the day they were
    made. Without `limit` every row is returned.
    """
    by = parse_by(by)
    if since is not None and until is not None and since > until:
        raise ValidationFailed(
            "until is before since", fields={"until": [N_("must be on or after since")]}
        )
    filters = {
        "campaign_id": campaign_id,
        "job_id": job_id,
        "platform": platform,
        "segment_id": segment_id,
        "since": since,
        "until": until,
    }
    given = {name: value for name, value in filters.items() if value is not None}
    statements = _statements(db_session.get_bind().dialect.name, by, frozenset(given))
    if limit is None:
        found = [tuple(row) for row in db_session.execute(statements.every_group, given).all()]
        # The groups partition the facts: their sums are the totals.
        width = len(by)
        sums = [sum(int(row[i] or 0) for row in found) for i in range(width, width + 4)]
        totals, total_rows, limit = Figures(*sums), len(found), len(found)
    else:
        totals, found, total_rows = _grouped_page(db_session, statements, given, limit, offset)
    split = _segment_split(db_session, statements, given) if "segment" in by else {}
    rows = [_row(by, values, split) for values in found]
    return Results(
        by=by,
        totals=totals,
        rows=rows,
        total_rows=total_rows,
        limit=limit,
        offset=offset,
        filters=given,
    )


def daily_by_publication(
    *, db_session: DbSession, publication_ids: Sequence[int], since: date, until: date
) -> dict[tuple[int, date], tuple[int, int]]:
    """(publication id, day) -> (spend COP, attributed applications) for the days from `since` to
    `until` (both included) that have either; the allocator's and the rules' view of each arm."""
    ids = list(publication_ids)
    if not ids:
        return {}
    days: dict[tuple[int, date], tuple[int, int]] = {}
    spend = sa.select(CampaignMetric.publication_id, CampaignMetric.day, CampaignMetric.spend_cop)
    for publication_id, day, spend_cop in db_session.execute(
        spend.where(
            CampaignMetric.publication_id.in_(ids),
            CampaignMetric.day >= since,
            CampaignMetric.day <= until,
        )
    ):
        days[publication_id, day] = (int(spend_cop), 0)
    applications = (
        sa.select(Application.publication_id, Application.day, sa.func.count())
        .where(
            Application.publication_id.in_(ids),
            Application.day >= since,
            Application.day <= until,
        )
        .group_by(Application.publication_id, Application.day)
    )
    for arm_id, day, count in db_session.execute(applications):
        key = (cast(int, arm_id), day)  # not None: the query keeps the given publications
        days[key] = (days.get(key, (0, 0))[0], int(count))
    return days


def daily_by_platform(
    *, db_session: DbSession, since: date, until: date, excluding_campaign_id: int
) -> dict[tuple[str, date], tuple[int, int]]:
    """(platform, day) -> (spend COP, attributed applications) over every campaign's arms but
    one, for the days from `since` to `until` (both included): what the platforms bought for
    the other campaigns, which the allocator pools a campaign's thin arms toward."""
    days: dict[tuple[str, date], tuple[int, int]] = {}
    spend = (
        sa.select(
            PlatformPublication.platform, CampaignMetric.day, sa.func.sum(CampaignMetric.spend_cop)
        )
        .join(PlatformPublication, PlatformPublication.id == CampaignMetric.publication_id)
        .where(
            PlatformPublication.campaign_id != excluding_campaign_id,
            CampaignMetric.day >= since,
            CampaignMetric.day <= until,
        )
        .group_by(PlatformPublication.platform, CampaignMetric.day)
    )
    for platform, day, spend_cop in db_session.execute(spend):
        days[platform, day] = (int(spend_cop or 0), 0)
    applications = (
        sa.select(Application.platform, Application.day, sa.func.count())
        .where(
            Application.publication_id.is_not(None),
            Application.campaign_id != excluding_campaign_id,
            Application.day >= since,
            Application.day <= until,
        )
        .group_by(Application.platform, Application.day)
    )
    for named, day, count in db_session.execute(applications):
        key = (cast(str, named), day)  # attributed: the platform is known
        days[key] = (days.get(key, (0, 0))[0], int(count))
    return days


def _row(
    by: tuple[str, ...],
    values: tuple[Any, ...],
    split: dict[tuple[Any, ...], list[SegmentApplications]],
) -> ResultRow:
    group, sums = values[: len(by)], values[len(by) :]
    keys: dict[str, Any] = {}
    for name, value in zip(by, group, strict=True):
        if name == "campaign":
            keys["campaign_id"] = value
        elif name == "job":
            keys["job_id"] = value
        elif name == "segment":
            keys["segments"] = _segment_ids(value)
            keys["segment_applications"] = split.get(tuple(group), [])
        elif name == "day":
            keys["day"] = value if isinstance(value, date) else date.fromisoformat(str(value))
        else:
            keys[name] = value
    impressions, clicks, spend_cop, applications = (int(v or 0) for v in sums)
    return ResultRow(impressions, clicks, spend_cop, applications, **keys)


def _segment_ids(key: str | None) -> list[int]:
    return [int(part) for part in (key or "").split(",") if part]


@dataclass(frozen=True, eq=False)  # one per cache entry: hashed by identity
class _Statements:
    """The statements of one grouping under one set of filters (their values as parameters),
    built once: SQLAlchemy computes a statement's cache key once per object, and building and
    keying these anew cost more per request than summing the rows."""

    by: tuple[str, ...]
    facts: sa.Subquery
    keys: tuple[sa.ColumnElement[Any], ...]
    every_group: sa.Select[Any]
    pages: dict[tuple[sa.ColumnElement[Any], ...], sa.Select[Any]] = field(default_factory=dict)

    def page(self, riding: tuple[sa.ColumnElement[Any], ...]) -> sa.Select[Any]:
        """The totals, one page of the groups and their count, with `riding` columns after them:
        see `_grouped_page`."""
        built = self.pages.get(riding)
        if built is None:
            width = len(self.keys)
            groups = self.every_group.order_by(None).cte("groups")
            keys = list(groups.c)[:width]
            summary = sa.select(
                sa.func.count().label("_groups"),
                *(
                    sa.func.coalesce(sa.func.sum(c), 0).label(f"_total_{c.name}")
                    for c in groups.c[width:]
                ),
            ).subquery("summary")
            page = (
                sa.select(groups)
                .order_by(*keys)
                .limit(sa.bindparam("_page_limit"))
                .offset(sa.bindparam("_page_offset"))
                .subquery("page")
            )
            built = (
                sa.select(*page.c, *summary.c, *riding)
                .select_from(summary.outerjoin(page, sa.true()))
                .order_by(*(page.c[c.name] for c in keys))
            )
            self.pages[riding] = built
        return built


@functools.cache
def _statements(dialect: str, by: tuple[str, ...], filters: frozenset[str]) -> _Statements:
    facts = _facts(dialect, filters)
    keys = tuple(_dimension(facts, name) for name in by)
    every_group = sa.select(*keys, *_sums(facts)).group_by(*keys).order_by(*keys)
    return _Statements(by=by, facts=facts, keys=keys, every_group=every_group)


def _grouped_page(
    db_session: DbSession,
    statements: _Statements,
    given: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[Figures, list[tuple[Any, ...]], int]:
    """The totals, one page of the groups (their keys, then their sums) and how many groups
    there are, in one statement.

    The facts are grouped once (a CTE read twice, which PostgreSQL materialises): the summary
    (the count of groups, the sums of their sums) is a single row, joined to the page, so that a
    page past the end still carries it. Totals, page and count had been three statements, each
    reading and grouping every fact again. The `riding.rider`'s columns ride along.
    """
    riding, rider_params = riding_columns()
    values = {**given, **rider_params, "_page_limit": limit, "_page_offset": offset}
    rows = db_session.execute(statements.page(riding), values).all()
    keep_rider_values(rows[0], riding)
    width = len(statements.keys)
    first = rows[0][width + 4 :]
    totals = Figures(*(int(v or 0) for v in first[1:5]))
    # A page past the end is the summary alone, its page columns NULL (a group's sums never are).
    found = [tuple(row[: width + 4]) for row in rows if row[width] is not None]
    return totals, found, int(first[0])


def _sums(facts: sa.Subquery) -> list[sa.ColumnElement[Any]]:
    return [
        sa.func.coalesce(sa.func.sum(facts.c[name]), 0).label(name)
        for name in ("impressions", "clicks", "spend_cop", "applications")
    ]


def _dimension(facts: sa.Subquery, name: str) -> sa.ColumnElement[Any]:
    column = {
        "campaign": "campaign_id",
        "platform": "platform",
        "segment": "segments",
        "job": "job_id",
        "day": "day",
    }[name]
    return facts.c[column]


def _segment_split(
    db_session: DbSession, statements: _Statements, given: dict[str, Any]
) -> dict[tuple[Any, ...], list[SegmentApplications]]:
    """Per group, its applications by the applicant's attributed segment (one query)."""
    split: dict[tuple[Any, ...], list[SegmentApplications]] = {}
    width = len(statements.keys)
    for row in db_session.execute(_split_statement(statements), given):
        group = tuple(row[:width])
        split.setdefault(group, []).append(SegmentApplications(row[-2], int(row[-1])))
    return split


@functools.cache
def _split_statement(statements: _Statements) -> sa.Select[Any]:
    facts, keys = statements.facts, statements.keys
    return (
        sa.select(*keys, facts.c.application_segment_id, sa.func.sum(facts.c.applications))
        .where(facts.c.applications > 0)
        .group_by(*keys, facts.c.application_segment_id)
        .order_by(*keys, facts.c.application_segment_id.nulls_last())
    )


def _segment_sets(dialect: str) -> sa.Subquery:
    """campaign_id -> its segment ids, ascending and comma-separated ("3,5")."""
    link = campaign_segments.c
    if dialect == "postgresql":
        joined = sa.func.string_agg(
            sa.cast(link.segment_id, sa.Text),
            aggregate_order_by(sa.literal_column("','"), link.segment_id),
        )
        return (
            sa.select(link.campaign_id, joined.label("segments"))
            .group_by(link.campaign_id)
            .subquery("segment_sets")
        )
    # SQLite (3.40 here) has no ORDER BY inside an aggregate; group_concat takes the rows in
    # the order of an ordered subquery, which is what makes the key canonical.
    ordered = (
        sa.select(link.campaign_id, link.segment_id)
        .order_by(link.campaign_id, link.segment_id)
        .subquery("ordered_segments")
    )
    return (
        sa.select(
            ordered.c.campaign_id,
            sa.func.group_concat(ordered.c.segment_id, ",").label("segments"),
        )
        .group_by(ordered.c.campaign_id)
        .subquery("segment_sets")
    )


def _facts(dialect: str, filters: frozenset[str]) -> sa.Subquery:
    """One row per metric row and per attributed application, with every dimension's key; the
    `filters` named are bound parameters of the same names."""
    sets = _segment_sets(dialect)
    segments = sa.case(
        (
            PlatformPublication.segment_id.is_not(None),
            sa.cast(PlatformPublication.segment_id, sa.Text),
        ),
        (PlatformPublication.arm_key == CAMPAIGN_ARM, sa.func.coalesce(sets.c.segments, "")),
        else_="",
    ).label("segments")

    def conditions(day: InstrumentedAttribute[date]) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        if "campaign_id" in filters:
            found.append(PlatformPublication.campaign_id == sa.bindparam("campaign_id"))
        if "job_id" in filters:
            found.append(AdCampaign.job_id == sa.bindparam("job_id"))
        if "platform" in filters:
            found.append(PlatformPublication.platform == sa.bindparam("platform"))
        if "segment_id" in filters:
            targeting = sa.select(campaign_segments.c.campaign_id).where(
                campaign_segments.c.segment_id == sa.bindparam("segment_id")
            )
            found.append(
                sa.or_(
                    PlatformPublication.segment_id == sa.bindparam("segment_id"),
                    sa.and_(
                        PlatformPublication.arm_key == CAMPAIGN_ARM,
                        PlatformPublication.campaign_id.in_(targeting),
                    ),
                )
            )
        if "since" in filters:
            found.append(day >= sa.bindparam("since"))
        if "until" in filters:
            found.append(day <= sa.bindparam("until"))
        return found

    zero = sa.literal(0, sa.BigInteger)
    delivery = (
        sa.select(
            PlatformPublication.campaign_id.label("campaign_id"),
            PlatformPublication.platform.label("platform"),
            AdCampaign.job_id.label("job_id"),
            CampaignMetric.day.label("day"),
            segments,
            CampaignMetric.impressions.label("impressions"),
            CampaignMetric.clicks.label("clicks"),
            CampaignMetric.spend_cop.label("spend_cop"),
            zero.label("applications"),
            sa.cast(sa.null(), sa.Integer).label("application_segment_id"),
        )
        .select_from(CampaignMetric)
        .join(PlatformPublication, PlatformPublication.id == CampaignMetric.publication_id)
        .join(AdCampaign, AdCampaign.id == PlatformPublication.campaign_id)
        .outerjoin(sets, sets.c.campaign_id == PlatformPublication.campaign_id)
        .where(*conditions(CampaignMetric.day))
    )
    # Attributed applications only: by their publication, so campaign and platform are the
    # ad's own (an unattributed application has no ad to count it against).
    applied = (
        sa.select(
            PlatformPublication.campaign_id,
            PlatformPublication.platform,
            AdCampaign.job_id,
            Application.day,
            segments,
            zero,
            zero,
            zero,
            sa.literal(1, sa.BigInteger),
            Application.segment_id,
        )
        .select_from(Application)
        .join(PlatformPublication, PlatformPublication.id == Application.publication_id)
        .join(AdCampaign, AdCampaign.id == PlatformPublication.campaign_id)
        .outerjoin(sets, sets.c.campaign_id == PlatformPublication.campaign_id)
        .where(*conditions(Application.day))
    )
    return sa.union_all(delivery, applied).subquery("facts")
