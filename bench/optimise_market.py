"""Allocation, proven on the simulated market: applications over 30 days, four ways of splitting
each campaign's budget across its arms.

Everything in one process, against the sandbox started in-process (its market's hidden rates
included) and a private PostgreSQL database. In one run:

1. `--candidates` candidates and `--jobs` jobs are seeded, segments trained, and the market's world
   loaded from them, once for every strategy and market seed;
2. `--campaigns` open jobs are chosen across areas, cities and work modes (as bench/aim_market.py
   does); each gets 2 or 3 of AdFlux's recommended segments and 2 or 3 platforms, and each
   platform x segment (an arm) is published as its own tree through AdFlux's campaigns service,
   which is the lead's design for arms (each arm its own publication with its own budget);
3. every campaign has the same total budget for `--days` days (daily = total / days), and each
   strategy runs those days on the same published arms, the market reset in between (the arms'
   budgets back to the even split, the sandbox clock back to the first day), so that the
   strategies meet the same market noise:
   - **even**: the daily budget split evenly across the arms, never moved;
   - **adflux**: `adflux.optimisation.allocator.allocate` each morning as the product calls it
     (optimisation.service): its defaults, each platform's prior pooled from the other
     campaigns' arms (`platform_priors`), from what AdFlux knows: each arm's reported daily
     spend (`Market.ad_days`, what the adapters' daily_report returns; the last 3 days restated
     as they settle) and the applications the job site sends for it; the settings the sweep
     varies;
   - **adflux + pausing**: the same allowed to pause an arm (`pausing=True`), which the
     product does not do yet (a paused arm's re-exploration needs resuming it);
   - **oracle min**: the hidden truth (`Market.expected_applications`: reach, CPM range, CTR,
     propensity, each reached person's fit, frequency, weekday, shift) split by marginal return,
     greedily on a fine grid, each arm at least its platform's minimum;
   - **oracle**: the same, free to pause arms as well (the best subset of paused arms each day):
     the true bound;
   - **simple**: everything beyond the minimums to the arm with the lowest average cost per
     application so far (an even split while no arm has an application);
   Every budget change and pause reaches the market through the platform, as AdFlux's change
   task makes it: the adapters' `update(PublicationChange(daily_budget_cop=...))` and
   `set_active` against the sandbox (a paused arm keeps its last budget);
4. applications and spend are read from the market's ground truth (a benchmark may; AdFlux itself
   never does): total applications per strategy, the ratios, and the COP spent over any
   campaign's total budget (must be 0).

Variants: `--seeds` market seeds, and a shifting market (on the first seed) where the best arm of
each campaign by the hidden truth turns worse from day 15 (its chance to apply x 0.3). Then a sweep
of the exploration floor and the daily change bound on the first seed.

Targets (issue #13): adflux >= 1.3x even, >= 85 % of the oracle, ahead of simple, 0 COP over.

    .venv/bin/python bench/optimise_market.py
    .venv/bin/python bench/optimise_market.py --quick   # a few minutes, for development
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import sys
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

import sqlalchemy as sa
from bench.market_stack import (
    DELIVERING_OBJECT,
    in_process_stack,
    recommended_segments,
    sample_jobs,
    seed_and_load_world,
    wait_published,
)
from bench.optimise_strategies import (
    Arm,
    Campaign,
    Knowledge,
    Strategy,
    adflux,
    even,
    oracle,
    simple,
)

from adflux.campaigns import service as campaigns
from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP, adapter_for
from adflux.campaigns.compliance import ACKNOWLEDGEABLE_WARNINGS
from adflux.campaigns.models import PlatformPublication
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.optimisation.allocator import DayResult, allocate
from adflux.platforms.base import PublicationChange
from adflux.results.sync import publication_key
from adflux.sandbox.delivery import ACCOUNT_TZ
from adflux.sandbox.market import Market
from adflux.sandbox.market_ads import read_ad
from adflux.sandbox.server import RunningSandbox
from adflux.sandbox.store import Store

DAY_S = 86_400
PLATFORMS = ("meta", "google", "x", "tiktok")
STRATEGIES = ("even", "adflux", "adflux + pausing", "oracle min", "oracle", "simple")
LEARNING = ("adflux", "adflux + pausing", "simple")  # the strategies that learn from the reports

# Reports restate the last days as late clicks and refunds settle (sandbox/market.py).
RESTATED_DAYS = 3
SHIFT_DAY = 15
SHIFT_FACTOR = 0.3
SWEEP_FLOORS = (0.0, 0.05, 0.15)
SWEEP_CHANGES = (0.1, 0.2, 0.5)


@dataclass
class Outcome:
    applications: int
    over_budget_cop: int
    spent_cop: int
    budget_cop: int  # the campaigns' total budgets
    seconds: float
    budgets: list[dict[str, int]]  # each day's budget of each arm

    def share_on(self, offset: int, arm_ids: Collection[str], daily_cop: int) -> float:
        """The share of the daily budgets that `arm_ids` (one per campaign) held on a day."""
        held = sum(cop for arm_id, cop in self.budgets[offset].items() if arm_id in arm_ids)
        return held / (daily_cop * len(arm_ids))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=300, help="jobs seeded")
    parser.add_argument("--campaigns", type=int, default=20, help="campaigns (jobs) advertised")
    parser.add_argument("--total", type=int, default=27_000_000, help="COP per campaign")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="market seeds")
    parser.add_argument("--seed", type=int, default=7, help="the data's and the sampling's seed")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="fewer people, campaigns and seeds")
    args = parser.parse_args()
    if args.quick:
        args.candidates, args.jobs, args.campaigns, args.seeds = 8_000, 150, 8, args.seeds[:1]
    print(
        f"load average: {os.getloadavg()}; {args.candidates:,} candidates, {args.campaigns} "
        f"campaigns of {args.total:,} COP over {args.days} days each, market seeds {args.seeds}"
    )
    with in_process_stack("optimise", grpc=True) as sandbox:
        _run(sandbox, args)


def _run(sandbox: RunningSandbox, args: argparse.Namespace) -> None:
    world = seed_and_load_world(
        sandbox, jobs=args.jobs, candidates=args.candidates, seed=args.seed, k=None
    )
    started = time.perf_counter()
    bench_campaigns = _publish(sample_jobs(args.campaigns, random.Random(args.seed)), args)
    arms = sum(len(c.arms) for c in bench_campaigns)
    print(
        f"published {arms} arms of {len(bench_campaigns)} campaigns "
        f"in {time.perf_counter() - started:.0f} s"
    )
    first_day = campaigns.campaign_today() + timedelta(days=1)
    runner = Runner(sandbox, bench_campaigns, first_day, args.days)
    results: dict[str, dict[str, Outcome]] = {}
    first_market: Market | None = None
    for seed in args.seeds:
        market = _market(sandbox, seed, world)
        first_market = first_market or market
        results[f"seed {seed}"] = runner.compare(market)
        _print_variant(f"seed {seed}", results[f"seed {seed}"])
    assert first_market is not None
    shifting = _market(sandbox, args.seeds[0], world)
    shifting.shifts = runner.shift_best_arms(shifting, SHIFT_DAY, SHIFT_FACTOR)
    name = f"seed {args.seeds[0]}, shifting"
    results[name] = runner.compare(shifting)
    _print_variant(name, results[name])
    _print_shifted_share(runner, shifting, results[name])
    _print_summary(results)
    if not args.no_sweep:
        _sweep(runner, first_market, results[f"seed {args.seeds[0]}"])


def _market(sandbox: RunningSandbox, seed: int, world: dict) -> Market:
    """A market with its own seed over the sandbox's store and clock (the published arms)."""
    market = Market(store=sandbox.state.store, clock=sandbox.state.clock, seed=seed)
    market.set_world(world)
    return market


