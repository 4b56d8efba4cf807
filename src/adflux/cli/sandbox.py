"""Server-side command: run the local emulator of the ad platforms."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import click

from adflux.cli.language import _
from adflux.i18n.catalogs import N_


@click.command(
    "sandbox",
    help=N_(
        "Serve Meta, Google Ads, X, TikTok and Snapchat's APIs locally, speaking "
        "their wire protocols.\n\nPrints the environment variables that point "
        "AdFlux's adapters here; with real credentials and endpoints in the same "
        "variables, AdFlux talks to the real platforms and nothing else changes."
    ),
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--http-port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--grpc-port", type=click.IntRange(0, 65535), default=8766, show_default=True)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/sandbox"),
    show_default=True,
    help=N_("TLS certificate for the Google endpoint and, with --persist, the created objects."),
)
@click.option("--persist", is_flag=True, help=N_("Keep created objects across restarts."))
@click.option(
    "--faults",
    envvar="ADFLUX_SANDBOX_FAULTS",
    help=N_('Fault injection as JSON, e.g. \'{"meta": {"rate_limit": 0.1, "latency_ms": 100}}\'.'),
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Also write the ADFLUX_* variables that point AdFlux at this sandbox to this file."),
)
def sandbox(
    host: str,
    http_port: int,
    grpc_port: int,
    state_dir: Path,
    persist: bool,
    faults: str | None,
    env_file: Path | None,
) -> None:
    from adflux.sandbox.server import RunningSandbox, run

    try:
        fault_plan = json.loads(faults) if faults else None
    except ValueError as exc:
        raise click.BadParameter(
            _("not valid JSON: %(error)s", error=str(exc)), param_hint="--faults"
        ) from None

    def ready(running: RunningSandbox) -> None:
        lines = [f"export {k}={shlex.quote(v)}" for k, v in sorted(running.client_env().items())]
        click.echo(_("sandbox HTTP on %(url)s", url=running.base_url), err=True)
        if running.grpc_endpoint:
            click.echo(
                _("sandbox Google Ads gRPC (TLS) on %(endpoint)s", endpoint=running.grpc_endpoint),
                err=True,
            )
            click.echo(_("sandbox CA certificate: %(path)s", path=str(running.ca_pem)), err=True)
        if env_file is not None:
            running.write_client_env(env_file)
            click.echo(_("environment written to %(path)s", path=str(env_file)), err=True)
        click.echo("\n".join(lines), nl=True)

    try:
        run(
            host,
            http_port,
            grpc_port,
            state_dir,
            persist=persist,
            faults=fault_plan,
            on_ready=ready,
        )
    except OSError as exc:  # a port another process holds, an address this host does not have
        http, grpc = f"{host}:{http_port}", f"{host}:{grpc_port}"
        raise click.ClickException(
            _(
                "the sandbox cannot start: %(error)s (HTTP %(http)s, gRPC %(grpc)s; choose others "
                "with --http-port / --grpc-port, 0 for any free port)",
                error=str(exc.strerror or exc),
                http=http,
                grpc=grpc,
            )
        ) from None
