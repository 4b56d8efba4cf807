"""Server-side commands for API tokens."""

from __future__ import annotations

import click

from adflux.cli import language
from adflux.cli.appctx import server_context
from adflux.cli.language import _
from adflux.errors import AdfluxError
from adflux.i18n.catalogs import N_


@click.group("token", help=N_("Create, list and revoke API tokens."))
def token_group() -> None:
    pass


@token_group.command(
    "create", help=N_("Create a token and print it once (only its hash is stored).")
)
@click.option(
    "--name",
    required=True,
    help=N_("Who or what will use the token: letters, digits, '.', '-', '_' (e.g. recruiter-bot)."),
)
@click.option(
    "--role",
    type=click.Choice(["viewer", "operator", "admin", "applications"]),
    required=True,
    help=N_(
        "viewer reads; operator creates campaigns and trains segments; admin manages tokens; "
        "applications only sends applications (the job site's token)."
    ),
)
@click.option(
    "--personal-data",
    is_flag=True,
    help=N_(
        "Grant personal data: the token may ask to read candidates' names, e-mails and phones "
        "unmasked, and export them; each read is audited (Ley 1581 de 2012)."
    ),
)
@click.option(
    "--holder",
    help=N_("Who holds the token, as people read it, e.g. 'Ana Gómez' (shown in the dashboard)."),
)
def create(name: str, role: str, personal_data: bool, holder: str | None) -> None:
    from adflux.auth import service
    from adflux.extensions import db

    with server_context():
        try:
            _row, plain = service.create_token(
                db_session=db.session,
                name=name,
                role=role,
                personal_data=personal_data,
                holder=holder,
            )
        except AdfluxError as exc:
            raise click.ClickException(exc.localised(language.current())) from None
    click.echo(plain)
    created = (
        _(
            "token '%(name)s' (%(role)s, personal data) created; it is shown only this once.",
            name=name,
            role=role,
        )
        if personal_data
        else _(
            "token '%(name)s' (%(role)s) created; it is shown only this once.", name=name, role=role
        )
    )
    click.echo(created, err=True)


@token_group.command("list", help=N_("List tokens (names, roles, usage; never the values)."))
def list_tokens() -> None:
    from adflux.auth import service
    from adflux.extensions import db

    with server_context():
        for row in service.list_tokens(db_session=db.session):
            # Tab-separated, for people and for cut(1): the name and role as given.
            state = _("revoked token") if row.revoked_at else _("active token")
            used = (
                _("last used %(when)s", when=row.last_used_at)
                if row.last_used_at
                else _("never used")
            )
            data = _("personal data") if row.personal_data else _("masked")
            click.echo(f"{row.name}\t{row.role}\t{data}\t{row.prefix}…\t{state}\t{used}")


@token_group.command(
    "revoke",
    help=N_("Revoke a token: it stops working at once (the last active admin token is kept)."),
)
@click.option("--name", required=True, help=N_("The token's name."))
def revoke(name: str) -> None:
    from adflux.auth import service
    from adflux.extensions import db

    with server_context():
        try:
            service.revoke_token(db_session=db.session, name=name)
        except AdfluxError as exc:
            raise click.ClickException(exc.localised(language.current())) from None
    click.echo(_("token '%(name)s' revoked", name=name))