# --------------------------------------------------------------------------- publishing


def _publish(jobs: Sequence[JobOpening], args: argparse.Namespace) -> list[Campaign]:
    """Each job's arms, each published as its own campaign through AdFlux's campaigns service."""
    draw = random.Random(args.seed)
    today = campaigns.campaign_today()
    start = today + timedelta(days=1)  # a whole first day
    daily = args.total // args.days
    warnings = [w for w in ("segment_age_proxy",) if w in ACKNOWLEDGEABLE_WARNINGS]
    result: list[Campaign] = []
    created: dict[int, tuple[int, str, int]] = {}
    for index, job in enumerate(jobs):
        ranked, recommended = recommended_segments(job.id)
        wanted = draw.choice((2, 3))
        segments = list(dict.fromkeys([*recommended, *(f.segment_id for f in ranked)]))[:wanted]
        platforms = draw.sample(PLATFORMS, draw.choice((2, 3)))
        result.append(Campaign(index, job.external_ref, daily))
        share = daily // (len(segments) * len(platforms))
        for platform in platforms:
            for segment_id in segments:
                campaign, _ = campaigns.create_campaign(
                    db_session=db.session,
                    job_id=job.id,
                    platforms=[platform],
                    segment_ids=[segment_id],
                    name=f"bench optimise {job.id} {platform} {segment_id}",
                    daily_budget_cop=share,
                    start_date=start,
                    end_date=start + timedelta(days=args.days - 1),
                    acknowledge_warnings=warnings,
                )
                created[campaign.id] = (index, platform, segment_id)
    wait_published(list(created), timeout_s=900)
    for publication in db.session.scalars(
        sa.select(PlatformPublication).where(
            PlatformPublication.campaign_id.in_(list(created)),
            PlatformPublication.status == "published",
        )
    ):
        index, platform, segment_id = created[publication.campaign_id]
        result[index].arms.append(
            Arm(
                arm_id=f"{index}:{platform}:{segment_id}",
                campaign=index,
                platform=platform,
                segment_id=segment_id,
                ad_id=publication.external_ids[DELIVERING_OBJECT[platform]],
                min_daily_cop=MIN_DAILY_BUDGET_COP[platform],
                external_ids=dict(publication.external_ids),
                publication_key=publication_key(publication.id),
            )
        )
    for campaign in result:
        campaign.arms.sort(key=lambda arm: arm.arm_id)
        shares = campaign.even_split().values()
        assert all(
            share >= arm.min_daily_cop for share, arm in zip(shares, campaign.arms, strict=True)
        ), "the even split must cover every platform's minimum: raise --total"
    sizes = sorted(len(c.arms) for c in result)
    with_tiktok = sum(any(a.platform == "tiktok" for a in c.arms) for c in result)
    print(
        f"arms per campaign: {sizes[0]} to {sizes[-1]} (median {sizes[len(sizes) // 2]}); "
        f"{with_tiktok} campaigns on TikTok; {daily:,} COP a day each"
    )
    return [c for c in result if c.arms]


