"""Bringing up the embedded default end to end (the README's run command)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken, Role
from adflux.campaigns import service as campaigns
from adflux.campaigns.compliance import is_age_proxy
from adflux.campaigns.models import AdCampaign
from adflux.database import upgrade_schema
from adflux.datagen import service as datagen
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.jobs.models import JobOpening, JobStatus
from adflux.platforms.registry import PlatformInfo
from adflux.segmentation import service as segmentation


@dataclass(frozen=True)
class Prepared:
    seeded: bool
    jobs_inserted: int
    candidates_inserted: int
    local_token: str


def prepare(
    *,
    seed_jobs: int,
    seed_candidates: int,
    seed: int,
    say: Callable[[str], None],
) -> Prepared:
    """Migrate, seed an empty database and mint a fresh local admin token (in an app context)."""
    say("migrating the database…")
    upgrade_schema()
    jobs_inserted = candidates_inserted = 0
    seeded = datagen.is_empty()
    if seeded:
        say(f"seeding {seed_jobs:,} jobs and {seed_candidates:,} candidates…")
        result = datagen.seed(n_jobs=seed_jobs, n_candidates=seed_candidates, seed=seed)
        jobs_inserted, candidates_inserted = result.jobs_inserted, result.candidates_inserted
    train_segments_if_none(say=say)
    token = _fresh_local_token()
    return Prepared(seeded, jobs_inserted, candidates_inserted, token)


def train_segments_if_none(*, say: Callable[[str], None]) -> None:
    """Train the first segmentation here and now when none is active (the demo targets it)."""
    if segmentation.get_active_run(db_session=db.session) is not None:
        return
    try:
        run = segmentation.create_run(db_session=db.session)
    except AdfluxError as exc:  # too few candidates, or a training already in flight
        say(f"segments not trained: {exc.message}")
        return
    say(f"training segments (run {run.id})…")
    shown = {"step": ""}

    def show(step: str, fraction: float) -> None:
        if step != shown["step"]:
            shown["step"] = step
            say(f"  {fraction:4.0%} {step}")

    try:
        trained = segmentation.run_training(db_session=db.session, run_id=run.id, progress=show)
    except Exception as exc:  # the run is marked failed; the demo publishes without segments
        say(f"segment training failed ({type(exc).__name__}: {exc}); continuing without segments")
        return
    if trained is not None:
        say(f"segments: k={trained.k} over {trained.candidate_count:,} candidates, now active")


def _fresh_local_token() -> str:
    """Create a new local CLI token, then revoke earlier ones: only its hash stays in the database.

    In that order, because the last active admin token cannot be revoked.
    """
    earlier = db.session.scalars(
        sa.select(ApiToken.name).where(
            ApiToken.name.like("local-cli-%"), ApiToken.revoked_at.is_(None)
        )
    ).all()
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"local-cli-{time.time_ns()}", role=Role.ADMIN.value
    )
    for name in earlier:
        auth_service.revoke_token(db_session=db.session, name=name)
    return plain


DEMO_IDEMPOTENCY_KEY = "adflux-demo-campaign"


def demo_platforms() -> list[PlatformInfo]:
    """The platforms the demo campaign goes to: every one a publication can succeed on here (all
    of them against the sandbox; those configured, with `--no-sandbox`)."""
    return [info for info in campaigns.list_platforms(db_session=db.session) if info.ready]


def publish_demo_campaign(*, timeout_s: float = 60.0) -> AdCampaign:
    """Publish one campaign for the first open job on every ready platform; wait for the result.

    The same idempotency key every time: running again shows the campaign published before. It
    is looked up rather than re-sent, since a key re-sent with other parameters (segments of a
    newer run, another platform list) is refused.
    """
    campaign = db.session.scalar(
        sa.select(AdCampaign).where(AdCampaign.idempotency_key == DEMO_IDEMPOTENCY_KEY)
    )
    if campaign is None:
        job = db.session.scalar(
            sa.select(JobOpening).where(JobOpening.status == JobStatus.OPEN).order_by(JobOpening.id)
        )
        if job is None:
            raise RuntimeError("no open job to advertise")
        campaign, _created = campaigns.create_campaign(
            db_session=db.session,
            job_id=job.id,
            platforms=[info.name for info in demo_platforms()],
            segment_ids=_demo_segments(job),
            idempotency_key=DEMO_IDEMPOTENCY_KEY,
        )
    campaign_id = campaign.id
    deadline = time.monotonic() + timeout_s
    while True:
        db.session.remove()  # see the workers' commits
        campaign = campaigns.get_campaign_or_404(db_session=db.session, campaign_id=campaign_id)
        done = all(p.status in ("published", "failed", "paused") for p in campaign.publications)
        if done or time.monotonic() > deadline:
            return campaign
        time.sleep(0.25)


def _demo_segments(job: JobOpening) -> Sequence[int]:
    """Up to two segments of the active run, none an age proxy, whose members work in the job's
    area."""
    from adflux.segmentation.models import Segment, SegmentationRun

    segments = db.session.scalars(
        sa.select(Segment)
        .join(SegmentationRun, SegmentationRun.id == Segment.run_id)
        .where(SegmentationRun.is_active.is_(True))
        .order_by(Segment.size.desc())
    ).all()

    # The demo publishes without an operator to confirm an age-proxy warning: such segments
    # are left out rather than acknowledged on someone's behalf.
    segments = [s for s in segments if not is_age_proxy(s.profile)]

    def works_in_area(segment: Segment) -> bool:
        areas = (segment.profile or {}).get("top_areas") or []
        names = [a.get("value") if isinstance(a, dict) else a for a in areas[:3]]
        return job.area in names

    matching = [s.id for s in segments if works_in_area(s)]
    return (matching or [s.id for s in segments])[:2]
