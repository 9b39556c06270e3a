"""The ``premiere`` command group; ``main`` runs it (the console script, cli/entry.py)."""

from __future__ import annotations

import importlib

import click

from premiere import __version__
from premiere.cli import audit, catalog, tokens
from premiere.cli.aliases import AliasedGroup
from premiere.cli.context import CliContext
from premiere.cli.deployments.commands import deployments
from premiere.cli.deployments.deploy import deploy
from premiere.cli.deployments.scan_command import scan_command
from premiere.cli.flags import commands as flags
from premiere.cli.flags import configs as flag_configs
from premiere.cli.flags import segments
from premiere.cli.releases.actions import releases  # with its start/pause/... commands
from premiere.cli.releases.calendar import freeze_windows, release_trains
from premiere.cli.server import commands as server

# Commands whose modules load the store (SQLAlchemy, Alembic) at import: they are
# imported only when used, so that the API client commands start quickly.
# cli/server/worker.py: the scheduler.
LAZY_COMMANDS = {"worker": ("premiere.cli.server.worker", "worker")}
# Names commands had before they took the API's words (docs/concepts.md, glossary).
ALIASES = {"freezes": "freeze-windows", "trains": "release-trains"}


class PremiereGroup(AliasedGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=PremiereGroup,
    aliases=ALIASES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-v", prog_name="premiere")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Premiere: a release control plane (feature flags, deployments, releases).

    Start a server with the demo project:   premiere serve --demo

    Most commands talk to that server's HTTP API; set PREMIERE_URL (default
    http://127.0.0.1:8700) and PREMIERE_TOKEN (the admin token `serve` printed).
    """
    obj = ctx.ensure_object(CliContext)
    ctx.call_on_close(obj.close)


cli.add_command(server.serve)
cli.add_command(server.demo)
cli.add_command(tokens.tokens)
cli.add_command(catalog.projects)
cli.add_command(catalog.environments)
cli.add_command(catalog.services)
cli.add_command(flags.flags)  # with the commands flag_configs adds to it
cli.add_command(segments.segments)
cli.add_command(audit.audit)
cli.add_command(deployments)  # with the commands deploy_commands adds to it
cli.add_command(deploy)
cli.add_command(scan_command)
cli.add_command(releases)
cli.add_command(release_trains)
cli.add_command(freeze_windows)


__all__ = ["cli", "flag_configs", "main"]


def main() -> None:
    cli(prog_name="premiere")