# --------------------------------------------------------------------------- budgets


def _set_budget(arm: Arm, cop: int) -> None:
    """Set an arm's daily budget on its platform, as AdFlux's change task does."""
    adapter_for(arm.platform).update(
        arm.external_ids,
        PublicationChange(daily_budget_cop=cop),
        publication_key=arm.publication_key,
        on_created=_nothing_created,
    )


def _set_active(arm: Arm, active: bool) -> None:
    """Pause or resume an arm's tree on its platform (a paused arm keeps its last budget: the
    platforms refuse a budget under their minimum, so a pause is a status, not a budget of 0)."""
    adapter_for(arm.platform).set_active(arm.external_ids, active)


def _nothing_created(kind: str, object_id: str) -> None:
    raise AssertionError(f"a budget change created a {kind} ({object_id})")


def _reset_arm(store: Store, arm: Arm, cop: int, since: float) -> None:
    """Back to `cop` since always and active: the market as it was before a strategy's first
    morning (the benchmark rewinding its world, not a change AdFlux makes, hence the store)."""
    holder_id, _, write = _budget_holder(store, arm)

    def reset(holder: dict) -> None:
        holder.pop("_budget_log", None)
        write(holder, cop)

    store.update(arm.platform, holder_id, reset)

    def forget_pauses(obj: dict) -> None:
        for key in ("_status_log", "status_log"):
            if key in obj:
                obj[key] = [entry for entry in obj[key] if entry[0] < since]

    for object_id in arm.external_ids.values():
        store.update(arm.platform, object_id, forget_pauses)


