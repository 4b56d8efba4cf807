"""Tables for people, JSON for scripts.

A table fits the terminal without cutting a word: each column is at least as wide as its longest
word (a right-aligned column, of figures, as its longest figure with its unit), wider ones wrap
between words, and when even that does not fit, the columns a person can
best do without are left out (and named under the table).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import click
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from adflux.cli.language import _

Row = dict[str, Any]  # an item of the API's JSON


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Row], Any]
    # 0: always shown; when the terminal is too narrow the highest numbers are left out first.
    drop: int = 0
    justify: Literal["left", "right"] = "left"
    footer: str = ""


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def emit(
    rows: Sequence[Row],
    columns: Sequence[Column],
    *,
    as_json: bool,
    title: str,
    empty: str,
    page: Mapping[str, Any] | None = None,
) -> None:
    """`rows` as a table (or `empty` when there are none), or as JSON: the API's page (items,
    total, limit, offset) when there is one, else the list."""
    if as_json:
        print_json(dict(page) if page is not None else list(rows))
        return
    if not rows:
        click.echo(empty)
        if page is not None and page["total"]:
            click.echo(
                _(
                    "There are %(total)s in all, none from row %(first)s on: use a smaller "
                    "--offset.",
                    total=page["total"],
                    first=page["offset"] + 1,
                )
            )
        return
    console = Console()
    print_table(console, title, columns, rows)
    if page is not None and page["total"] > len(rows):
        first, last = page["offset"] + 1, page["offset"] + len(rows)
        more = _("next ones: --offset %(offset)s", offset=last) if last < page["total"] else None
        console.print(
            _(
                "rows %(first)s to %(last)s of %(total)s",
                first=first,
                last=last,
                total=page["total"],
            )
            + (f"; {more}" if more else ""),
            highlight=False,
        )


def print_table(
    console: Console, title: str, columns: Sequence[Column], rows: Sequence[Row]
) -> None:
    """The table, and below it the columns the terminal had no room for."""
    table, hidden = fitted_table(title, columns, rows, width=console.width)
    console.print(table)
    if hidden:
        console.print(
            _(
                "Not shown, for lack of width: %(columns)s (widen the terminal or use --json).",
                columns=", ".join(hidden),
            ),
            highlight=False,
        )


def fitted_table(
    title: str, columns: Sequence[Column], rows: Sequence[Row], *, width: int
) -> tuple[Table, list[str]]:
    """A table of `rows` no wider than `width` whose cells never split a word; the headers of
    the columns left out to get there."""
    cells = [
        ["" if (v := column.value(row)) is None else str(v) for column in columns] for row in rows
    ]
    texts = [
        [column.header, column.footer, *(row[i] for row in cells)]
        for i, column in enumerate(columns)
    ]
    # A figure ("2,81 %", "COP 320,588", "$1.751.885") is one word to its reader: the cells of
    # a right-aligned column never wrap, only its header may.
    narrowest = [
        max(
            _longest_word(column.header),
            *(
                _longest_line(text) if column.justify == "right" else _longest_word(text)
                for text in texts[i][1:]
            ),
        )
        for i, column in enumerate(columns)
    ]
    widest = [max(_longest_line(text) for text in column) for column in texts]
    kept = list(range(len(columns)))
    for index in sorted(
        (i for i, column in enumerate(columns) if column.drop), key=lambda i: -columns[i].drop
    ):
        if _frame(len(kept)) + sum(narrowest[i] for i in kept) <= width:
            break
        kept.remove(index)
    widths: dict[int, int | None] = dict.fromkeys(kept)
    spare = width - _frame(len(kept)) - sum(narrowest[i] for i in kept)
    if spare >= 0:  # else even the columns kept cannot fit: rich folds as it can
        widths = {i: narrowest[i] for i in kept}
        while spare > 0:
            wanting = max(kept, key=lambda i: widest[i] - (widths[i] or 0))
            if widest[wanting] <= (widths[wanting] or 0):
                break
            widths[wanting] = (widths[wanting] or 0) + 1
            spare -= 1
    table = Table(title=title, show_footer=any(c.footer for c in columns))
    for i in kept:
        column = columns[i]
        table.add_column(
            column.header,
            footer=column.footer,
            justify=column.justify,
            width=widths[i],
            overflow="fold",
        )
    for row in cells:
        table.add_row(*(row[i] for i in kept))
    return table, [columns[i].header for i in range(len(columns)) if i not in kept]


def _frame(count: int) -> int:
    """The width of a table's borders and padding: a space either side of each cell and a
    line between and around them."""
    return 3 * count + 1


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def _longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)
