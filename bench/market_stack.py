"""What the benchmarks on the sandbox share: AdFlux and the sandbox in one process (every one of
them), and for those on the simulated market a seeded database with trained segments and the
market's world loaded from it, open jobs spread over areas and work modes, and waiting for
publications to settle."""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from tests.e2e.campaigns.stack import PostgresDatabase

from adflux.app import create_app
from adflux.campaigns.adapters import EXTENSION_KEY, RegistryDirectory
from adflux.campaigns.models import PlatformPublication
from adflux.config import Settings
from adflux.context import acting_as
from adflux.database import upgrade_schema
from adflux.datagen import service as datagen
from adflux.datagen.world import world_from_database
from adflux.extensions import db
from adflux.jobs.models import JobOpening, JobStatus
from adflux.platforms.settings import load_platform_settings
from adflux.sandbox.server import RunningSandbox, start_in_thread
from adflux.segmentation import service as segmentation
from adflux.targeting import service as targeting

# The unit each platform's truth is kept by (sandbox/market_ads.py): the ad, or Google's campaign.
DELIVERING_OBJECT = {"meta": "ad", "tiktok": "ad", "x": "promoted_tweet", "google": "campaign"}
# Segments per campaign when none is recommended (the job fits no segment): the best-ranked one.
FALLBACK_SEGMENTS = 1


@contextmanager
def in_process_stack(name: str, *, grpc: bool) -> Iterator[RunningSandbox]:
    """The sandbox in this process and AdFlux's app on a private PostgreSQL database of its own
    (dropped on the way out), inside an app context acting as the benchmark."""
    work = Path(tempfile.mkdtemp(prefix=f"adflux-bench-{name}-"))
    sandbox = start_in_thread(http_port=0, grpc_port=0 if grpc else None)
    database = PostgresDatabase(f"adflux_bench_{name}_{os.getpid()}").create()
    try:
        settings = Settings(database_url=database.url, data_dir=work, log_level="WARNING")
        app = create_app(settings)
        directory = RegistryDirectory()
        directory.settings = load_platform_settings(sandbox.client_env())
        app.extensions[EXTENSION_KEY] = directory
        try:
            with app.app_context(), acting_as("bench"):
                upgrade_schema()
                yield sandbox
                db.session.remove()
                db.engine.dispose()
        finally:
            app.extensions["adflux_dispatcher"].shutdown()
    finally:
        sandbox.stop()
        database.drop()


def seed_and_load_world(
    sandbox: RunningSandbox, *, jobs: int, candidates: int, seed: int, k: int | None
) -> dict:
    """Seed the database, train segments and load the market's world from them; the world."""
    started = time.perf_counter()
    datagen.seed(n_jobs=jobs, n_candidates=candidates, seed=seed)
    run = segmentation.create_run(db_session=db.session, k=k)
    trained = segmentation.run_training(db_session=db.session, run_id=run.id)
    assert trained is not None
    world = world_from_database(db.session)
    sandbox.state.market.set_world(world)
    print(
        f"seeded, trained k={trained.k} and loaded the market's world "
        f"({len(world['people']):,} people, {len(world['jobs']):,} open jobs) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return world


def recommended_segments(job_id: int) -> tuple[list[targeting.SegmentFit], list[int]]:
    """The job's segments ranked, and AdFlux's recommendation (targeting.service); the
    best-ranked segment when none fits (a benchmark's campaign needs segments to compare)."""
    audience = targeting.job_audience(db_session=db.session, job_id=job_id)
    chosen = targeting.recommended_segment_ids(audience)
    return audience.segments, chosen or [
        f.segment_id for f in audience.segments[:FALLBACK_SEGMENTS]
    ]


def sample_jobs(count: int, rng: random.Random) -> list[JobOpening]:
    """`count` open jobs spread over area x work mode (round robin), cities as they come."""
    open_jobs = db.session.scalars(
        sa.select(JobOpening)
        .where(JobOpening.status == JobStatus.OPEN.value)
        .order_by(JobOpening.id)
    ).all()
    groups: dict[tuple[str, str], list[JobOpening]] = defaultdict(list)
    for job in open_jobs:
        groups[(job.area, job.remote_mode)].append(job)
    for members in groups.values():
        rng.shuffle(members)
    chosen: list[JobOpening] = []
    while len(chosen) < count and any(groups.values()):
        for key in sorted(groups):
            if groups[key] and len(chosen) < count:
                chosen.append(groups[key].pop())
    areas = Counter(j.area for j in chosen)
    modes = Counter(j.remote_mode for j in chosen)
    cities = Counter(j.city for j in chosen)
    print(
        f"{len(chosen)} jobs: {len(areas)} areas, {len(cities)} cities, modes "
        + ", ".join(f"{m} {c}" for m, c in sorted(modes.items()))
    )
    return chosen


def wait_published(campaign_ids: list[int], *, timeout_s: float) -> None:
    """Wait until no publication of the campaigns is pending or publishing, then print counts."""
    deadline = time.monotonic() + timeout_s
    while True:
        db.session.remove()
        counts = Counter(
            db.session.scalars(
                sa.select(PlatformPublication.status).where(
                    PlatformPublication.campaign_id.in_(campaign_ids)
                )
            )
        )
        if counts["pending"] + counts["publishing"] == 0 or time.monotonic() > deadline:
            print("publications: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
            if counts["failed"]:
                failed = db.session.scalars(
                    sa.select(PlatformPublication.last_error)
                    .where(PlatformPublication.status == "failed")
                    .limit(3)
                ).all()
                print("  e.g. " + " | ".join(map(str, failed)))
            return
        time.sleep(0.5)
