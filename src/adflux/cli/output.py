"""Tables for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    as_json: bool,
    title: str,
    total: int | None = None,
) -> None:
    if as_json:
        print_json(list(rows))
        return
    table = Table(title=title, show_lines=False)
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*("" if (v := get(row)) is None else str(v) for _, get in columns))
    console = Console()
    console.print(table)
    if total is not None and total > len(rows):
        console.print(f"showing {len(rows)} of {total}; use --limit/--offset for more")


def cop(value: int | None) -> str:
    """Colombian peso amount: thousands separated by dots."""
    if value is None:
        return "-"
    return "$ " + f"{value:,}".replace(",", ".")
