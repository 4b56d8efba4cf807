"""Bringing up the embedded default end to end (the README's run command)."""

from __future__ import annotations

import getpass
import pwd
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
import sqlalchemy as sa

from adflux import clock
from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken, Role
from adflux.campaigns import service as campaigns
from adflux.campaigns.adapters import adapter_for
from adflux.campaigns.models import AdCampaign
from adflux.database import upgrade_schema
from adflux.datagen import service as datagen
from adflux.datagen.world import (
    advance_market,
    connect_job_site,
    deliver_applications,
    disconnect_job_site,
    publish_world,
    world_from_database,
)
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.i18n.messages import Code, Message
from adflux.jobs.models import JobOpening, JobStatus
from adflux.platforms.registry import PlatformInfo
from adflux.results import service as results_service
from adflux.results.service import Figures, SyncOutcome, sync_results
from adflux.segmentation import service as segmentation
from adflux.targeting import service as targeting


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
    say: Callable[[Message], None],
) -> Prepared:
    """Migrate, seed an empty database and mint a fresh local admin token (in an app context);
    `say` shows each step (a message, in the reader's language)."""
    say(Message("migrating the database…"))
    upgrade_schema()
    jobs_inserted = candidates_inserted = 0
    seeded = datagen.is_empty()
    if seeded:
        say(
            Message(
                "seeding %(jobs)s jobs and %(candidates)s candidates…",
                jobs=seed_jobs,
                candidates=seed_candidates,
            )
        )
        result = datagen.seed(n_jobs=seed_jobs, n_candidates=seed_candidates, seed=seed)
        jobs_inserted, candidates_inserted = result.jobs_inserted, result.candidates_inserted
    train_segments_if_none(say=say)
    token = _fresh_local_token()
    return Prepared(seeded, jobs_inserted, candidates_inserted, token)


def train_segments_if_none(*, say: Callable[[Message], None]) -> None:
    """Train the first segmentation here and now when none is active (the demo targets it)."""
    if segmentation.get_active_run(db_session=db.session) is not None:
        return
    try:
        run = segmentation.create_run(db_session=db.session)
    except AdfluxError as exc:  # too few candidates, or a training already in flight
        say(Message("segments not trained: %(reason)s", reason=Message(exc.template, **exc.params)))
        return
    say(Message("training segments (run %(run)s)…", run=run.id))
    shown = {"step": ""}

    def show(step: Message, fraction: float) -> None:
        if step.template != shown["step"]:
            shown["step"] = step.template
            say(Message("  %(percent)s%% %(step)s", percent=round(fraction * 100), step=step))

    try:
        trained = segmentation.run_training(db_session=db.session, run_id=run.id, progress=show)
    except Exception as exc:  # the run is marked failed; the demo publishes without segments
        error = f"{type(exc).__name__}: {exc}"
        say(
            Message("segment training failed (%(error)s); continuing without segments", error=error)
        )
        return
    if trained is not None:
        say(
            Message(
                "segments: %(k)s over %(count)s candidates, now active",
                k=trained.k,
                count=trained.candidate_count,
            )
        )


def _fresh_local_token() -> str:
    """Create a new local CLI token, then revoke earlier ones: only its hash stays in the database.

    In that order, because the last active admin token cannot be revoked. It is granted personal
    data: on one's own machine the person running AdFlux is the data's controller; every unmasked
    read still asks for a purpose and is audited.
    """
    return _fresh_token("local-cli-", Role.ADMIN, personal_data=True, holder=_local_person())


def _local_person() -> str:
    """The person at this machine, as the header shows them: their account's full name (the
    first field of its GECOS entry), else its login name."""
    login = getpass.getuser()
    try:
        full_name = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except KeyError:
        full_name = ""
    return full_name or login


