"""The CLI's documentation is generated from the commands and checked against them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import httpx
import pytest

from premiere.cli.main import cli
from premiere.cli.reference import generate
from premiere.settings import Settings

from .conftest import Cli, LiveServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "README.md", "docs/quickstart.md", "docs/configuration.md", "docs/concepts.md",
    "docs/own-project.md", "docs/releases-walkthrough.md", "docs/communication.md",
    "docs/webhooks.md", "docs/timeline.md", "docs/insights.md", "docs/people.md",
]  # fmt: skip


def test_cli_reference__docs_cli_md__is_up_to_date() -> None:
    expected = generate()
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "run: python -m premiere.cli.reference > docs/cli.md"


def _premiere_commands(text: str) -> list[list[str]]:
    """Every `premiere ...` line in the page's shell blocks, as argument lists."""
    commands = []
    for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, re.DOTALL):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.strip().removeprefix("$ ")
            for part in re.split(r"&&|\||\$\(|\)$", line):
                words = shlex.split(part, comments=True)
                while words and "=" in words[0]:
                    words.pop(0)  # VAR=value prefixes
                if words and Path(words[0]).name == "premiere":
                    commands.append(words[1:])
    return commands


@pytest.mark.parametrize("page", PAGES)
def test_docs__premiere_commands__name_real_commands_and_options(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    for args in _premiere_commands(text):
        ctx = cli.make_context("premiere", list(args), resilient_parsing=True)
        command: click.Command = cli
        words = list(args)
        while isinstance(command, click.Group) and words and not words[0].startswith("-"):
            sub = command.get_command(ctx, words.pop(0))
            assert sub is not None, f"{page}: unknown command in: premiere {' '.join(args)}"
            command = sub
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for word in words:
            if word == "--":  # the rest is the command `premiere deploy run` runs
                break
            name = word.split("=", 1)[0]
            if name.startswith("-") and name != "-":
                assert name in options, f"{page}: {name} is no option of: premiere {' '.join(args)}"


def test_configuration__every_setting__documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for field in Settings.__dataclass_fields__:
        assert f"PREMIERE_{field.upper()}" in text


@pytest.mark.parametrize("page", [*PAGES, "CHANGES.md", "docs/cli.md"])
def test_docs__relative_links__point_to_files(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (ROOT / page).parent.joinpath(target).exists(), f"{page}: broken link {target}"


def test_quickstart__every_command__works_against_a_live_server(
    run: Cli, live_server: LiveServer
) -> None:
    # Given the quickstart's commands, after the one that starts the server
    text = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    commands = [args for args in _premiere_commands(text) if args[:1] != ["serve"]]
    assert len(commands) >= 10
    # When each runs in order against a server with the demo project
    outputs = {" ".join(args): run.ok(*args).stdout for args in commands}
    # Then the evaluations answer what the quickstart says they answer
    evaluations = [out for command, out in outputs.items() if command.startswith("flags evaluate")]
    assert ["RULE_MATCH" in evaluations[0], "RULE_MATCH" in evaluations[1]] == [True, True]
    assert "FALLTHROUGH" in evaluations[2]
    assert "segment-staff" in evaluations[1]
    # and the sdk-server token it makes downloads the new flag
    token = next(out for command, out in outputs.items() if "--quiet" in command).strip()
    response = httpx.get(
        f"{live_server.url}/api/v1/sdk/flags", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["flags"]["free-shipping"]["on"] is True


def test_readme__quickstart_commands__are_the_tested_quickstart_commands() -> None:
    readme = _premiere_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    quickstart = _premiere_commands((ROOT / "docs/quickstart.md").read_text(encoding="utf-8"))
    assert [args for args in readme if args not in quickstart] == []
