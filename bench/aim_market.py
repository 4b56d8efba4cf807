"""Aiming, proven on the simulated market: applications per million COP, four ways of aiming.

Everything in one process, against the sandbox started in-process (its market's hidden rates
included) and a private PostgreSQL database. In one run:

1. `--candidates` candidates and `--jobs` jobs are seeded, segments trained, and the market's world
   loaded from them (AdFlux's candidates are the people the platforms reach);
2. `--sample` open jobs are chosen across areas, cities and work modes (round robin over
   area x work mode), and for each of them one campaign per way of aiming is created through the
   campaigns service and published on one platform (`--platform`), every campaign with the same
   daily budget and the same days:
   - **recommended**: AdFlux's recommended segments for the job (targeting.service);
   - **job audience**: AdFlux's own audience of the job's most likely candidates
     (targeting.people);
   - **random**: as many segments as recommended, drawn at random;
   - **oracle**: as many segments as recommended, the best by the market's hidden truth: the
     mean hidden fit of the consenting members (the people a segment's audience reaches);
3. the market's clock (and AdFlux's) moves `--days` days ahead;
4. spend and applications of every campaign are read from the market's ground truth (a benchmark
   may; AdFlux itself never does), and applications per million COP are compared.

Targets (issue #12): recommended >= 2x random and >= 80 % of the oracle; job audience >=
recommended. Also printed: how often AdFlux's top segment is the oracle's top segment.

    .venv/bin/python bench/aim_market.py
    .venv/bin/python bench/aim_market.py --sample 20 --candidates 10000   # quicker
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

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

from adflux import clock
from adflux.campaigns import service as campaigns
from adflux.campaigns.compliance import ACKNOWLEDGEABLE_WARNINGS
from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.sandbox.market import Market
from adflux.sandbox.server import RunningSandbox
from adflux.segmentation.models import SegmentationRun, SegmentMembership
from adflux.targeting.people import DEFAULT_JOB_AUDIENCE_SIZE

DAY_S = 86_400


@dataclass
class Arm:
    name: str
    spend: int = 0
    applications: int = 0
    campaigns: int = 0
    per_job: dict[int, float] = field(default_factory=dict)

    @property
    def per_million(self) -> float:
        return self.applications / self.spend * 1_000_000 if self.spend else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=300, help="jobs seeded")
    parser.add_argument("--sample", type=int, default=60, help="jobs advertised (>= 50)")
    parser.add_argument("--platform", default="meta", choices=("meta", "google", "x", "tiktok"))
    parser.add_argument("--budget", type=int, default=60_000, help="daily budget, COP")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--k", type=int, default=None, help="segments to train (default: chosen by the training)"
    )
    args = parser.parse_args()
    print(
        f"load average: {os.getloadavg()}; {args.candidates:,} candidates, {args.sample} jobs "
        f"advertised on {args.platform}, {args.budget:,} COP a day for {args.days} days each"
    )
    with in_process_stack("aim", grpc=args.platform == "google") as sandbox:
        _run(sandbox, args)


def _run(sandbox: RunningSandbox, args: argparse.Namespace) -> None:
    seed_and_load_world(
        sandbox, jobs=args.jobs, candidates=args.candidates, seed=args.seed, k=args.k
    )
    jobs = sample_jobs(args.sample, random.Random(args.seed))
    job_refs = [job.external_ref for job in jobs]
    market = sandbox.state.market
    truth_fit = _hidden_fit_of_segments(market, jobs)
    ways = _ways(args.seed)
    campaign_arm: dict[int, tuple[str, int]] = {}
    top_agrees = 0
    counts: Counter[int] = Counter()
    started = time.perf_counter()
    for n, job in enumerate(jobs, start=1):
        ranked, recommended = recommended_segments(job.id)
        counts[len(recommended)] += 1
        oracle = sorted(truth_fit[job.id], key=lambda s: -truth_fit[job.id][s])
        top_agrees += bool(ranked) and ranked[0].segment_id == oracle[0]
        choices = {
            name: choose(job, recommended, [f.segment_id for f in ranked], oracle)
            for name, choose in ways.items()
        }
        for name, audience in choices.items():
            if audience is None:
                continue
            campaign = _create(job, args, name, audience)
            campaign_arm[campaign.id] = (name, job.id)
        if n % 10 == 0 or n == len(jobs):
            print(f"  {n}/{len(jobs)} jobs: {len(campaign_arm)} campaigns created")
    print(
        "segments per campaign: "
        + ", ".join(f"{n}: {jobs_} jobs" for n, jobs_ in sorted(counts.items()))
    )
    wait_published(list(campaign_arm), timeout_s=600)
    print(
        f"created and published {len(campaign_arm)} campaigns "
        f"in {time.perf_counter() - started:.0f} s"
    )

    sandbox.state.clock.advance(args.days * DAY_S)
    clock.set_offset(timedelta(seconds=sandbox.state.clock.now() - time.time()))
    arms = _measure(market, args.platform, campaign_arm)
    _report(arms, top_agrees, len(jobs), args.budget * args.days)
    _ceiling(market, job_refs)


Chooser = Callable[[JobOpening, list[int], list[int], list[int]], dict[str, Any] | None]


def _ways(seed: int) -> dict[str, Chooser]:
    """Each way of aiming: the create_campaign arguments for a job (None: not available)."""
    draw = random.Random(seed)

    def recommended(_job: JobOpening, rec: list[int], _ranked: list[int], _oracle: list[int]):
        return {"segment_ids": rec}

    def job_audience(_job: JobOpening, _rec: list[int], _r: list[int], _o: list[int]):
        return {"segment_ids": [], "job_audience_size": DEFAULT_JOB_AUDIENCE_SIZE}

    def random_segments(_job: JobOpening, rec: list[int], ranked: list[int], _o: list[int]):
        return {"segment_ids": draw.sample(ranked, len(rec))}

    def oracle(_job: JobOpening, rec: list[int], _ranked: list[int], best: list[int]):
        return {"segment_ids": best[: len(rec)]}

    return {
        "recommended": recommended,
        "job audience": job_audience,
        "random": random_segments,
        "oracle": oracle,
    }


def _hidden_fit_of_segments(
    market: Market, jobs: Sequence[JobOpening]
) -> dict[int, dict[int, float]]:
    """job id -> segment id -> mean hidden fit of the segment's consenting members (the truth)."""
    people = {p.ref: p for p in market.world.people}
    members: dict[int, list[str]] = defaultdict(list)
    for segment_id, ref in db.session.execute(
        sa.select(SegmentMembership.segment_id, Candidate.external_ref)
        .join(SegmentationRun, SegmentationRun.id == SegmentMembership.run_id)
        .join(Candidate, Candidate.id == SegmentMembership.candidate_id)
        .where(SegmentationRun.is_active.is_(True), Candidate.marketing_consent.is_(True))
    ):
        members[segment_id].append(ref)
    result: dict[int, dict[int, float]] = {}
    for job in jobs:
        hidden_job = market.world.jobs[job.external_ref]
        result[job.id] = {
            segment_id: sum(market.fit(people[ref], hidden_job) for ref in refs) / len(refs)
            for segment_id, refs in members.items()
            if refs
        }
    return result


