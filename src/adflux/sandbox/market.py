"""The simulated market: how the outside world responds to every ad the emulated platforms hold.

Every platform's insights / stats / report endpoint reports `Market.ad_days` figures; the simulated
job site posts the applications the market draws to AdFlux (`market_delivery`). AdFlux never
imports this module and no endpoint returns what it hides.

Hidden parameters (`market_params`, seeded by SANDBOX_MARKET_SEED, fixed by default; hidden from
AdFlux, which learns only from reported figures and the applications it receives):
- per platform: the CPM range (COP per thousand impressions), the click-through rate and the
  apply propensity (the chance that a perfectly fitting clicker applies);
- impressions per reachable person per day at saturation (reach saturates: impressions =
  w·A·F·(1 - exp(-budget / (cpm·A·F))) for A reachable people, frequency F, weekday factor w,
  so doubling the budget on a small audience gives less than double; spend = impressions at a
  CPM that rises with saturation, never above the daily budget);
- the weights of fit: area match, city (or remote / hybrid reach), experience against
  seniority, salary expectation against the offer, education;
- the weekday pattern and the restatement size (the last 3 days' clicks, impressions and spend
  move a little as the clock advances, then stay final).

Model, per ad and account-local day, deterministic from seed + platform + ad id + day: the day's
potential (impressions, spend and click events with their moments and clickers) assumes
delivery all day; an ad reports the share it was really active (whole chain active, inside its
schedule, up to the sandbox clock), and only the click events inside those moments. A clicker
applies once per ad and day at most, with probability propensity × fit(person, job). The budget,
audiences and link are read as the platform holds them now, the budget as it was on each day
(see `market_ads`).

Reach: an ad restricted to custom audiences reaches the world's people whose hashed email or
phone is among the members of those that match at least the platform's documented minimum
(`audience_minimums`: an ad restricted only to smaller audiences reaches nobody); otherwise the
people of the job's city (everyone for a remote job), weighted towards the job's area (AdFlux
targets the job's city and area keywords; the platforms' geo ids are not decoded). With no world
loaded the platforms still deliver to an anonymous audience (no custom audience counts as
matching more people than were uploaded to it), and nobody applies.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import random
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from adflux.sandbox.audience_minimums import can_deliver
from adflux.sandbox.delivery import ACCOUNT_TZ, DayFigures, local_day
from adflux.sandbox.market_ads import AdView, all_ads, read_ad
from adflux.sandbox.market_delivery import Outbox
from adflux.sandbox.market_params import HiddenParameters, fit
from adflux.sandbox.market_world import Job, Person, World, parse_job_site, parse_world
from adflux.sandbox.store import Clock, Store

DEFAULT_SEED = 20_261_203
RESTATEMENT_DAYS = 3
DAY_S = 86_400
ANONYMOUS_REACH = 40_000  # people an ad reaches when no world is loaded
UNSET_BUDGET_COP = 50_000  # an ad whose platform holds no daily budget spends like this
POTENTIALS_KEPT = 1_000_000  # cached days of delivery, about 150 bytes each
CPM_POINTS = 16  # the CPM range's quantiles an expectation averages over
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


@dataclass(frozen=True)
class Application:
    """One application the simulated job site sends to AdFlux (`payload` is the POST body)."""

    application_id: str
    platform: str
    ad_id: str
    day: date
    job_ref: str
    candidate_ref: str | None
    applied_at: float
    utm: tuple[tuple[str, str], ...]

    def payload(self) -> dict[str, Any]:
        moment = datetime.fromtimestamp(self.applied_at, ACCOUNT_TZ)
        return {
            "application_id": self.application_id,
            "job_ref": self.job_ref,
            "candidate_ref": self.candidate_ref,
            "applied_at": moment.isoformat(timespec="seconds"),
            **dict(self.utm),
        }


@dataclass(frozen=True)
class TruthDay:
    """The market's own figures of one ad and day (final once the day is 3 days old)."""

    impressions: int
    clicks: int
    spend: int
    application_ids: tuple[str, ...]

    @property
    def applications(self) -> int:
        return len(self.application_ids)


@dataclass(frozen=True)
class _Potential:
    """A day's delivery had the ad run all day."""

    impressions: float
    spend: float
    budget: int
    clicks: int


