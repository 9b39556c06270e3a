"""Command groups whose commands also answer to older names.

The CLI names things with the words of the HTTP API (``premiere freeze-windows``,
``premiere release-trains``, ``flags evaluate``, ``checks create|delete``). Names
used before keep working as aliases: they run the same command, are left out of the
command list and listed under "Aliases" in the group's help. docs/concepts.md has
the glossary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click


class AliasedGroup(click.Group):
    """A group with ``aliases``: old name -> the name of the command it runs."""

    def __init__(self, *args: Any, aliases: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.aliases = dict(aliases or {})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, self.aliases.get(cmd_name, cmd_name))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        return self.aliases.get(name, name) if name else name, command, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_commands(ctx, formatter)
        self.format_aliases(formatter)

    def format_aliases(self, formatter: click.HelpFormatter) -> None:
        if self.aliases:
            with formatter.section("Aliases"):
                formatter.write_dl(
                    [(old, f"same as {new}") for old, new in sorted(self.aliases.items())]
                )
