"""The results sync: every platform's daily figures for live and recently ended publications,
pulled in account-level reports and upserted into one CampaignMetric row per publication × day.

Per platform, one report call per REPORT_CHUNK published trees (not one call per object per
day). A platform that fails keeps its previous rows; its ReportSync row says why and when it is
tried again, and the other platforms still sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from adflux import clock
from adflux.audit import service as audit
from adflux.campaigns.models import AdCampaign, PlatformPublication, PublicationStatus
from adflux.campaigns.service import CAMPAIGN_TZ
from adflux.db import DbSession
from adflux.platforms.base import PlatformAdapter, PlatformError, RateLimited, ReportRow
from adflux.results.models import CampaignMetric, ReportSync

log = logging.getLogger(__name__)

SYNC_TASK = "adflux.sync_results"
AdapterFor = Callable[[str], PlatformAdapter]

# Trees per report call: a platform's report filter takes a list of ids, and a thousand keeps
# each request and answer a manageable size (Meta's filtering, Google's IN clause, X's entity_ids
# pages, TikTok's filters all take such lists).
REPORT_CHUNK = 1000
# Rows per INSERT ... ON CONFLICT statement: 6 values each stays far below SQLite's 32,766
# bound parameters and PostgreSQL's 65,535.
UPSERT_BATCH = 1000
# A campaign that ended (or a publication paused) this many days ago is still synced: its last
# days are restated like anyone's.
ENDED_GRACE_DAYS = 7
# The first sync of a publication asks from its campaign's start, at most this far back.
MAX_LOOKBACK_DAYS = 90
# Backoff of a platform whose report failed (transient, unavailable, refused): doubles from the
# first to the last; a rate limit waits the platform's own retry-after instead.
BACKOFF_FIRST_S = 60.0
BACKOFF_MAX_S = 3600.0

T = TypeVar("T")


@dataclass(frozen=True)
class PlatformSync:
    """What one platform's sync did: how many publications, calls and rows; or why it failed."""

    platform: str
    ok: bool
    publications: int
    calls: int = 0
    rows: int = 0
    since: date | None = None
    until: date | None = None
    error: str | None = None
    retry_in_s: float | None = None
    skipped: bool = False  # not due yet (backing off after a failure)


@dataclass(frozen=True)
class SyncOutcome:
    platforms: list[PlatformSync]

    @property
    def failed(self) -> list[PlatformSync]:
        return [p for p in self.platforms if not p.ok and not p.skipped]

    @property
    def calls(self) -> int:
        return sum(p.calls for p in self.platforms)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.platforms)


@dataclass(frozen=True)
class _Tree:
    publication_id: int
    key: str
    external_ids: dict[str, str]
    since: date


def report_today() -> date:
    """Today in the ad accounts' time zone (America/Bogota): the last day a report can hold."""
    return clock.now().astimezone(CAMPAIGN_TZ).date()


def publication_key(publication_id: int) -> str:
    """The key every platform object of a publication is named with (campaigns/publishing.py)."""
    return f"adflux-pub-{publication_id}"


def sync_results(
    *,
    db_session: DbSession,
    adapter_for: AdapterFor,
    platforms: Sequence[str] | None = None,
    restate_days: int = 7,
    force: bool = False,
    chunk_size: int = REPORT_CHUNK,
) -> SyncOutcome:
    """Pull the figures of every live or recently ended publication, platform by platform.

    Each platform's rows are written in one transaction (upserts: a restated day overwrites, a
    re-run changes no figure). `force` ignores a platform's backoff (an on-demand sync);
    `platforms` limits the run to those platforms.
    """
    now, today = clock.now(), report_today()
    trees = _trees_by_platform(db_session, now=now, today=today, restate_days=restate_days)
    states = {s.platform: s for s in db_session.scalars(sa.select(ReportSync))}
    names = sorted(set(trees) | set(states)) if platforms is None else sorted(set(platforms))
    db_session.commit()  # no transaction stays open across the report calls
    results = []
    for platform in names:
        state = states.get(platform)
        platform_trees = trees.get(platform, [])
        due = state is None or state.next_attempt_at is None or state.next_attempt_at <= now
        if not platform_trees:
            continue
        if not (due or force):
            results.append(PlatformSync(platform, ok=False, publications=0, skipped=True))
            continue
        results.append(
            _sync_platform(
                db_session,
                adapter_for,
                platform,
                platform_trees,
                today=today,
                chunk_size=chunk_size,
            )
        )
    return SyncOutcome(results)