Reader = Callable[[dict], int]
Writer = Callable[[dict, int], None]


def _budget_holder(store: Store, arm: Arm) -> tuple[str, Reader, Writer]:
    """The object holding an arm's daily budget, as the market reads it (sandbox/market_ads.py),
    and how to read and write its budget in whole COP."""
    if arm.platform == "meta":
        ad = store.get("meta", arm.ad_id) or {}
        return (
            ad["adset_id"],
            lambda o: int(o.get("daily_budget") or 0),
            lambda o, cop: o.update(daily_budget=str(cop)),
        )
    if arm.platform == "tiktok":
        ad = store.get("tiktok", arm.ad_id) or {}
        return (
            ad["adgroup_id"],
            lambda o: int(float(o.get("budget") or 0)),
            lambda o, cop: o.update(budget=float(cop)),
        )
    if arm.platform == "x":
        promoted = store.get("x", arm.ad_id) or {}
        line_item = store.get("x", promoted["line_item_id"]) or {}
        return (
            line_item["campaign_id"],
            lambda o: int(o.get("daily_budget_amount_local_micro") or 0) // 1_000_000,
            lambda o, cop: o.update(daily_budget_amount_local_micro=cop * 1_000_000),
        )
    campaign = store.get("google", arm.ad_id) or {}
    return (
        campaign["resource"]["campaign_budget"],
        lambda o: int(o["resource"].get("amount_micros") or 0) // 1_000_000,
        lambda o, cop: o["resource"].update(amount_micros=cop * 1_000_000),
    )


# --------------------------------------------------------------------------- running


