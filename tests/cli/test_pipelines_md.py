"""docs/pipelines.md: every `premiere` command on the page names a real command and
real options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

from premiere.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _pipeline_commands(text: str) -> list[list[str]]:
    """Every `premiere ...` command in the page's sh and YAML blocks, folded lines joined."""
    commands = []
    for kind, block in re.findall(r"```(sh|yaml)\n(.*?)```", text, re.DOTALL):
        lines = block.replace("\\\n", " ").splitlines()
        for index, line in enumerate(lines):
            for found in re.finditer(r"(?:^|[\s(=])premiere (.*)", line):
                rest = found.group(1)
                indent = len(line) - len(line.lstrip())
                # a YAML folded scalar (run: >) goes on in lines of the same indentation
                for more in lines[index + 1 : None if kind == "yaml" else index + 1]:
                    if (
                        more.strip()
                        and len(more) - len(more.lstrip()) == indent
                        and ":" not in more
                    ):
                        rest += " " + more.strip()
                    else:
                        break
                commands.append(_words(rest))
    return commands


def _words(command_line: str) -> list[str]:
    """Shell words up to the first ), ;, | or && that ends the command."""
    lexer = shlex.shlex(command_line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = []
    for word in lexer:
        if word and set(word) <= set("();<>|&"):
            break
        words.append(word)
    return words


def test_pipelines_md__premiere_commands__name_real_commands_and_options() -> None:
    text = (ROOT / "docs" / "pipelines.md").read_text(encoding="utf-8")
    commands = _pipeline_commands(text)
    assert len(commands) >= 15
    for args in commands:
        command: click.Command = cli
        words = list(args)
        ctx = cli.make_context("premiere", list(args), resilient_parsing=True)
        while isinstance(command, click.Group) and words and not words[0].startswith("-"):
            sub = command.get_command(ctx, words.pop(0))
            assert sub is not None, f"unknown command in: premiere {' '.join(args)}"
            command = sub
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for word in words:
            if word == "--":
                break
            name = word.split("=", 1)[0]
            if name.startswith("-") and name != "-":
                assert name in options, f"{name} is no option of: premiere {' '.join(args)}"
