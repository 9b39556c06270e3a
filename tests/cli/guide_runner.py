"""Runs a guide of docs/ as a reader would: starts `premiere serve` the way the page
says, then every command of its shell blocks in order, and compares what each block
printed with the output block the page shows after it.

The page's conventions, which a reader follows by eye:

- a ```sh block holds commands: `premiere ...`, `python FILE` (a ```python block of
  the page whose first line is ``# FILE``), `export NAME=value ...`,
  `NAME=$(premiere ...)` (the output, stripped, becomes $NAME), `NAME=value premiere ...`
  (for that command only), `export NAME=$(premiere ...)`; `source ...` and `#` comments
  are skipped;
- a command ending in ``# exit code N`` is expected to fail with that code; every
  other command must exit 0;
- the ```text block that follows a ```sh block (before the next one) is what those
  commands print: each of its lines must appear, in order, in their output. ``...``
  stands for lines left out; times, tokens, token ids, deployment ids (``Deployment
  #560``: a demo's history holds more or fewer deployments depending on the day) and
  durations may differ, so they are compared as placeholders; table borders, column
  rules and runs of spaces are ignored (tables are drawn as wide as the terminal);
- ``prm_...`` is the token `serve` printed and ``http://127.0.0.1:8700`` the server's
  address (the test serves on a free port).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .conftest import NO_PREMIERE_ENV, Cli, free_port

PAGE_URL = "http://127.0.0.1:8700"
TOKEN = re.compile(r"prm_[0-9a-f]{16}_[A-Za-z0-9_-]+")
EXIT_CODE = re.compile(r"\s+#\s*exit code (\d+)\s*$")


@dataclass
class Step:
    """One command of the page."""

    line: str
    words: list[str]
    env: dict[str, str] = field(default_factory=dict)
    capture: str | None = None
    exit_code: int = 0
    exported: bool = False  # export NAME=$(...)


@dataclass
class Block:
    """A ```sh block and the output the page shows for it (None: none shown)."""

    steps: list[Step]
    expected: list[str] | None


def page_files(text: str) -> dict[str, str]:
    """The ```python blocks whose first line names their file (``# app.py``)."""
    found = re.findall(r"^```python\n# ([\w.-]+\.py)\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    return dict(found)


@dataclass
class Ran:
    step: Step
    args: list[str]
    exit_code: int
    output: str


@dataclass
class Served:
    url: str
    token: str
    printed: str
    args: list[str]


@contextmanager
def serve(directory: Path, *args: str) -> Iterator[Served]:
    """`premiere serve ARGS` run in ``directory`` (its database is premiere.db there, as
    for the reader), on a free port; stopped with Ctrl+C at the end."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    environ |= {"PREMIERE_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "premiere.cli", "serve", *args]
    process = subprocess.Popen(
        command, cwd=directory, env=environ, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, process)
        while not any(" on http://" in line for line in lines[:]):
            time.sleep(0.01)
        printed = "".join(lines)
        token = TOKEN.search(printed)
        assert token is not None, printed
        yield Served(url, token[0], printed, list(args))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        reader.join(timeout=5)
        process.stdout.close()


def _wait_ready(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError("premiere serve did not start")


def page_blocks(text: str) -> list[Block]:
    """The page's ```sh blocks, in order, each with the ```text block after it."""
    blocks: list[Block] = []
    for kind, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        if kind == "sh":
            blocks.append(Block(_steps(body), None))
        elif kind == "text" and blocks and blocks[-1].expected is None:
            blocks[-1].expected = body.splitlines()
    return blocks


def _steps(block: str) -> list[Step]:
    steps = []
    for raw in block.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exit_code = 0
        expected_exit = EXIT_CODE.search(line)
        if expected_exit:
            exit_code, line = int(expected_exit.group(1)), line[: expected_exit.start()]
        capture = None
        assigned = re.fullmatch(r"(export )?(\w+)=\$\((.*)\)", line)
        if assigned:
            capture, line = assigned.group(2), assigned.group(3)
        words = shlex.split(line, comments=True)
        env = {}
        while words and re.fullmatch(r"\w+=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        exported = bool(assigned and assigned.group(1))
        steps.append(Step(line, words, env, capture, exit_code, exported))
    return steps


class Reader:
    """Runs the blocks of a page in one shell-like session against a served Premiere."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.variables: dict[str, str] = {"PREMIERE_URL": served.url}  # serve's default
        self.ran: list[Ran] = []
        self.files: dict[str, str] = {}
        self.exported: set[str] = set()

    def expand(self, word: str) -> str:
        word = word.replace(PAGE_URL, self.served.url)
        word = re.sub(r"prm_[\w.]*\.\.\.[\w.]*", self.served.token, word)
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.variables[m.group(1)], word)

    def run_page(self, page: Path) -> list[Ran]:
        text = page.read_text(encoding="utf-8")
        self.files = page_files(text)
        for block in page_blocks(text):
            outputs = [self.run_step(step) for step in block.steps]
            if block.expected is not None:
                assert_shows(block.expected, "".join(outputs), self.served.url)
        return self.ran

    def run_step(self, step: Step) -> str:
        args = [self.expand(word) for word in step.words]
        env = {name: self.expand(value) for name, value in step.env.items()}
        if args[:1] == ["export"]:
            for assignment in args[1:]:
                name, _, value = assignment.partition("=")
                self.variables[name] = value
                self.exported.add(name)
            return ""
        if args[:1] == ["source"]:
            return ""
        if args[:2] == ["premiere", "serve"]:  # the test started it: with these options?
            assert args[2:] == self.served.args, f"the test serves with {self.served.args}"
            exit_code, output = 0, self.served.printed
            stdout = output
        elif args[:1] in (["python"], ["python3"]):
            exit_code, output = self._python(args[1:])
            stdout = output
        else:
            assert args[:1] == ["premiere"], f"not a command the test knows: {step.line}"
            exit_code, output, stdout = self._premiere(args[1:], env)
        assert exit_code == step.exit_code, (step.line, output)
        if step.capture:
            self.variables[step.capture] = stdout.strip()
            if step.exported:
                self.exported.add(step.capture)
        self.ran.append(Ran(step, args, exit_code, output))
        return output

    def _premiere(self, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
        session = {name: self.variables[name] for name in NO_PREMIERE_ENV if name in self.variables}
        run = Cli({**NO_PREMIERE_ENV, **session})
        result = run(*args, **env)
        return result.exit_code, result.output, result.stdout

    def _python(self, args: list[str]) -> tuple[int, str]:
        """``python FILE``: a file the page shows, run with the exported variables."""
        assert args[:1] and args[0] in self.files, f"the page shows no {args[:1]}"
        source = self.files[args[0]].replace(PAGE_URL, self.served.url)
        environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
        environ |= {name: self.variables[name] for name in self.exported}
        done = subprocess.run(
            [sys.executable, "-c", source, *args[1:]], env=environ,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return done.returncode, done.stdout + done.stderr

    def outputs(self, *prefix: str) -> list[str]:
        """What each run command starting with ``prefix`` printed, in order."""
        return [r.output for r in self.ran if r.args[: len(prefix)] == list(prefix)]


_BORDER = re.compile(r"^[\s┏┓┗┛┡┩┢┪└┘┌┐━─┳┻╇╈┴┬┼│┃═╍]*$")
_PLACEHOLDERS = [
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?Z?"), "<time>"),
    (re.compile(r"\bprm_([\w.]*\.\.\.[\w.]*|[0-9a-f]{16}_[A-Za-z0-9_-]+)"), "<token>"),
    (re.compile(r"\b[0-9a-f]{16}\b"), "<token id>"),
    (re.compile(r"\b\d+(\.\d+)?s\b"), "<seconds>"),
    (re.compile(r"\bDeployment #\d+\b"), "Deployment #<id>"),
    (re.compile(r"[\s│┃]+"), " "),  # a table's columns: whatever draws them
]


def normalise(line: str, url: str) -> str:
    line = line.replace(url, PAGE_URL)
    for pattern, placeholder in _PLACEHOLDERS:
        line = pattern.sub(placeholder, line)
    return line.strip()


def assert_shows(expected: list[str], output: str, url: str) -> None:
    """Each expected line (but ``...`` and table borders) in ``output``, in order."""
    actual = [normalise(line, url) for line in output.splitlines() if not _BORDER.match(line)]
    position = 0
    for line in expected:
        if line.strip() in ("...", "…") or _BORDER.match(line):
            continue
        wanted = normalise(line, url)
        try:
            position = actual.index(wanted, position) + 1
        except ValueError:
            raise AssertionError(f"the page shows {line!r}; printed:\n{output}") from None