def _sync_platform(
    db_session: DbSession,
    adapter_for: AdapterFor,
    platform: str,
    trees: list[_Tree],
    *,
    today: date,
    chunk_size: int,
) -> PlatformSync:
    since = min(tree.since for tree in trees)
    calls, reported = 0, []
    error: str | None = None
    retry_in_s: float | None = None
    try:
        adapter = adapter_for(platform)
        for chunk in _batched(trees, chunk_size):
            calls += 1
            reported += adapter.daily_report({t.key: t.external_ids for t in chunk}, since, today)
    except RateLimited as exc:
        error, retry_in_s = f"rate limited: {exc.message}", max(exc.retry_after_s, 1.0)
    except PlatformError as exc:
        error = f"{type(exc).__name__}: {exc.message}"
    except Exception as exc:  # a bug in an adapter: this platform waits, the others go on
        log.exception("results sync of %s failed", platform)
        error = f"{type(exc).__name__}: {exc}"
    attempted_at = clock.now()
    state = db_session.get(ReportSync, platform) or ReportSync(platform=platform)
    db_session.add(state)
    if error is not None and retry_in_s is None:
        retry_in_s = _backoff_s(state)  # from the previous attempt's wait
    state.last_attempt_at = attempted_at
    if error is not None:
        assert retry_in_s is not None
        state.last_error = error[:2000]
        state.next_attempt_at = attempted_at + timedelta(seconds=retry_in_s)
        outcome = PlatformSync(
            platform,
            ok=False,
            publications=len(trees),
            calls=calls,
            since=since,
            until=today,
            error=error,
            retry_in_s=retry_in_s,
        )
        log.warning("results sync of %s failed (retry in %.0f s): %s", platform, retry_in_s, error)
    else:
        rows = _store(db_session, trees, reported, since=since, until=today, at=attempted_at)
        state.last_success_at = attempted_at
        state.last_error = None
        state.next_attempt_at = None
        outcome = PlatformSync(
            platform,
            ok=True,
            publications=len(trees),
            calls=calls,
            rows=rows,
            since=since,
            until=today,
        )
    audit.record(
        db_session=db_session,
        action="results.sync",
        entity_type="platform",
        entity_id=platform,
        details={
            "ok": outcome.ok,
            "publications": outcome.publications,
            "calls": outcome.calls,
            "rows": outcome.rows,
            "since": since.isoformat(),
            "until": today.isoformat(),
            "error": error,
        },
    )
    db_session.commit()
    return outcome


def _backoff_s(state: ReportSync) -> float:
    """Twice the previous wait when the previous attempt failed too, else the first wait."""
    previous = 0.0
    if state.last_error and state.next_attempt_at and state.last_attempt_at:
        previous = (state.next_attempt_at - state.last_attempt_at).total_seconds()
    return min(BACKOFF_MAX_S, max(BACKOFF_FIRST_S, 2 * previous))