def _create(
    job: JobOpening, args: argparse.Namespace, way: str, audience: dict[str, Any]
) -> AdCampaign:
    today = campaigns.campaign_today()
    warnings = ["segment_age_proxy", "job_audience_age_skew"]
    accepted = [w for w in warnings if w in ACKNOWLEDGEABLE_WARNINGS]
    campaign, _created = campaigns.create_campaign(
        db_session=db.session,
        job_id=job.id,
        platforms=[args.platform],
        name=f"bench {way} {job.id}",
        daily_budget_cop=args.budget,
        start_date=today,
        end_date=today + timedelta(days=args.days - 1),
        acknowledge_warnings=accepted,
        **audience,
    )
    return campaign


def _measure(
    market: Market, platform: str, campaign_arm: dict[int, tuple[str, int]]
) -> dict[str, Arm]:
    truth = market.truth().get(platform, {})
    arms: dict[str, Arm] = {}
    for publication in db.session.scalars(
        sa.select(PlatformPublication).where(
            PlatformPublication.campaign_id.in_(list(campaign_arm)),
            PlatformPublication.status == "published",
        )
    ):
        name, job_id = campaign_arm[publication.campaign_id]
        arm = arms.setdefault(name, Arm(name))
        days = truth.get(publication.external_ids[DELIVERING_OBJECT[platform]], {})
        spend = sum(d.spend for d in days.values())
        applications = sum(d.applications for d in days.values())
        arm.spend += spend
        arm.applications += applications
        arm.campaigns += 1
        arm.per_job[job_id] = applications / spend * 1_000_000 if spend else 0.0
    return arms


