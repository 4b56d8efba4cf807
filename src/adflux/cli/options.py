"""Options shared by the client commands."""

from __future__ import annotations

import click

from adflux.i18n.catalogs import N_

json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help=N_(
        "Print JSON for scripts; a list prints the API's page: "
        '{"items": [...], "total": N, "limit": N, "offset": N}.'
    ),
)
limit_option = click.option(
    "--limit",
    type=click.IntRange(1, 200),
    default=20,
    show_default=True,
    help=N_("Rows to show."),
)


def wait_limit_option(default_s: int):  # type: ignore[no-untyped-def]
    """`--timeout`: how long --wait waits, in seconds."""
    return click.option(
        "--timeout",
        type=click.IntRange(1),
        default=default_s,
        show_default=True,
        help=N_("--wait limit (s)."),
    )


offset_option = click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help=N_("Rows to skip."),
)
