"""Server-side commands that start processes: the API server and the embedded run."""

from __future__ import annotations

import click

from adflux.cli.appctx import build_app
from adflux.cli.local_config import save_client_config
from adflux.context import acting_as


@click.command("serve")
@click.option("--host", help="Address to bind (default ADFLUX_HOST or 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default ADFLUX_PORT or 8000).")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True)
@click.option("--threads", type=click.IntRange(1), default=8, show_default=True)
def serve(host: str | None, port: int | None, workers: int, threads: int) -> None:
    """Serve the API (and dashboard) with gunicorn."""
    from adflux.server import serve as run_server

    app = build_app()
    settings = app.config["ADFLUX_SETTINGS"]
    run_server(
        app,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        threads=threads,
    )


@click.command("run")
@click.option("--jobs", "seed_jobs", type=click.IntRange(1), default=300, show_default=True)
@click.option(
    "--candidates", "seed_candidates", type=click.IntRange(1), default=20_000, show_default=True
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare everything, print the summary and exit.")
def run(seed_jobs: int, seed_candidates: int, seed: int, no_serve: bool) -> None:
    """Bring up AdFlux on embedded defaults: database, data, local token, then serve."""
    from adflux import embedded
    from adflux.server import serve as run_server

    app = build_app()
    settings = app.config["ADFLUX_SETTINGS"]
    api_url = f"http://{settings.host}:{settings.port}"
    with app.app_context(), acting_as("adflux run"):
        prepared = embedded.prepare(
            seed_jobs=seed_jobs, seed_candidates=seed_candidates, seed=seed, say=click.echo
        )
    config_path = save_client_config(api_url=api_url, token=prepared.local_token)
    click.echo("")
    click.echo(f"AdFlux API:      {api_url}/api/v1  (docs: {api_url}/api/v1/docs)")
    click.echo(f"database:        {settings.sqlalchemy_url_safe}")
    if prepared.seeded:
        click.echo(
            f"seeded:          {prepared.jobs_inserted:,} jobs, "
            f"{prepared.candidates_inserted:,} candidates"
        )
    click.echo(f"CLI credentials: {config_path} (try: .venv/bin/adflux view-jobs)")
    if no_serve:
        return
    click.echo("serving; press Ctrl+C to stop")
    run_server(app, host=settings.host, port=settings.port, workers=1, threads=8)