@dataclass
class _Reach:
    world: World  # the world it was drawn from (a PUT may replace the market's meanwhile)
    people: np.ndarray  # indexes in the world's people
    cumulative: np.ndarray  # cumulative click weights, aligned with `people`
    size: int


@dataclass
class Market:
    """The world, the hidden parameters and the job site; thread-safe."""

    store: Store
    clock: Clock
    seed: int = DEFAULT_SEED
    path: Path | None = None
    params: HiddenParameters = field(init=False)
    world: World = field(init=False, default_factory=World)
    job_site: tuple[str, str] | None = field(init=False, default=None)
    # Hidden and in-process only (no endpoint sets or shows it): (platform, ad id) -> (first day,
    # factor) scales the ad's chance to apply from that account-local day on, so a benchmark can
    # turn an arm that was best worse mid-run and see whether the allocator notices.
    shifts: dict[tuple[str, str], tuple[date, float]] = field(init=False, default_factory=dict)
    _lock: threading.RLock = field(init=False, default_factory=threading.RLock)
    _reach_cache: dict[tuple[Any, ...], _Reach] = field(init=False, default_factory=dict)
    # Keyed by the _Reach object's id: a reach stays cached (alive) while its potentials are.
    _potentials: dict[tuple[Any, ...], _Potential] = field(init=False, default_factory=dict)
    # Applications of days over (they no longer change); fit of a reach's people, by job ref.
    _finished: dict[tuple[Any, ...], list[Application]] = field(init=False, default_factory=dict)
    _fits: dict[tuple[int, str], np.ndarray] = field(init=False, default_factory=dict)
    _world_version: int = field(init=False, default=0)
    outbox: Outbox = field(init=False)

    def __post_init__(self) -> None:
        self.params = HiddenParameters.from_seed(self.seed)
        if self.path is not None and self.path.exists():
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            self.world = parse_world(saved.get("world") or {"people": [], "jobs": []})
            site = saved.get("job_site")
            self.job_site = parse_job_site(site) if site else None
        self.outbox = Outbox(self)

    @classmethod
    def seed_from_environment(cls) -> int:
        return int(os.environ.get("SANDBOX_MARKET_SEED", DEFAULT_SEED))

    # ----------------------------------------------------------------- world

    def set_world(self, body: Any) -> World:
        """Replace the world with a validated PUT body (WorldError on bad input)."""
        world = parse_world(body)
        with self._lock:
            self.world = world
            self._world_version += 1
            self._forget()
            self._save()
        return world

    def set_job_site(self, body: Any) -> None:
        site = parse_job_site(body)
        with self._lock:
            self.job_site = site
            self._save()
        # A reconfigured endpoint (a new address or token) is tried again at once: the backoff
        # earned against the old one says nothing about the new one.
        self.outbox.retry_now()

    def disconnect_job_site(self) -> None:
        """Stop posting applications until a job site is set again (they wait in the outbox)."""
        with self._lock:
            self.job_site = None
            self._save()

    def reset(self) -> None:
        with self._lock:
            self.world = World()
            self.job_site = None
            self._world_version += 1
            self._forget()
            self._save()
        self.outbox.clear()

    def _forget(self) -> None:
        """Drop every cached computation (the world changed, or the caches grew too large)."""
        self._reach_cache.clear()
        self._potentials.clear()
        self._finished.clear()
        self._fits.clear()

    def _save(self) -> None:
        if self.path is None:
            return
        site = None
        if self.job_site:
            site = {"applications_url": self.job_site[0], "token": self.job_site[1]}
        payload = {"world": self.world.to_json(), "job_site": site}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    # ----------------------------------------------------------------- figures

    def ad_days(
        self, platform: str, ad_id: str, *, since: date, until: date, now: float | None = None
    ) -> list[DayFigures]:
        """The figures the platform reports now for each day in [since, until] with delivery."""
        now = self.clock.now() if now is None else now
        view = read_ad(self.store, platform, ad_id, now)
        if view is None or not view.intervals:
            return []
        first = max(since, local_day(view.intervals[0][0]))
        last = min(until, local_day(now))
        result = []
        day = first
        while day <= last:
            figures = self._reported(view, day, now)
            if figures.impressions:
                result.append(figures)
            day += timedelta(days=1)
        return result

    def truth(self, now: float | None = None) -> dict[str, dict[str, dict[date, TruthDay]]]:
        """Ground truth for tests and benchmarks (never an endpoint): per platform, ad id and
        day with delivery, the final figures and the ids of the applications made so far."""
        now = self.clock.now() if now is None else now
        result: dict[str, dict[str, dict[date, TruthDay]]] = {}
        for view in all_ads(self.store, now):
            for day in _days(view, now):
                imp, clicks, spend = self._actual(view, day, now)
                if not imp:
                    continue
                ids = tuple(a.application_id for a in self.applications(view, day, now))
                ads = result.setdefault(view.platform, {})
                ads.setdefault(view.ad_id, {})[day] = TruthDay(imp, clicks, spend, ids)
        return result

    def all_applications(self, now: float, since: float | None = None) -> list[Application]:
        """Every application made up to `now` (on days from `since`'s day on)."""
        found = []
        for view in all_ads(self.store, now):
            for day in _days(view, now):
                if since is not None and day < local_day(since):
                    continue
                found.extend(self.applications(view, day, now))
        return found

    # ----------------------------------------------------------------- model

    def _reported(self, view: AdView, day: date, now: float) -> DayFigures:
        imp, clicks, spend = self._actual(view, day, now)
        age = (local_day(now) - day).days
        if age >= RESTATEMENT_DAYS or not imp:
            return DayFigures(day, imp, clicks, spend)
        # Late clicks arrive and invalid clicks are refunded over the next days.
        rng = _rng(self.seed, view.platform, view.ad_id, day, "restate")
        left = (RESTATEMENT_DAYS - age) / RESTATEMENT_DAYS
        size = self.params.restatement
        imp_r = round(imp * (1 - rng.uniform(0, size / 3) * left))
        clicks_r = min(imp_r, round(clicks * (1 - rng.uniform(0, size) * left)))
        budget = view.budget_on(day) or UNSET_BUDGET_COP
        spend_r = min(budget, round(spend * (1 + rng.uniform(0, size) * left)))
        return DayFigures(day, imp_r, clicks_r, spend_r)

    def _actual(self, view: AdView, day: date, now: float) -> tuple[int, int, int]:
        start = _day_start(day)
        end = min(start + DAY_S, now)
        active = sum(max(0.0, min(b, end) - max(a, start)) for a, b in view.intervals)
        if active <= 0:
            return 0, 0, 0
        potential = self._potential(view, day)
        share = active / DAY_S
        imp = int(potential.impressions * share)
        spend = min(potential.budget, int(potential.spend * share))
        if active >= DAY_S:
            return imp, min(imp, potential.clicks), spend
        moments = self._moments(view, day, potential.clicks)
        clicks = int(_inside(view, moments, min(end, now)).sum())
        return imp, min(imp, clicks), spend

    def applications(self, view: AdView, day: date, now: float) -> list[Application]:
        """The applications the ad's clickers of `day` made up to `now`."""
        job_ref, utm = _job_and_utm(view.link)
        reach = self._reach(view)
        job = reach.world.jobs.get(job_ref or "")
        if job is None or not len(reach.people):
            return []
        imp, _, _ = self._actual(view, day, now)
        if not imp:
            return []
        shift = self._shift(view, day)
        key = (view.platform, view.ad_id, day, view.budget_on(day), id(reach), view.link, shift)
        finished = now >= _day_start(day) + DAY_S
        if finished:
            with self._lock:
                cached = self._finished.get(key)
            if cached is not None:
                return cached
        moments = self._moments(view, day, self._potential(view, day).clicks)
        count = len(moments)
        # Who clicked, drawn for every click moment of the day so the draw never depends on now.
        rng = _np_rng(self.seed, view.platform, view.ad_id, day, "clickers")
        picks, rolls, delays = rng.random(count), rng.random(count), rng.uniform(60, 1800, count)
        picks = np.searchsorted(reach.cumulative, picks * reach.cumulative[-1], side="right")
        picks = np.minimum(picks, len(reach.people) - 1)
        clicked = np.flatnonzero(_inside(view, moments, now))[:imp]
        # A person applies once per ad and day at most: their first click counts.
        _, first = np.unique(reach.people[picks[clicked]], return_index=True)
        clicked = np.sort(clicked[first])
        chance = self.params.rates[view.platform].propensity * shift * self._fit_of(reach, job)
        clicked = clicked[rolls[clicked] < chance[picks[clicked]]]
        end_of_day = _day_start(day) + DAY_S - 1
        applied = np.minimum(moments[clicked] + delays[clicked], end_of_day)
        found = []
        for index, applied_at in zip(clicked.tolist(), applied.tolist(), strict=True):
            if applied_at > now:
                continue
            person = reach.world.people[int(reach.people[picks[index]])]
            digest = hashlib.sha256(
                f"{self.seed}|{view.platform}|{view.ad_id}|{day}|{index}".encode()
            ).hexdigest()
            found.append(
                Application(
                    application_id=f"mgt-{digest[:24]}",
                    platform=view.platform,
                    ad_id=view.ad_id,
                    day=day,
                    job_ref=job.ref,
                    candidate_ref=person.ref,
                    applied_at=applied_at,
                    utm=utm,
                )
            )
        if finished:
            with self._lock:
                if len(self._finished) > POTENTIALS_KEPT:
                    self._finished.clear()
                self._finished[key] = found
        return found

    def expected_applications(
        self, platform: str, ad_id: str, day: date, budgets_cop: np.ndarray
    ) -> np.ndarray:
        """The applications the ad is expected to bring on `day` at each daily budget, by the
        hidden truth (reach, CPM range, CTR, propensity, each reached person's fit, frequency,
        weekday, shift): what a benchmark's oracle knows; never an endpoint.

        The expectation of `applications` at full-day delivery: over the CPM range (the day's
        draw is noise the oracle does not know), with the day's clicks spread over the reach by
        its weights and each person applying once at most."""
        budgets = np.asarray(budgets_cop, dtype=float)
        view = read_ad(self.store, platform, ad_id, self.clock.now())
        if view is None:
            return np.zeros_like(budgets)
        job_ref, _ = _job_and_utm(view.link)
        reach = self._reach(view)
        job = reach.world.jobs.get(job_ref or "")
        capacity = reach.size * self.params.frequency
        if job is None or not len(reach.people) or capacity <= 0:
            return np.zeros_like(budgets)
        rates = self.params.rates[platform]
        quantiles = (np.arange(CPM_POINTS) + 0.5) / CPM_POINTS
        cpm = rates.cpm_low + (rates.cpm_high - rates.cpm_low) * quantiles
        saturation = -np.expm1(-budgets[None, :] * 1000 / (cpm[:, None] * capacity))
        clicks = capacity * saturation * self.params.weekday[day.weekday()] * rates.ctr
        # People with the same click weight share one chance of clicking at least once.
        weights = np.diff(reach.cumulative, prepend=0.0) / reach.cumulative[-1]
        levels, group = np.unique(weights, return_inverse=True)
        chance = np.minimum(
            1.0, rates.propensity * self._shift(view, day) * self._fit_of(reach, job)
        )
        chance_by_level = np.bincount(group, weights=chance, minlength=levels.size)
        clicked_at_least_once = -np.expm1(clicks[..., None] * np.log1p(-levels))
        return np.asarray((clicked_at_least_once @ chance_by_level).mean(axis=0))

    def _shift(self, view: AdView, day: date) -> float:
        """The factor on the ad's chance to apply on `day` (1 unless `shifts` says otherwise)."""
        first_day, factor = self.shifts.get((view.platform, view.ad_id), (None, 1.0))
        return factor if first_day is not None and day >= first_day else 1.0

    def fit(self, person: Person, job: Job) -> float:
        """How well a person fits a job, 0..1, by the hidden weights."""
        return fit(person, job, self.params.fit_weights)

    def _potential(self, view: AdView, day: date) -> _Potential:
        reach = self._reach(view)
        budget = view.budget_on(day) or UNSET_BUDGET_COP
        key = (view.platform, view.ad_id, day, budget, id(reach))
        with self._lock:
            cached = self._potentials.get(key)
        if cached is not None:
            return cached
        rates = self.params.rates[view.platform]
        rng = _rng(self.seed, view.platform, view.ad_id, day, "day")
        cpm = rng.uniform(rates.cpm_low, rates.cpm_high)
        capacity = reach.size * self.params.frequency
        if capacity <= 0:
            return _Potential(0.0, 0.0, budget, 0)
        saturation = -math.expm1(-budget * 1000 / (cpm * capacity))
        # Fewer people scroll on weekends: the weekday scales what the budget can buy.
        weekday = self.params.weekday[day.weekday()]
        impressions = capacity * saturation * weekday * rng.uniform(0.95, 1.05)
        spend = min(float(budget), impressions * cpm * (1 + saturation) / 1000)
        count = round(impressions * rates.ctr * rng.uniform(0.8, 1.2))
        potential = _Potential(impressions, spend, budget, count)
        with self._lock:
            if len(self._potentials) > POTENTIALS_KEPT:
                self._potentials.clear()
            self._potentials[key] = potential
        return potential

    def _moments(self, view: AdView, day: date, count: int) -> np.ndarray:
        """When the day's `count` potential clicks happen, ascending."""
        rng = _np_rng(self.seed, view.platform, view.ad_id, day, "moments")
        return np.sort(_day_start(day) + rng.random(count) * DAY_S)

    def _fit_of(self, reach: _Reach, job: Job) -> np.ndarray:
        """The fit of each person `reach` holds for `job`."""
        key = (id(reach), job.ref)
        with self._lock:
            cached = self._fits.get(key)
        if cached is None:
            people = reach.world.people
            cached = np.array([self.fit(people[i], job) for i in reach.people.tolist()])
            with self._lock:
                self._fits[key] = cached
        return cached

    def _reach(self, view: AdView) -> _Reach:
        job_ref, _ = _job_and_utm(view.link)
        with self._lock:
            world, version = self.world, self._world_version
            key = (version, view.platform, job_ref, view.audiences, view.audience_people)
            cached = self._reach_cache.get(key)
        if cached is not None:
            return cached
        if not world.people:
            # Anonymous people: an audience matches everyone uploaded to it.
            deliverable = view.audiences is None or any(
                can_deliver(view.platform, n) for n in view.audience_people
            )
            size = ANONYMOUS_REACH if deliverable else 0
            reach = _Reach(world, np.zeros(0, dtype=np.int64), np.zeros(0), size)
        else:
            job = world.jobs.get(job_ref or "")
            if view.audiences is not None:
                people = _deliverable_members(world, view.platform, view.audiences)
                weights = [1.0] * len(people)
            else:
                people = [
                    i
                    for i, p in enumerate(world.people)
                    if job is None
                    or job.remote_mode == "remoto"
                    or p.city.casefold() == job.city.casefold()
                ]
                weights = [
                    1.0 if job is not None and world.people[i].area == job.area else 0.25
                    for i in people
                ]
            reach = _Reach(
                world, np.array(people, dtype=np.int64), np.cumsum(np.array(weights)), len(people)
            )
        with self._lock:
            if len(self._reach_cache) > 50_000:
                self._forget()
            self._reach_cache[key] = reach
        return reach


