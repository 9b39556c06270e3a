"""Output: rich tables for people, plain JSON on stdout for scripts."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

PIPE_WIDTH = 160
"""Width of tables written to a pipe or file when COLUMNS does not say otherwise."""
GAP = 2
"""Spaces between two columns (tables have no vertical borders, as in gh and kubectl)."""


def console(stderr: bool = False) -> Console:
    """A console as wide as the terminal (or COLUMNS); 160 columns into a pipe or file."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS", "").isdigit() else PIPE_WIDTH
    return Console(file=stream, width=width, soft_wrap=False, highlight=False)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def value_text(value: Any) -> str:
    """A JSON value as a person reads it: strings bare, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    optional: Sequence[str] = (),
) -> None:
    """A table whose columns wrap between words, never inside one.

    Each column is at least as wide as its longest word; the room left is shared by the
    columns whose text is longer than their width. When even the longest words do not fit
    the terminal, the ``optional`` columns are left out, in the order given (then others,
    from the right), and a line under the table names them (``--json`` has everything).
    Every column has a label.
    """
    if not all(column.strip() for column in columns):
        raise ValueError(f"every column needs a label: {list(columns)}")
    cells = [[_cell(cell) for cell in row] for row in rows]
    if not cells:
        console().print(Text(f"No {title.lower() if title else 'rows'}."))
        return
    out = console()
    shown = _fitting_columns(columns, cells, optional, out.width)
    widths = _column_widths([columns[i] for i in shown], [[r[i] for i in shown] for r in cells],
                            out.width)  # fmt: skip
    grid = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                 show_edge=False, padding=(0, GAP - 1, 0, 0), pad_edge=False)  # fmt: skip
    for index, width in zip(shown, widths, strict=True):
        grid.add_column(columns[index], width=width, overflow="fold")
    for row in cells:
        grid.add_row(*(Text(row[i]) for i in shown))
    out.print(grid)
    hidden = [columns[i] for i in range(len(columns)) if i not in shown]
    if hidden:
        out.print(Text(f"(Not shown at this width: {', '.join(hidden)}; see --json.)"))


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=1)


def _longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=1)


def _fitting_columns(
    columns: Sequence[str], cells: list[list[str]], optional: Sequence[str], width: int
) -> list[int]:
    """The indexes of the columns to show: all, or all but enough optional ones to fit."""
    shown = list(range(len(columns)))
    needs = [
        max(_longest_word(columns[i]), *(_longest_word(row[i]) for row in cells)) for i in shown
    ]
    # the optional columns first, then from the right: a word is never cut
    last_resorts = [columns[i] for i in reversed(shown[1:]) if columns[i] not in optional]
    for name in [*optional, *last_resorts]:
        if sum(needs[i] for i in shown) + GAP * (len(shown) - 1) <= width:
            break
        if name in columns and columns.index(name) in shown:
            shown.remove(columns.index(name))
    return shown


def _column_widths(columns: Sequence[str], cells: list[list[str]], width: int) -> list[int]:
    """Each column's longest word, plus a share of the room left for those that wrap."""
    lows = [max(_longest_word(columns[i]), *(_longest_word(r[i]) for r in cells))
            for i in range(len(columns))]  # fmt: skip
    highs = [max(_longest_line(columns[i]), *(_longest_line(r[i]) for r in cells))
             for i in range(len(columns))]  # fmt: skip
    room = width - sum(lows) - GAP * (len(lows) - 1)
    widths = list(lows)
    while room > 0:
        wanting = [i for i in range(len(widths)) if widths[i] < highs[i]]
        if not wanting:
            break
        share = max(1, room // len(wanting))
        for i in wanting:
            grant = min(share, highs[i] - widths[i], room)
            widths[i] += grant
            room -= grant
    return widths


def details(title: str, pairs: Iterable[tuple[str, Any]]) -> None:
    grid = Table(
        title=title, title_justify="left", show_header=False, box=None, min_width=len(title)
    )
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for name, value in pairs:
        grid.add_row(Text(name), Text(_cell(value)))
    console().print(grid)


def short_time(value: str | None) -> str | None:
    """``2026-11-26T12:21:02.674807Z`` -> ``2026-11-26 12:21`` (UTC), for tables."""
    if not value or len(value) < 16 or value[10] != "T":
        return value
    return f"{value[:10]} {value[11:16]}"


def say(message: str) -> None:
    """A confirmation for people (stdout, plain)."""
    console().print(Text(message))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) or "-"
    return value_text(value)
