"""Server-side commands that start processes: the API server and the embedded run."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from adflux.cli.appctx import build_app
from adflux.cli.language import _, label, localised, money
from adflux.cli.local_config import credentials_path, save_client_config
from adflux.context import acting_as
from adflux.i18n.catalogs import N_

if TYPE_CHECKING:
    from adflux.i18n.messages import Message
    from adflux.sandbox.server import RunningSandbox


# Chosen by measurement (bench/serve_config.py, GET /api/v1/jobs?limit=50 at 32 connections on a
# 2-core machine, median of 3 rounds): 2 x 4 served 524 req/s, 4 x 4 407, 1 x 8 324, 4 x 2 288,
# 2 x 8 286. A process per core escapes the GIL; four threads each cover the database's waits
# without the switching that eight cost.
DEFAULT_THREADS = 4


def default_workers(database_url: str) -> int:
    """A worker process per CPU; one on SQLite, where processes would only queue for its lock."""
    if database_url.startswith("sqlite"):
        return 1
    return os.cpu_count() or 1


@click.command("serve", help=N_("Serve the API (and dashboard) with gunicorn."))
@click.option("--host", help=N_("Address to bind (default ADFLUX_HOST or 127.0.0.1)."))
@click.option(
    "--port", type=click.IntRange(1, 65535), help=N_("Port (default ADFLUX_PORT or 8000).")
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    help=N_("Worker processes (default: one per CPU; one on SQLite)."),
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=DEFAULT_THREADS,
    show_default=True,
    help=N_("Threads per worker process (gthread)."),
)
def serve(host: str | None, port: int | None, workers: int | None, threads: int) -> None:
    from adflux.config import load_settings
    from adflux.server import serve as run_server

    if workers is None:
        workers = default_workers(load_settings().sqlalchemy_url)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several processes count requests: /metrics sums them from files in one directory,
        # which must be set before prometheus_client is first imported (by build_app).
        shared = tempfile.mkdtemp(prefix="adflux-metrics-")
        atexit.register(shutil.rmtree, shared, ignore_errors=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
    app = build_app()
    settings = app.config["ADFLUX_SETTINGS"]
    run_server(
        app,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        threads=threads,
    )


@click.command(
    "run",
    help=N_(
        "Bring up AdFlux end to end on embedded defaults, publish a demo campaign, then serve."
    ),
)
@click.option("--jobs", "seed_jobs", type=click.IntRange(1), default=300, show_default=True)
@click.option(
    "--candidates", "seed_candidates", type=click.IntRange(1), default=20_000, show_default=True
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--sandbox/--no-sandbox",
    "use_sandbox",
    default=True,
    show_default=True,
    help=N_("Start the local platform sandbox and point the adapters at it."),
)
@click.option(
    "--no-serve", is_flag=True, help=N_("Prepare everything, print the summary and exit.")
)
def run(seed_jobs: int, seed_candidates: int, seed: int, use_sandbox: bool, no_serve: bool) -> None:
    from adflux import embedded
    from adflux.config import load_settings
    from adflux.server import serve as run_server

    settings = load_settings()
    sandbox = _start_sandbox(settings.data_dir) if use_sandbox else None
    app = build_app()
    api_url = f"http://{settings.host}:{settings.port}"
    with app.app_context(), acting_as("adflux run"):
        prepared = embedded.prepare(
            seed_jobs=seed_jobs, seed_candidates=seed_candidates, seed=seed, say=_say
        )
        names = ", ".join(info.display_name for info in embedded.demo_platforms())
        click.echo(_("publishing the demo campaign on %(platforms)s…", platforms=names))
        demo = embedded.publish_demo_campaign()
        _print_campaign(demo)
        week = (
            embedded.simulate_demo_week(sandbox_url=sandbox.base_url, say=_say)
            if sandbox is not None
            else None
        )
        if week is not None:
            _print_week(week)
    config_path = save_client_config(api_url=api_url, token=prepared.local_token)
    click.echo("")
    click.echo(
        _(
            "dashboard: %(url)s/  (sign in with the token in %(path)s)",
            url=api_url,
            path=str(credentials_path()),
        )
    )
    click.echo(_("AdFlux API: %(url)s/api/v1  (docs: %(url)s/api/v1/docs)", url=api_url))
    click.echo(_("database: %(url)s", url=settings.sqlalchemy_url_safe))
    if sandbox is not None:
        click.echo(
            _(
                "platform sandbox: %(url)s (gRPC %(endpoint)s)",
                url=sandbox.base_url,
                endpoint=sandbox.grpc_endpoint,
            )
        )
        if sandbox.ca_pem is not None:
            click.echo(
                _("sandbox CA certificate (Google Ads TLS): %(path)s", path=str(sandbox.ca_pem))
            )
        click.echo(
            _(
                "sandbox credentials: %(path)s (the ADFLUX_* settings this process uses; "
                "`source` it elsewhere)",
                path=str(sandbox_env_path(settings.data_dir)),
            )
        )
        click.echo(_("sandbox request log: %(url)s/_sandbox/requests", url=sandbox.base_url))
    if prepared.seeded:
        click.echo(
            _(
                "seeded: %(jobs)s jobs, %(candidates)s candidates",
                jobs=prepared.jobs_inserted,
                candidates=prepared.candidates_inserted,
            )
        )
    click.echo(
        _(
            "CLI credentials: %(path)s (try: .venv/bin/adflux view-campaigns)",
            path=str(config_path),
        )
    )
    if no_serve:
        app.extensions["adflux_dispatcher"].shutdown()
        if sandbox is not None:
            sandbox.stop()
        return
    if sandbox is not None and week is not None:
        _deliver_applications_once_serving(sandbox.base_url, api_url, week.job_site_token)
    click.echo(_("serving; press Ctrl+C to stop"))
    run_server(app, host=settings.host, port=settings.port, workers=1, threads=DEFAULT_THREADS)


def sandbox_env_path(data_dir: Path) -> Path:
    """Where the run command writes the environment that points AdFlux at its sandbox."""
    return data_dir / "sandbox" / "sandbox.env"


def _start_sandbox(data_dir: Path) -> RunningSandbox:
    """Start the sandbox in this process, point this process's adapters at it, and write the
    same settings (endpoints, credentials, CA file) where other processes can read them."""
    from adflux.sandbox.server import start_in_thread

    running = start_in_thread(state_dir=data_dir / "sandbox", persist=True)
    os.environ.update(running.client_env())
    running.write_client_env(sandbox_env_path(data_dir))
    return running


def _say(message: Message) -> None:
    click.echo(localised(message))


def _print_week(week: Any) -> None:
    totals = week.totals
    click.echo(
        _(
            "a simulated week of results: %(impressions)s impressions, %(clicks)s clicks, "
            "%(spend)s spent (%(calls)s report calls)",
            impressions=totals.impressions,
            clicks=totals.clicks,
            spend=money(totals.spend_cop),
            calls=week.sync.calls,
        )
    )


def _deliver_applications_once_serving(sandbox_url: str, api_url: str, token: str) -> None:
    """The simulated job site sends the week's applications to the API as soon as it answers
    (a thread: serving blocks this one)."""
    import threading

    from adflux import embedded

    def deliver() -> None:
        done = embedded.connect_demo_job_site(sandbox_url=sandbox_url, api_url=api_url, token=token)
        if done is None:
            click.echo(
                _("the job site could not reach the API: no applications delivered"), err=True
            )
        else:
            # The job site's own sender may have posted most of them already: say what is left.
            click.echo(
                _(
                    "the job site has sent the week's applications (%(count)s still waiting); "
                    "see %(url)s/campaigns/ or `adflux view-results`",
                    count=done["pending"],
                    url=api_url,
                )
            )

    threading.Thread(target=deliver, name="demo-job-site", daemon=True).start()


JOB_OWN_AIM = N_("none (the job's own city, area and skills)")


def _object_ids(kind: str, value: object) -> str:
    """A platform object by its name and id ("conjunto de anuncios 1202…"); of several ids
    (X's targeting criteria, Google's keywords) the first and how many more, as the dashboard."""
    first, *more = str(value).split(",")
    return f"{label('platform_object', kind)} {first}" + (f" +{len(more)}" if more else "")


def _print_campaign(campaign: Any) -> None:
    click.echo(
        _(
            "demo campaign %(campaign)s (%(name)s): %(status)s",
            campaign=campaign.id,
            name=campaign.name,
            status=label("publication_status", campaign.status),
        )
    )
    # Aimed by the recommendation for its job: say at whom, and any warning about the fit.
    segments = ", ".join(segment.name for segment in campaign.segments)
    click.echo(_("  segments: %(segments)s", segments=segments or _(JOB_OWN_AIM)))
    for warning in campaign.warnings:
        click.echo(
            _(
                "  warning: %(advice)s [rule %(rule)s]",
                advice=warning.message,
                rule=warning.rule,
            )
        )
    for publication in campaign.publications:
        ids = ", ".join(
            _object_ids(kind, value) for kind, value in list(publication.external_ids.items())[:3]
        )
        detail = publication.last_error or ids
        platform = label("platform", publication.platform)
        status = label("publication_status", publication.status)
        click.echo(f"  {platform:<10} {status:<10} {detail}")