class Runner:
    """The days of one strategy on one market, from the even split and no history."""

    def __init__(
        self, sandbox: RunningSandbox, bench: list[Campaign], first_day: date, days: int
    ) -> None:
        self.sandbox = sandbox
        self.store = sandbox.state.store
        self.clock = sandbox.state.clock
        self.campaigns = bench
        self.first_day = first_day
        self.days = days

    def compare(self, market: Market) -> dict[str, Outcome]:
        """The strategies on `market`."""
        strategies: dict[str, Strategy] = {
            "even": even,
            "adflux": self.adflux(market.seed),
            "adflux + pausing": self.adflux(market.seed, pausing=True),
            "oracle min": oracle(market),
            "oracle": oracle(market, pausing=True),
            "simple": simple,
        }
        return {
            name: self.run(market, strategy, learns=name in LEARNING)
            for name, strategy in strategies.items()
        }

    def adflux(self, seed: int, *, pausing: bool = False, **settings: float) -> Strategy:
        """The allocator as the product runs it (each platform's prior pooled from the other
        campaigns), with `settings` on top."""
        return adflux(seed=seed, everyone=self.campaigns, pausing=pausing, **settings)

    def run(self, market: Market, strategy: Strategy, *, learns: bool = True) -> Outcome:
        """`strategy` each morning; `learns`: whether it reads the reports and applications
        (the even split and the oracle need neither, and skipping them saves time)."""
        started = time.perf_counter()
        arms = [arm for campaign in self.campaigns for arm in campaign.arms]
        knowledge = Knowledge({arm.arm_id: [] for arm in arms}, {})
        for campaign in self.campaigns:
            for arm_id, cop in campaign.even_split().items():
                knowledge.current[arm_id] = cop
        held = dict(knowledge.current)  # the budget each platform holds, paused arms included
        for arm in arms:
            _reset_arm(self.store, arm, held[arm.arm_id], _day_start(self.first_day))
        budgets_by_day = []
        for offset in range(self.days):
            day = self.first_day + timedelta(days=offset)
            # Each morning, a minute past midnight: a budget set now holds the whole day.
            now = self._move_clock(_day_start(day) + 60)
            if learns:
                self._learn(market, arms, knowledge, offset, now)
            for campaign in self.campaigns:
                budgets = strategy(campaign, knowledge, day)
                assert sum(budgets.values()) <= campaign.daily_cop, (campaign, budgets)
                for arm in campaign.arms:
                    cop = budgets[arm.arm_id]
                    assert cop == 0 or cop >= arm.min_daily_cop, (arm, cop)
                    was = knowledge.current[arm.arm_id]
                    if cop == 0 and was:
                        _set_active(arm, False)
                    if cop and cop != held[arm.arm_id]:
                        _set_budget(arm, cop)
                        held[arm.arm_id] = cop
                    if cop and not was:
                        _set_active(arm, True)
                    knowledge.current[arm.arm_id] = cop
            budgets_by_day.append(dict(knowledge.current))
        # Past the last day and its restatements: the final figures.
        end = self._move_clock(_day_start(self.first_day + timedelta(days=self.days + 4)))
        return self._measure(market, end, time.perf_counter() - started, budgets_by_day)

    def _move_clock(self, moment: float) -> float:
        self.clock.advance(moment - self.clock.now())
        return moment

    def _learn(
        self, market: Market, arms: Sequence[Arm], knowledge: Knowledge, offset: int, now: float
    ) -> None:
        """Read yesterday's applications and the reports of the days still being restated."""
        if offset == 0:
            return
        yesterday = self.first_day + timedelta(days=offset - 1)
        since = self.first_day + timedelta(days=max(0, offset - RESTATED_DAYS))
        for arm in arms:
            view = read_ad(self.store, arm.platform, arm.ad_id, now)
            applications = len(market.applications(view, yesterday, now)) if view else 0
            days = knowledge.days[arm.arm_id]
            days.append(DayResult(0, applications))
            for figures in market.ad_days(
                arm.platform, arm.ad_id, since=since, until=yesterday, now=now
            ):
                position = (figures.day - self.first_day).days
                days[position] = DayResult(figures.spend, days[position].applications)

    def _measure(
        self, market: Market, now: float, seconds: float, budgets: list[dict[str, int]]
    ) -> Outcome:
        last_day = self.first_day + timedelta(days=self.days - 1)
        truth = market.truth(now)
        applications = over = spent = 0
        for campaign in self.campaigns:
            campaign_spent = 0
            for arm in campaign.arms:
                for day, figures in truth.get(arm.platform, {}).get(arm.ad_id, {}).items():
                    if self.first_day <= day <= last_day:
                        applications += figures.applications
                        campaign_spent += figures.spend
            # Every reported day, final: spend the platform would bill.
            over += max(0, campaign_spent - campaign.daily_cop * self.days)
            spent += campaign_spent
        budget = sum(campaign.daily_cop * self.days for campaign in self.campaigns)
        return Outcome(applications, over, spent, budget, seconds, budgets)

    def shift_best_arms(
        self, market: Market, shift_day: int, factor: float
    ) -> dict[tuple[str, str], tuple[date, float]]:
        """Each campaign's best arm at the even split by the hidden truth on the first day,
        turned worse from `shift_day` on."""
        shifts = {}
        for campaign in self.campaigns:
            share = campaign.daily_cop // len(campaign.arms)
            best = max(
                campaign.arms,
                key=lambda arm: float(
                    market.expected_applications(arm.platform, arm.ad_id, self.first_day, [share])[
                        0
                    ]
                ),
            )
            first = self.first_day + timedelta(days=shift_day)
            shifts[(best.platform, best.ad_id)] = (first, factor)
        return shifts


def _day_start(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=ACCOUNT_TZ).timestamp()


# --------------------------------------------------------------------------- output


def _sweep(runner: Runner, market: Market, baseline: dict[str, Outcome]) -> None:
    even, oracle = baseline["even"].applications, baseline["oracle"].applications
    simple = baseline["simple"].applications
    print(
        f"\nsweep on market seed {market.seed}: even {even:,}, oracle {oracle:,}, "
        f"simple {simple:,} applications"
    )
    print("| exploration floor | daily change bound | adflux | / even | / oracle | vs simple |")
    print("|---:|---:|---:|---:|---:|---:|")
    defaults = inspect.signature(allocate).parameters
    for floor in SWEEP_FLOORS:
        for change in SWEEP_CHANGES:
            settings = {"exploration_floor": floor, "max_daily_change": change}
            if all(defaults[name].default == value for name, value in settings.items()):
                outcome, note = baseline["adflux"], " (run above)"
            else:
                outcome, note = runner.run(market, runner.adflux(market.seed, **settings)), ""
            print(
                f"| {floor:.2f} | {change:.1f}{note} | {outcome.applications:,} | "
                f"{_ratio(outcome.applications, even)} | {_share(outcome.applications, oracle)} "
                f"| {_ratio(outcome.applications, simple)} |"
            )


