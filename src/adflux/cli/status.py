"""Server-side command: what a deployment is doing, for its operator."""

from __future__ import annotations

import json

import click

from adflux.cli.appctx import server_context
from adflux.i18n.catalogs import N_


@click.command(
    "status", help=N_("Workers alive, queue depth, stuck publications and the oldest pending one.")
)
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object instead of lines."))
@click.option(
    "--worker",
    "node",
    metavar="NODE",
    help=N_(
        "Only check that this worker (its node name, e.g. adflux-123@host) answers: exit 0 if "
        "it does, 1 if not. A health check for an orchestrator."
    ),
)
def status(as_json: bool, node: str | None) -> None:
    from adflux.extensions import db
    from adflux.operations.status import deployment_status, live_workers

    with server_context() as app:
        settings = app.config["ADFLUX_SETTINGS"]
        celery_app = app.extensions["celery"]
        if node is not None:
            if settings.is_embedded:
                raise click.ClickException("no broker is configured: there are no workers")
            try:
                alive = node in live_workers(celery_app)
            except Exception as exc:  # kombu raises several types for "broker down"
                raise click.ClickException(f"the broker did not answer: {exc}") from None
            if not alive:
                raise click.ClickException(f"worker {node} did not answer")
            click.echo(f"worker {node} answers")
            return
        found = deployment_status(db_session=db.session, settings=settings, celery_app=celery_app)
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False))
        return
    if settings.is_embedded:
        click.echo("mode: embedded (tasks run in the serving process; no broker, no workers)")
    elif found.broker_error:
        click.echo(f"broker: unreachable ({found.broker_error})")
    else:
        workers = found.workers or []
        click.echo(
            f"workers alive: {len(workers)}" + (f" ({', '.join(workers)})" if workers else "")
        )
        click.echo(f"queue depth: {found.queue_depth}")
    by_status: dict[str, int] = {}
    for (state, _platform), count in found.publications.items():
        by_status[state] = by_status.get(state, 0) + count
    click.echo(
        "publications: "
        + (", ".join(f"{state} {count}" for state, count in sorted(by_status.items())) or "none")
    )
    click.echo(f"stuck (claimed by a worker that died, taken over next): {found.stuck}")
    oldest = found.oldest_pending
    click.echo(
        "oldest pending: "
        + (
            "none"
            if oldest is None
            else f"publication {oldest.publication_id} ({oldest.platform}), {oldest.age_s:.0f} s"
        )
    )
    for platform, lag in found.results_lag_s.items():
        click.echo(
            f"results of {platform}: " + ("never synced" if lag is None else f"{lag:.0f} s ago")
        )
