"""The ``premiere`` command group; ``main`` runs it (the console script, cli/entry.py).

Commands are registered by import path in ``COMMANDS`` and imported only when they
run, when their help is asked for, or when a tool walks every command (the reference
in docs/cli.md). ``premiere --help`` lists them from the summary registered beside
the path, so it imports click and no command; a client command imports its own
modules and the HTTP client, never the server (FastAPI, SQLAlchemy, uvicorn).

Adding a command: write it in its domain's package (``cli/<domain>/``) and add one
line to ``COMMANDS``: its name, ``"module:attribute"``, and the first sentence of its
help as the summary (tests/cli/test_startup.py checks that they match). A
module that adds subcommands to a group defined in another module is listed in the
group's ``extended_by``, so that the group is whole however it is loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from premiere import __version__
from premiere.cli.aliases import AliasedGroup


@dataclass(frozen=True)
class CommandEntry:
    """Where a top-level command lives, and what ``premiere --help`` says of it."""

    path: str
    """``"module:attribute"`` of the click command."""
    summary: str
    """The first sentence of the command's help, as ``premiere --help`` lists it."""
    extended_by: tuple[str, ...] = ()
    """Modules that add subcommands to this group; imported after it."""

    def load(self) -> click.Command:
        module, _, attribute = self.path.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        for extension in self.extended_by:
            importlib.import_module(extension)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.path} is not a click command")
        return command


class LazyGroup(AliasedGroup):
    """A group whose commands are imported when first used (``lazy_commands``)."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, CommandEntry] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = self.aliases.get(cmd_name, cmd_name)
        if name not in self.commands and name in self.lazy_commands:
            self.add_command(self.lazy_commands[name].load(), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lists commands, but from the registered summaries: nothing is imported."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(
                name, help=self.lazy_commands[name].summary
            )
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in rows])
        self.format_aliases(formatter)


COMMANDS = {
    "audit": CommandEntry(
        "premiere.cli.audit:audit",
        "Read the audit log: every change, with who made it and when.",
    ),
    "demo": CommandEntry(
        "premiere.cli.server.commands:demo",
        "Create the demo project (Acme Shop) in the database, without serving.",
    ),
    "deploy": CommandEntry(
        "premiere.cli.deployments.deploy:deploy",
        "Deploy with Premiere watching: your deploy command, recorded and verified.",
    ),
    "deployments": CommandEntry(
        "premiere.cli.deployments.commands:deployments",
        "Record deployments from pipelines; list, promote and roll them back.",
        # promote, rollback and checks
        extended_by=("premiere.cli.deployments.deploy",),
    ),
    "environments": CommandEntry(
        "premiere.cli.catalog:environments",
        "List, show, create and update the environments of a project (in order).",
    ),
    "feedback": CommandEntry(
        "premiere.cli.communication.feedback:feedback",
        "End users' feedback on a release's notes: summary and export.",
    ),
    "flags": CommandEntry(
        "premiere.cli.flags.commands:flags",
        "Create, change, target and evaluate feature flags.",
        # on, off, target, rules...; schedule, schedules, unschedule
        extended_by=("premiere.cli.flags.configs", "premiere.cli.releases.calendar"),
    ),
    "freeze-windows": CommandEntry(
        "premiere.cli.releases.calendar:freeze_windows",
        "Freeze windows: times when releases neither start nor advance in an environment.",
    ),
    "people": CommandEntry(
        "premiere.cli.people.commands:people",
        "People: list them, their roles per project, invite, remove.",
    ),
    "projects": CommandEntry(
        "premiere.cli.catalog:projects",
        "List, show, create and update projects.",
        extended_by=("premiere.cli.releases.checklist",),  # checklist-template
    ),
    "release-trains": CommandEntry(
        "premiere.cli.releases.calendar:release_trains",
        "Release trains: a cadence releases ride (e.g. every 2 weeks, Tuesday 10:00 Berlin).",
    ),
    "invitations": CommandEntry(
        "premiere.cli.people.commands:invitations",
        "Invitations: open ones, revoke one, accept one (join from the terminal).",
    ),
    "login": CommandEntry(
        "premiere.cli.people.login:login",
        "Sign in with your email and password; the token is kept for later commands.",
    ),
    "logout": CommandEntry(
        "premiere.cli.people.login:logout",
        "Revoke the token `premiere login` saved, and forget it.",
    ),
    "incidents": CommandEntry(
        "premiere.cli.insights.incidents:incidents",
        "Record, list and end incidents (periods of degraded service).",
    ),
    "insights": CommandEntry(
        "premiere.cli.insights.commands:insights",
        "Delivery insights: DORA measures and release-aware measures.",
    ),
    "notes": CommandEntry(
        "premiere.cli.communication.commands:notes",
        "List, show, write and publish release notes.",
    ),
    "releases": CommandEntry(
        "premiere.cli.releases.commands:releases",
        "Define releases, check their readiness, approve, start, pause, roll back.",
        # schedule, start, advance, pause, resume, rollback; checklist, tick, untick
        extended_by=("premiere.cli.releases.actions", "premiere.cli.releases.checklist"),
    ),
    "scan": CommandEntry(
        "premiere.cli.deployments.scan_command:scan_command",
        "Find the flag keys used in the source code under PATH (default: here).",
    ),
    "segments": CommandEntry(
        "premiere.cli.flags.segments:segments",
        "List, show, create, change and delete segments.",
    ),
    "serve": CommandEntry(
        "premiere.cli.server.commands:serve",
        "Run the Premiere server (HTTP API and web console) on one database.",
    ),
    "service-accounts": CommandEntry(
        "premiere.cli.people.service_accounts:service_accounts",
        "Service accounts: names for pipelines, whose deploy tokens they own.",
    ),
    "services": CommandEntry(
        "premiere.cli.catalog:services",
        "List, show, create and update the services (deployable units) of a project.",
    ),
    "subscribers": CommandEntry(
        "premiere.cli.communication.subscribers:subscribers",
        "Email subscribers: an email per event of the categories they chose.",
    ),
    "timeline": CommandEntry(
        "premiere.cli.insights.timeline:timeline",
        "Show what happened in a project: deployments, flags, releases, guards, notes.",
    ),
    "tokens": CommandEntry(
        "premiere.cli.tokens:tokens",
        "Create, list and revoke API tokens.",
    ),
    "webhooks": CommandEntry(
        "premiere.cli.communication.webhooks:webhooks",
        "Outgoing webhooks: signed HTTP calls when deployments and releases change.",
    ),
    "whoami": CommandEntry(
        "premiere.cli.people.login:whoami",
        "Who the token in use is: the person or token, their roles, the server.",
    ),
    "worker": CommandEntry(
        "premiere.cli.server.worker:worker",
        "Run the scheduler, send webhooks, finish verification checks left in flight.",
    ),
}
# Names commands had before they took the API's words (docs/concepts.md, glossary).
ALIASES = {"freezes": "freeze-windows", "trains": "release-trains"}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    aliases=ALIASES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-v", prog_name="premiere")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Premiere: a release control plane (feature flags, deployments, releases).

    Start a server with the demo project:   premiere serve --demo

    Most commands talk to that server's HTTP API; set PREMIERE_URL (default
    http://127.0.0.1:8700) and PREMIERE_TOKEN (the admin token `serve` printed), or
    run `premiere login`.
    """
    from premiere.cli.context import CliContext  # the API client: not for --help

    obj = ctx.ensure_object(CliContext)
    ctx.call_on_close(obj.close)


__all__ = ["COMMANDS", "CommandEntry", "LazyGroup", "cli", "main"]


def main() -> None:
    cli(prog_name="premiere")
