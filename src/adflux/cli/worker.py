"""Server-side command: run a Celery worker for background publishing and training."""

from __future__ import annotations

import click

from adflux.background.celery_app import RELAY_INTERVAL_S
from adflux.cli.appctx import build_app


@click.command("worker")
@click.option(
    "--concurrency", type=click.IntRange(1), default=16, show_default=True, help="Parallel tasks."
)
@click.option(
    "--pool",
    type=click.Choice(["threads", "prefork", "solo"]),
    default="threads",
    show_default=True,
    help="Publishing waits on the network, so threads serve it best.",
)
@click.option(
    "--beat/--no-beat",
    default=True,
    show_default=True,
    help=(
        "Also run the periodic relay of pending publications, the audience refresh and the "
        "results sync (harmless if several workers do)."
    ),
)
@click.option(
    "--relay-interval",
    type=click.FloatRange(0.5),
    default=RELAY_INTERVAL_S,
    show_default=True,
    help="Seconds between two relay sweeps of the embedded beat.",
)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int, pool: str, beat: bool, relay_interval: float, loglevel: str) -> None:
    """Run a Celery worker on CELERY_BROKER_URL (start any number of them)."""
    app = build_app()
    settings = app.config["ADFLUX_SETTINGS"]
    if settings.is_embedded:
        raise click.ClickException(
            "CELERY_BROKER_URL is not set: in embedded mode 'adflux serve' runs tasks itself"
        )
    celery_app = app.extensions["celery"]
    argv = ["worker", f"--pool={pool}", f"--concurrency={concurrency}", f"--loglevel={loglevel}"]
    if beat:
        # Only the relay's interval: the audience refresh keeps its own (15 minutes), the results
        # sync ADFLUX_RESULTS_SYNC_INTERVAL_S.
        celery_app.conf.beat_schedule["relay-pending-publications"]["schedule"] = relay_interval
        # Beat's default scheduler keeps "last run" times in a shelve file; several workers on one
        # data directory would write the same file. The relay only needs an interval, so the
        # in-memory scheduler is enough and leaves no file behind.
        argv += ["--beat", "--scheduler=celery.beat:Scheduler"]
    celery_app.worker_main(argv)