def _ceiling(market: Market, job_refs: Sequence[str], best: int = 1_000) -> None:
    """The most any audience could do, by the market's truth: the mean hidden fit of the `best`
    consenting people for each job against that of a consenting person drawn at random. A
    clicker applies with probability propensity x fit, so at equal cost per click this ratio
    bounds how far above random any aiming can go."""
    consenting = set(
        db.session.scalars(
            sa.select(Candidate.external_ref).where(Candidate.marketing_consent.is_(True))
        )
    )
    people = [p for p in market.world.people if p.ref in consenting]
    ratios = []
    for ref in job_refs:
        hidden_job = market.world.jobs[ref]
        fits = sorted((market.fit(p, hidden_job) for p in people), reverse=True)
        ratios.append((sum(fits[:best]) / best) / (sum(fits) / len(fits)))
    print(
        f"ceiling: the {best:,} consenting people the market's truth ranks best for a job fit it "
        f"{sum(ratios) / len(ratios):.2f}x as well as a random consenting person "
        f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x over the jobs)"
    )


def _report(arms: dict[str, Arm], top_agrees: int, jobs: int, budget_per_campaign: int) -> None:
    random_rate = arms["random"].per_million if "random" in arms else 0.0
    oracle_rate = arms["oracle"].per_million if "oracle" in arms else 0.0
    print()
    print(
        "| aimed at | campaigns | spend (COP) | of the budget | applications | per million COP "
        "| vs random | vs oracle |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    order = ("recommended", "job audience", "random", "oracle")
    for arm in sorted(arms.values(), key=lambda a: order.index(a.name)):
        spent = arm.spend / (arm.campaigns * budget_per_campaign) if arm.campaigns else 0.0
        vs_random = arm.per_million / random_rate if random_rate else float("nan")
        vs_oracle = arm.per_million / oracle_rate if oracle_rate else float("nan")
        print(
            f"| {arm.name} | {arm.campaigns} | {arm.spend:,} | {spent:.0%} | "
            f"{arm.applications:,} | {arm.per_million:,.1f} | {vs_random:.2f}x | {vs_oracle:.0%} |"
        )
    print(
        f"\nAdFlux's top segment is the oracle's top segment for {top_agrees}/{jobs} jobs "
        f"({top_agrees / jobs:.0%})"
    )
    recommended = arms.get("recommended")
    if recommended is None:
        return
    checks = [
        ("recommended >= 2x random", recommended.per_million >= 2 * random_rate),
        ("recommended >= 80 % of oracle", recommended.per_million >= 0.8 * oracle_rate),
    ]
    if "job audience" in arms:
        checks.append(
            (
                "job audience >= recommended",
                arms["job audience"].per_million >= recommended.per_million,
            )
        )
    for label, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")


if __name__ == "__main__":
    main()
