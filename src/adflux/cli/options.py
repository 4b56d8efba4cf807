"""Options shared by the client commands."""

from __future__ import annotations

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
limit_option = click.option(
    "--limit", type=click.IntRange(1, 200), default=20, show_default=True, help="Rows to show."
)
offset_option = click.option(
    "--offset", type=click.IntRange(0), default=0, show_default=True, help="Rows to skip."
)
