"""Output: rich tables for people, plain JSON on stdout for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 160
    return Console(file=stream, width=width, soft_wrap=False, highlight=False)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def value_text(value: Any) -> str:
    """A JSON value as a person reads it: strings bare, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left", header_style="bold")
    for index, column in enumerate(columns):
        grid.add_column(column, overflow="fold", no_wrap=index == 0)
    count = 0
    for row in rows:
        grid.add_row(*(Text(_cell(cell)) for cell in row))
        count += 1
    if count == 0:
        console().print(Text(f"No {title.lower() if title else 'rows'}."))
        return
    console().print(grid)


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