def _print_variant(name: str, outcomes: dict[str, Outcome]) -> None:
    print(
        f"  {name}: "
        + ", ".join(
            f"{strategy} {outcome.applications:,} ({outcome.seconds:.0f} s)"
            for strategy, outcome in outcomes.items()
        )
    )


def _print_shifted_share(runner: Runner, market: Market, outcomes: dict[str, Outcome]) -> None:
    """How much of the budget the shifted arms held around the shift, strategy by strategy."""
    shifted = {
        arm.arm_id
        for campaign in runner.campaigns
        for arm in campaign.arms
        if (arm.platform, arm.ad_id) in market.shifts
    }
    daily = runner.campaigns[0].daily_cop
    offsets = (0, SHIFT_DAY - 1, SHIFT_DAY + 2, SHIFT_DAY + 5, runner.days - 1)
    print(
        "    share of the budget on the arms that turn worse on day "
        f"{SHIFT_DAY} (days from 0: {', '.join(map(str, offsets))}):"
    )
    for name, outcome in outcomes.items():
        shares = ", ".join(f"{outcome.share_on(d, shifted, daily):.0%}" for d in offsets)
        print(f"      {name}: {shares}")


def _print_summary(results: dict[str, dict[str, Outcome]]) -> None:
    print()
    print(
        "| market | even | adflux | adflux + pausing | oracle min | oracle | simple "
        "| adflux + pausing / even | adflux / even | adflux / oracle | adflux / oracle min "
        "| adflux / simple | oracle min / even | oracle / even | COP over budget "
        "| adflux spent | wall time |"
    )
    print("|---|" + "---:|" * 16)
    totals = dict.fromkeys(STRATEGIES, 0)
    rows = []
    for name, outcomes in results.items():
        apps = {strategy: outcomes[strategy].applications for strategy in STRATEGIES}
        for strategy in STRATEGIES:
            totals[strategy] += apps[strategy]
        over = sum(outcome.over_budget_cop for outcome in outcomes.values())
        seconds = sum(o.seconds for o in outcomes.values())
        rows.append((name, apps, f"{over:,}", _spent(outcomes["adflux"]), f"{seconds:.0f} s"))
    rows.append(("all", totals, "", "", ""))
    for name, apps, over, spent, seconds in rows:
        print(
            f"| {name} | "
            + " | ".join(f"{apps[strategy]:,}" for strategy in STRATEGIES)
            + f" | {_ratio(apps['adflux + pausing'], apps['even'])} "
            f"| {_ratio(apps['adflux'], apps['even'])} "
            f"| {_share(apps['adflux'], apps['oracle'])} "
            f"| {_share(apps['adflux'], apps['oracle min'])} "
            f"| {_ratio(apps['adflux'], apps['simple'])} "
            f"| {_ratio(apps['oracle min'], apps['even'])} "
            f"| {_ratio(apps['oracle'], apps['even'])} | {over} | {spent} | {seconds} |"
        )
    over_all = sum(o.over_budget_cop for outcomes in results.values() for o in outcomes.values())
    checks = [
        ("adflux >= 1.3x even", totals["adflux"] >= 1.3 * totals["even"]),
        ("adflux >= 85 % of the oracle (pausing)", totals["adflux"] >= 0.85 * totals["oracle"]),
        ("adflux ahead of simple", totals["adflux"] > totals["simple"]),
        ("0 COP over any campaign's budget", over_all == 0),
    ]
    for label, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")


def _spent(outcome: Outcome) -> str:
    """What the strategy spent of the campaigns' budgets (saturated arms leave some unspent)."""
    return f"{outcome.spent_cop / outcome.budget_cop:.0%}"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "n/a"


def _share(value: float, base: float) -> str:
    return f"{value / base:.0%}" if base else "n/a"


if __name__ == "__main__":
    main()
