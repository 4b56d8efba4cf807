"""Server-side command: run a Celery worker for background publishing and training."""

from __future__ import annotations

import os

import click

from adflux.cli.appctx import build_app
from adflux.cli.language import _, localised
from adflux.i18n.catalogs import N_


@click.command(
    "worker", help=N_("Run a Celery worker on CELERY_BROKER_URL (start any number of them).")
)
@click.option(
    "--concurrency",
    type=click.IntRange(1),
    default=16,
    show_default=True,
    help=N_("Parallel tasks."),
)
@click.option(
    "--pool",
    type=click.Choice(["threads", "prefork", "solo"]),
    default="threads",
    show_default=True,
    help=N_("Publishing waits on the network, so threads serve it best."),
)
@click.option(
    "--hostname",
    "-n",
    help=N_(
        "This worker's node name, unique on the broker (default: adflux-<pid>@<host>, so any "
        "number of workers may run on one host)."
    ),
)
@click.option(
    "--beat/--no-beat",
    default=True,
    show_default=True,
    help=N_(
        "Take part in sending the periodic work (relay of pending publications, audience "
        "refresh, results sync, optimiser): exactly one worker of the deployment sends it, the "
        "others stand by and take over within seconds if it dies."
    ),
)
@click.option(
    "--relay-interval",
    type=click.FloatRange(0.5),
    default=None,
    help=N_("Seconds between two relay sweeps (default: 30)."),
)
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    help=N_(
        "Serve this worker's Prometheus metrics (platform errors, pace waits, takeovers) on "
        "this port, at ADFLUX_HOST's address."
    ),
)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(
    concurrency: int,
    pool: str,
    hostname: str | None,
    beat: bool,
    relay_interval: float | None,
    metrics_port: int | None,
    loglevel: str,
) -> None:
    from adflux.background import worker_runtime

    app = build_app()
    settings = app.config["ADFLUX_SETTINGS"]
    if settings.is_embedded:
        raise click.ClickException(
            _("CELERY_BROKER_URL is not set: in embedded mode 'adflux serve' runs tasks itself")
        )
    node = hostname or f"adflux-{os.getpid()}@%h"
    try:
        worker_runtime.check_shared_pace(app)
    except worker_runtime.WorkerRefused as exc:
        raise click.ClickException(localised(exc.message)) from None
    worker_runtime.prepare(app, schedule=beat, relay_interval_s=relay_interval)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=settings.host)
    argv = [
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
        f"--hostname={node}",
    ]
    app.extensions["celery"].worker_main(argv)
