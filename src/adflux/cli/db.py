"""Server-side commands for the database: migrations and simulated data."""

from __future__ import annotations

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from adflux.cli.appctx import server_context
from adflux.cli.language import _
from adflux.i18n.catalogs import N_


@click.group("db", help=N_("Database schema commands."))
def db_group() -> None:
    pass


@db_group.command(
    "upgrade", help=N_("Create or migrate the database schema to the latest version.")
)
def upgrade() -> None:
    from adflux.database import upgrade_schema

    with server_context() as app:
        upgrade_schema()
        url = app.config["ADFLUX_SETTINGS"].sqlalchemy_url_safe
        click.echo(_("database is up to date: %(url)s", url=url))


@click.command(
    "seed", help=N_("Load simulated Colombian jobs and candidates (re-running adds no duplicates).")
)
@click.option("--jobs", "n_jobs", type=click.IntRange(0), default=200, show_default=True)
@click.option(
    "--candidates", "n_candidates", type=click.IntRange(0), default=5000, show_default=True
)
@click.option("--seed", "seed", type=int, default=42, show_default=True, help=N_("Random seed."))
@click.option(
    "--personas",
    type=click.IntRange(2, 10),
    default=6,
    show_default=True,
    help=N_("Hidden candidate groups planted in the data (for evaluating segmentation)."),
)
def seed(n_jobs: int, n_candidates: int, seed: int, personas: int) -> None:
    from adflux.datagen import service

    with (
        server_context() as _app,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeRemainingColumn(),
        ) as progress,
    ):
        jobs_task = progress.add_task(_("jobs"), total=n_jobs)
        cand_task = progress.add_task(_("candidates"), total=n_candidates)
        result = service.seed(
            n_jobs=n_jobs,
            n_candidates=n_candidates,
            seed=seed,
            personas=personas,
            on_jobs=lambda n: progress.advance(jobs_task, n),
            on_candidates=lambda n: progress.advance(cand_task, n),
        )
    click.echo(
        _(
            "seeded %(jobs)s new jobs and %(candidates)s new candidates in %(seconds)s s "
            "(%(rate)s candidates/s)",
            jobs=result.jobs_inserted,
            candidates=result.candidates_inserted,
            seconds=round(result.seconds, 1),
            rate=round(result.candidates_per_second),
        )
    )