# --------------------------------------------------------------------------- helpers


def _deliverable_members(
    world: World, platform: str, audiences: tuple[frozenset[str], ...]
) -> list[int]:
    """The world's people an ad restricted to `audiences` can reach: the members of each
    audience that matches at least the platform's minimum (a smaller one delivers to nobody)."""
    found: set[int] = set()
    for hashes in audiences:
        matched = world.people_with_hashes(platform, set(hashes))
        if can_deliver(platform, len(matched)):
            found.update(matched)
    return sorted(found)


def _rng(seed: int, platform: str, ad_id: str, day: date, purpose: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}|{platform}|{ad_id}|{day}|{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _day_start(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=ACCOUNT_TZ).timestamp()


def _np_rng(seed: int, platform: str, ad_id: str, day: date, purpose: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}|{platform}|{ad_id}|{day}|{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def _inside(view: AdView, moments: np.ndarray, now: float) -> np.ndarray:
    """Which moments fall while the ad was active, up to `now`."""
    mask = np.zeros(len(moments), dtype=bool)
    for a, b in view.intervals:
        mask |= (moments >= a) & (moments < b)
    return mask & (moments <= now)


def _days(view: AdView, now: float) -> list[date]:
    if not view.intervals:
        return []
    first, last = local_day(view.intervals[0][0]), local_day(min(view.intervals[-1][1], now))
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@functools.lru_cache(maxsize=100_000)
def _job_and_utm(link: str | None) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The job ref in `.../empleos/{ref}?utm_...` and the link's UTM parameters, as they are."""
    if not link:
        return None, ()
    parts = urlsplit(link)
    segments = [s for s in parts.path.split("/") if s]
    ref = None
    if "empleos" in segments and segments.index("empleos") + 1 < len(segments):
        ref = segments[segments.index("empleos") + 1]
    utm = tuple((k, v) for k, v in parse_qsl(parts.query) if k in UTM_KEYS)
    return ref, utm
