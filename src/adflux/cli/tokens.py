"""Server-side commands for API tokens."""

from __future__ import annotations

import click

from adflux.cli.appctx import server_context
from adflux.errors import AdfluxError


@click.group("token")
def token_group() -> None:
    """Create, list and revoke API tokens."""


@token_group.command("create")
@click.option(
    "--name",
    required=True,
    help="Who or what will use the token: letters, digits, '.', '-', '_' (e.g. recruiter-bot).",
)
@click.option(
    "--role",
    type=click.Choice(["viewer", "operator", "admin", "applications"]),
    required=True,
    help="viewer reads; operator creates campaigns and trains segments; admin manages tokens; "
    "applications only sends applications (the job site's token).",
)
@click.option(
    "--personal-data",
    is_flag=True,
    help="Grant personal data: the token may ask to read candidates' names, e-mails and phones "
    "unmasked, and export them; each read is audited (Ley 1581 de 2012).",
)
def create(name: str, role: str, personal_data: bool) -> None:
    """Create a token and print it once (only its hash is stored)."""
    from adflux.auth import service
    from adflux.extensions import db

    with server_context():
        try:
            _row, plain = service.create_token(
                db_session=db.session, name=name, role=role, personal_data=personal_data
            )
        except AdfluxError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(plain)
    granted = ", personal data" if personal_data else ""
    click.echo(f"token {name!r} ({role}{granted}) created; it is shown only this once.", err=True)


@token_group.command("list")
def list_tokens() -> None:
    """List tokens (names, roles, usage; never the values)."""
    from adflux.auth import service
    from adflux.extensions import db

    with server_context():
        for row in service.list_tokens(db_session=db.session):
            state = "revoked" if row.revoked_at else "active"
            used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never"
            data = "personal data" if row.personal_data else "masked"
            click.echo(f"{row.name}\t{row.role}\t{data}\t{row.prefix}…\t{state}\tlast used {used}")


@token_group.command("revoke")
@click.option("--name", required=True, help="The token's name.")
def revoke(name: str) -> None:
    """Revoke a token: it stops working at once (the last active admin token is kept)."""
    from adflux.auth import service
    from adflux.extensions import db

    with server_context():
        try:
            service.revoke_token(db_session=db.session, name=name)
        except AdfluxError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"token {name!r} revoked")
