"""Server-side command: what a deployment is doing, for its operator."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from adflux.cli.appctx import server_context
from adflux.cli.language import _, label, number
from adflux.i18n.catalogs import N_

if TYPE_CHECKING:
    from adflux.operations.status import DeploymentStatus


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
                raise click.ClickException(_("no broker is configured: there are no workers"))
            try:
                alive = node in live_workers(celery_app)
            except Exception as exc:  # kombu raises several types for "broker down"
                raise click.ClickException(
                    _("the broker did not answer: %(error)s", error=str(exc))
                ) from None
            if not alive:
                raise click.ClickException(_("worker %(node)s did not answer", node=node))
            click.echo(_("worker %(node)s answers", node=node))
            return
        found = deployment_status(db_session=db.session, settings=settings, celery_app=celery_app)
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False))
        return
    for line in _status_lines(found, embedded=settings.is_embedded):
        click.echo(line)


def _status_lines(found: DeploymentStatus, *, embedded: bool) -> list[str]:
    """The deployment's state as lines for its operator, in the terminal's language."""
    lines = []
    if embedded:
        lines.append(_("mode: embedded (tasks run in the serving process; no broker, no workers)"))
    elif found.broker_error:
        lines.append(_("broker: unreachable (%(error)s)", error=found.broker_error))
    else:
        workers = found.workers or []
        lines.append(
            _(
                "workers alive: %(count)s (%(workers)s)",
                count=len(workers),
                workers=", ".join(workers),
            )
            if workers
            else _("workers alive: %(count)s", count=0)
        )
        lines.append(_("queue depth: %(count)s", count=found.queue_depth))
    by_status: dict[str, int] = {}
    for (state, _platform), count in found.publications.items():
        by_status[state] = by_status.get(state, 0) + count
    counts = ", ".join(
        f"{label('publication_status', state)} {number(count)}"
        for state, count in sorted(by_status.items())
    )
    lines.append(
        _("publications: %(counts)s", counts=counts) if counts else _("publications: none")
    )
    lines.append(
        _("stuck (claimed by a worker that died, taken over next): %(count)s", count=found.stuck)
    )
    oldest = found.oldest_pending
    lines.append(
        _("oldest pending: none")
        if oldest is None
        else _(
            "oldest pending: publication %(id)s (%(platform)s), %(seconds)s s",
            id=oldest.publication_id,
            platform=label("platform", oldest.platform),
            seconds=round(oldest.age_s),
        )
    )
    for platform, lag in found.results_lag_s.items():
        lines.append(
            _("results of %(platform)s: never synced", platform=label("platform", platform))
            if lag is None
            else _(
                "results of %(platform)s: %(seconds)s s ago",
                platform=label("platform", platform),
                seconds=round(lag),
            )
        )
    return lines
