"""docs/releases-walkthrough.md, run command by command against a live server whose
scheduler advances the stages: what the page promises is what happens."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import Result

from premiere.api.app import create_app
from premiere.cli.server.demo import seed_demo
from premiere.cli.server.worker import INTERVAL_VARIABLE, background_scheduler
from premiere.services.tokens import ensure_admin_token
from premiere.settings import Settings
from premiere.store import Store

from .conftest import ADMIN_TOKEN, NO_PREMIERE_ENV, Cli, _ThreadedServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "releases-walkthrough.md"
RELEASE = "checkout-refresh"


@dataclass
class Step:
    """One `premiere ...` line of the page: its arguments, VAR=value prefixes, and the
    variable its output is assigned to (``VAR=$(premiere ...)``)."""

    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    capture: str | None = None


def page_steps(text: str) -> list[Step]:
    steps = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            capture = None
            assigned = re.fullmatch(r"(\w+)=\$\((.*)\)", line)
            if assigned:
                capture, line = assigned.group(1), assigned.group(2)
            words = shlex.split(line)
            env = {}
            while words and re.fullmatch(r"\w+=.*", words[0]):
                name, _, value = words.pop(0).partition("=")
                env[name] = value
            assert words[:1] == ["premiere"], f"not a premiere command: {line}"
            steps.append(Step(words[1:], env, capture))
    return steps


@pytest.fixture
def walkthrough_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server with the demo project and, as `premiere serve` runs it, the scheduler
    (ticking five times a second)."""
    monkeypatch.setenv(INTERVAL_VARIABLE, "0.2")
    database_url = f"sqlite:///{tmp_path / 'premiere.db'}"
    store = Store.open(database_url)
    ensure_admin_token(store, ADMIN_TOKEN)
    seed_demo(store)
    port = free_port()
    settings = Settings(database_url=database_url, port=port, admin_token=ADMIN_TOKEN)
    server = _ThreadedServer(create_app(settings, store), port)
    with background_scheduler(store) as scheduler:
        assert scheduler is not None and scheduler.interval == 0.2
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()
    store.close()


def run_page(url: str) -> list[tuple[Step, Result]]:
    """Every step of the page in order; each must exit 0. Returns the steps with results."""
    run = Cli({**NO_PREMIERE_ENV, "PREMIERE_URL": url, "PREMIERE_TOKEN": ADMIN_TOKEN})
    variables: dict[str, str] = {}

    def expand(word: str) -> str:
        return re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], word)

    done = []
    for step in page_steps(PAGE.read_text(encoding="utf-8")):
        args = [expand(word) for word in step.args]
        env = {name: expand(value) for name, value in step.env.items()}
        result = run(*args, **env)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        if step.capture:
            variables[step.capture] = result.stdout.strip()
        done.append((step, result))
    return done


def outputs(done: list[tuple[Step, Result]], *prefix: str) -> list[str]:
    return [result.stdout for step, result in done if step.args[: len(prefix)] == list(prefix)]


@pytest.mark.slow
def test_walkthrough__every_command_in_order__does_what_the_page_says(
    walkthrough_server: str, tmp_path: Path
) -> None:
    # When every command of the page runs in order
    done = run_page(walkthrough_server)
    run = Cli({**NO_PREMIERE_ENV, "PREMIERE_URL": walkthrough_server,
               "PREMIERE_TOKEN": ADMIN_TOKEN})  # fmt: skip

    # Then the release was blocked until the deployment was verified, then until approved
    readiness = outputs(done, "releases", "readiness")
    assert len(readiness) == 4
    for text in readiness[:2]:  # defined; deployment in progress
        assert "deployment: flag one-click-checkout needs a verified deployment" in text
        assert "deployment: flag saved-carts needs a verified deployment" in text
        assert "approvals: 1 needed, 0 valid" in text
    assert readiness[2].splitlines()[1:] == ["  - approvals: 1 needed, 0 valid"]
    assert readiness[3].strip() == f"Release {RELEASE} is ready."
    # and approved by the second token
    approvals = json.loads(run.ok("releases", "approvals", RELEASE, "--json").stdout)
    assert [(a["approver"]["name"], a["void"]) for a in approvals] == [("release-manager", False)]

    # and the scheduler took it from stage to stage until the watch stopped at 50 %
    watched = outputs(done, "releases", "watch")[0].strip().splitlines()
    assert [text.split("  ")[2] for text in watched] == [
        "stage 1/4 (staff)", "stage 2/4 (10%)", "stage 3/4 (50%)",
    ]  # fmt: skip
    history = json.loads(run.ok("releases", "history", RELEASE, "--json").stdout)
    moves = [(t["from"], t["to"], t["stage"], t["actor"]["kind"]) for t in history]
    assert moves[:3] == [
        ("draft", "rolling_out", 0, "token"),
        ("rolling_out", "rolling_out", 1, "system"),
        ("rolling_out", "rolling_out", 2, "system"),
    ]
    # and was paused, resumed and rolled back by hand at that stage
    assert [(m[1], m[3]) for m in moves[-3:]] == [
        ("paused", "token"), ("rolling_out", "token"), ("rolled_back", "token"),
    ]  # fmt: skip
    assert history[-1]["reason"] == "Checkout errors up in one region"

    # and the rollback gave the flags back what they had: off, no release rules
    for flag in ("one-click-checkout", "saved-carts"):
        config = json.loads(run.ok("flags", "get", flag, "--json").stdout)["environments"]
        assert config["production"]["on"] is False
        assert config["production"]["rules"] == []

    # and every step is in the audit log
    audit = outputs(done, "audit", "list")
    for action in ("created", "approved", "started", "advanced", "paused", "resumed",
                   "rolled_back"):  # fmt: skip
        assert f"release.{action}" in audit[0], action
    assert audit[0].count("release.advanced") == 2
    changes = [line for line in audit[1].splitlines() if "flag_config.updated" in line]
    assert len(changes) >= 6
    assert {"one-click-checkout", "saved-carts"} <= {w for c in changes for w in c.split()}

    # and the page's definition file describes the same release
    block = re.search(r"```json\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    file = tmp_path / "checkout-refresh.json"
    file.write_text(block.group(1), encoding="utf-8")
    run.ok("releases", "create", "checkout-refresh-file", "--file", str(file))
    from_file = json.loads(run.ok("releases", "get", "checkout-refresh-file", "--json").stdout)
    assert [(f["flag"], f["variation"]) for f in from_file["features"]] == [
        ("one-click-checkout", 0), ("saved-carts", 0),
    ]  # fmt: skip
    stages = from_file["plan"]["stages"]
    assert [(s["hold_seconds"], s["advance"]) for s in stages] == [
        (3600, "auto"), (14400, "auto"), (86400, "manual"), (0, "auto"),
    ]  # fmt: skip
    assert "approvals: 1 needed" in run.ok("releases", "readiness", "checkout-refresh-file").stdout
