"""The ``adflux`` entry point."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from adflux.cli.applications import import_applications
from adflux.cli.campaign import campaign
from adflux.cli.campaign_optimisation import budget, rules
from adflux.cli.campaigns import create_campaign, view_campaigns
from adflux.cli.candidate_imports import import_candidates
from adflux.cli.candidates import candidate_group, view_candidates
from adflux.cli.db import db_group, seed
from adflux.cli.import_jobs import import_jobs
from adflux.cli.imports import import_group
from adflux.cli.jobs import close_job, pause_job, reopen_job, view_audience, view_jobs
from adflux.cli.language import speak
from adflux.cli.results import sync_results, view_results
from adflux.cli.sandbox import sandbox
from adflux.cli.segments import segment_group, view_segments
from adflux.cli.serve import run, serve
from adflux.cli.status import status
from adflux.cli.templates import template_group
from adflux.cli.tokens import token_group
from adflux.cli.worker import worker
from adflux.i18n.catalogs import N_, language_from_environment


class AdfluxGroup(click.Group):
    """The root command: it speaks the terminal's language from the moment it starts."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        # Before click parses anything: --help, usage errors and output all read in it. Decided
        # here rather than at import so that each invocation (and each test) reads its own
        # environment.
        speak(language_from_environment(), self)
        return super().main(args, *rest, **options)


@click.group(
    cls=AdfluxGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        "AdFlux: automated job advertising for Magneto.\n\n"
        "Client commands (view-*) talk to the API at ADFLUX_API_URL with ADFLUX_API_TOKEN, or to "
        "the local API that 'make run' started. Server commands (run, serve, worker, status, db, "
        "seed, token) work on the database named by DATABASE_URL (default: a SQLite file under "
        "ADFLUX_DATA_DIR). The CLI speaks the terminal's language (LANG, LC_ALL or LANGUAGE: "
        "Spanish unless English is asked for)."
    ),
)
@click.version_option(package_name="adflux")
def cli() -> None:
    pass


for command in (
    view_jobs,
    view_audience,
    pause_job,
    close_job,
    reopen_job,
    view_candidates,
    candidate_group,
    view_segments,
    segment_group,
    create_campaign,
    view_campaigns,
    campaign,
    template_group,
    view_results,
    sync_results,
    import_applications,
    import_group,
    run,
    serve,
    worker,
    status,
    sandbox,
    db_group,
    seed,
    token_group,
):
    cli.add_command(command)
# Each importer under `adflux import`.
for command in (import_jobs, import_candidates):
    import_group.add_command(command)
# The optimiser's commands under `adflux campaign`.
for command in (budget, rules):
    campaign.add_command(command)


def main() -> None:
    cli(prog_name="adflux")