def _trees_by_platform(
    db_session: DbSession, *, now: datetime, today: date, restate_days: int
) -> dict[str, list[_Tree]]:
    """Published publications with platform ids whose campaign runs or ended lately, and paused
    or ended ones that stopped lately, each with the first day to ask for: its campaign's start
    when no sync of its platform has succeeded since it was published, else the platform's last
    success less the restated days."""
    grace = today - timedelta(days=ENDED_GRACE_DAYS)
    rows = db_session.execute(
        sa.select(
            PlatformPublication.id,
            PlatformPublication.platform,
            PlatformPublication.external_ids,
            PlatformPublication.published_at,
            AdCampaign.start_date,
            ReportSync.last_success_at,
        )
        .join(AdCampaign, AdCampaign.id == PlatformPublication.campaign_id)
        .outerjoin(ReportSync, ReportSync.platform == PlatformPublication.platform)
        .where(
            sa.or_(
                PlatformPublication.status == PublicationStatus.PUBLISHED.value,
                sa.and_(
                    PlatformPublication.status == PublicationStatus.PAUSED.value,
                    PlatformPublication.updated_at >= now - timedelta(days=ENDED_GRACE_DAYS),
                ),
                # An arm taken off its campaign (or archived) spent until it ended: its last
                # days are still reported, and restated, like a paused one's.
                sa.and_(
                    PlatformPublication.status == PublicationStatus.ENDED.value,
                    PlatformPublication.ended_at >= now - timedelta(days=ENDED_GRACE_DAYS),
                ),
            ),
            sa.or_(AdCampaign.end_date.is_(None), AdCampaign.end_date >= grace),
            AdCampaign.start_date <= today,
        )
        .order_by(PlatformPublication.platform, PlatformPublication.id)
    ).all()
    earliest = today - timedelta(days=MAX_LOOKBACK_DAYS)
    restated = today - timedelta(days=restate_days - 1)
    trees: dict[str, list[_Tree]] = {}
    for pub_id, platform, external_ids, published_at, start, last_success in rows:
        if not external_ids:
            continue
        since = restated
        if last_success is None or published_at is None or published_at >= last_success:
            since = start  # never reported since it was published: from the beginning
        else:
            last_day = last_success.astimezone(CAMPAIGN_TZ).date()
            since = min(restated, last_day - timedelta(days=restate_days - 1))
        since = max(start, earliest, since)
        trees.setdefault(platform, []).append(
            _Tree(pub_id, publication_key(pub_id), dict(external_ids), since)
        )
    return trees


def _store(
    db_session: DbSession,
    trees: list[_Tree],
    reported: Iterable[ReportRow],
    *,
    since: date,
    until: date,
    at: datetime,
) -> int:
    """Upsert the reported rows; a day of the window the report no longer holds had no
    delivery (the port omits such days), so a stored figure for it is restated to zero."""
    by_key = {tree.key: tree.publication_id for tree in trees}
    values: dict[tuple[int, date], dict[str, Any]] = {}
    for row in reported:
        publication_id = by_key.get(row.publication_key)
        if publication_id is None or not since <= row.day <= until:
            continue
        values[(publication_id, row.day)] = {
            "publication_id": publication_id,
            "day": row.day,
            "impressions": int(row.impressions),
            "clicks": int(row.clicks),
            "spend_cop": int(row.spend_cop),
            "synced_at": at,
        }
    upsert_metrics(db_session, list(values.values()))
    ids = [tree.publication_id for tree in trees]
    for batch in _batched(ids, UPSERT_BATCH):
        db_session.execute(
            sa.update(CampaignMetric)
            .where(
                CampaignMetric.publication_id.in_(batch),
                CampaignMetric.day.between(since, until),
                CampaignMetric.synced_at < at,
            )
            .values(impressions=0, clicks=0, spend_cop=0, synced_at=at)
            .execution_options(synchronize_session=False)
        )
    return len(values)


def upsert_metrics(db_session: DbSession, values: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ... ON CONFLICT (publication_id, day) DO UPDATE, in batches, on either backend."""
    if not values:
        return
    dialect = db_session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for batch in _batched(values, UPSERT_BATCH):
        statement = insert(CampaignMetric).values(list(batch))
        excluded = statement.excluded
        db_session.execute(
            statement.on_conflict_do_update(
                index_elements=[CampaignMetric.publication_id, CampaignMetric.day],
                set_={
                    "impressions": excluded.impressions,
                    "clicks": excluded.clicks,
                    "spend_cop": excluded.spend_cop,
                    "synced_at": excluded.synced_at,
                },
            )
        )


def platforms_to_sync(*, db_session: DbSession) -> list[str]:
    """The platforms a sync started now would ask for figures (they have publications to sync)."""
    now, today = clock.now(), report_today()
    return sorted(_trees_by_platform(db_session, now=now, today=today, restate_days=1))


def sync_states(*, db_session: DbSession) -> list[ReportSync]:
    """Where each platform's sync stands (last attempt, success, error, next attempt)."""
    return list(db_session.scalars(sa.select(ReportSync).order_by(ReportSync.platform)))


def _batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