def _fresh_token(
    prefix: str, role: Role, *, personal_data: bool = False, holder: str | None = None
) -> str:
    """A new token named `prefix` + a timestamp; earlier tokens of that prefix are revoked after."""
    earlier = db.session.scalars(
        sa.select(ApiToken.name).where(
            ApiToken.name.like(f"{prefix}%"), ApiToken.revoked_at.is_(None)
        )
    ).all()
    _row, plain = auth_service.create_token(
        db_session=db.session,
        name=f"{prefix}{time.time_ns()}",
        role=role.value,
        personal_data=personal_data,
        holder=holder,
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
    """Publish one campaign for an open job on every ready platform, aimed at the segments
    recommended for it; wait for the result.

    The same idempotency key every time: running again shows the campaign published before. It
    is looked up rather than re-sent, since a key re-sent with other parameters (another
    platform list) is refused.
    """
    campaign = db.session.scalar(
        sa.select(AdCampaign).where(AdCampaign.idempotency_key == DEMO_IDEMPOTENCY_KEY)
    )
    if campaign is None:
        job = _demo_job()
        campaign, _created = campaigns.create_campaign(
            db_session=db.session,
            job_id=job.id,
            platforms=[info.name for info in demo_platforms()],
            # No segment ids: the campaign aims at the segments recommended for the job, as any
            # campaign a recruiter leaves to AdFlux (age proxies are never among them: the demo
            # has no operator to confirm such a warning).
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


# How many open jobs the demo looks through for one that segments fit (about 50 ms each).
DEMO_JOBS_SEARCHED = 50


def _demo_job() -> JobOpening:
    """The first open job some segment is recommended for, so that the demo shows a campaign
    aimed at segments; the first open job when none of the first few has one."""
    jobs = db.session.scalars(
        sa.select(JobOpening)
        .where(JobOpening.status == JobStatus.OPEN)
        .order_by(JobOpening.id)
        .limit(DEMO_JOBS_SEARCHED)
    ).all()
    if not jobs:
        raise RuntimeError("no open job to advertise")
    for job in jobs:
        audience = targeting.job_audience(db_session=db.session, job_id=job.id)
        if targeting.recommended_segment_ids(audience, limit=1):
            return job
    return jobs[0]


DEMO_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DemoWeek:
    sync: SyncOutcome
    totals: Figures
    job_site_token: str


def simulate_demo_week(*, sandbox_url: str, say: Callable[[Message], None]) -> DemoWeek:
    """A week of results at once: the sandbox's people and jobs become AdFlux's candidates and
    open jobs, the market's clock and AdFlux's move a week ahead, and the platforms' figures for
    it are synced. Applications come later, from the job site, once the API serves (see
    `connect_demo_job_site`): AdFlux hears of them only that way, as in production."""
    world = world_from_database(db.session)
    say(
        Message(
            "simulated market: %(people)s people, %(jobs)s open jobs",
            people=len(world["people"]),
            jobs=len(world["jobs"]),
        )
    )
    publish_world(sandbox_url, world)
    # The job site an earlier run connected holds that run's token, revoked since: it waits
    # for this run's (`connect_demo_job_site`) instead of posting the week's applications to
    # an API that is not up yet, with a token that no longer works.
    disconnect_job_site(sandbox_url)
    offset_s = advance_market(sandbox_url, DEMO_WEEK.total_seconds())
    # AdFlux lives on the platforms' days: a sync asks for the days they have reported.
    clock.set_offset(timedelta(seconds=offset_s))
    say(Message("a week passes on the market (now %(now)s); syncing results…", now=clock.now()))
    outcome = sync_results(db_session=db.session, adapter_for=adapter_for, force=True)
    for failed in outcome.failed:
        say(
            Message(
                "  results sync failed on %(platform)s: %(error)s",
                platform=Code("platform", failed.platform),
                error=failed.error,
            )
        )
    totals = results_service.results(db_session=db.session, by=("platform",)).totals
    token = _fresh_token("job-site-sandbox-", Role.APPLICATIONS)
    return DemoWeek(outcome, totals, token)


def connect_demo_job_site(
    *, sandbox_url: str, api_url: str, token: str, timeout_s: float = 120.0
) -> dict[str, int] | None:
    """Once the API answers, point the simulated job site at it and deliver the week's
    applications; None if the API never came up. Meant for a thread beside the server."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api_url}/healthz", timeout=2.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        return None
    connect_job_site(sandbox_url, f"{api_url}/api/v1/applications", token)
    return deliver_applications(sandbox_url)
