"""docs/releases-walkthrough.md, followed as a reader would: a server started the way
the page says, every command of the page in order, and what each block prints compared
with the output the page shows. The stages advance by hand, so nothing here waits for
a clock: the page tells the reader every step that moves the release."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import NO_PREMIERE_ENV, Cli
from .guide_runner import Reader, Served, page_blocks, serve

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "releases-walkthrough.md"
RELEASE = "checkout-refresh"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(tmp_path, "--demo") as server:
        yield server


def test_walkthrough_page__steps__start_the_server_and_move_the_release_by_hand() -> None:
    steps = [step.words for block in page_blocks(PAGE.read_text(encoding="utf-8"))
             for step in block.steps]  # fmt: skip
    assert steps[0] == ["premiere", "serve", "--demo"]
    # every stage waits for the reader: the plan advances manually, nothing else moves it
    create = next(words for words in steps if words[1:3] == ["releases", "create"])
    assert create[create.index("--advance") + 1] == "manual"
    assert "--hold" not in create
    assert not any(words[1:3] == ["releases", "watch"] for words in steps)
    # and the page shows what each block prints (a block of `export`s prints nothing)
    for block in page_blocks(PAGE.read_text(encoding="utf-8")):
        if any(step.words[:1] != ["export"] for step in block.steps):
            assert block.expected, [step.line for step in block.steps]


@pytest.mark.slow
def test_walkthrough__every_command_in_order__prints_what_the_page_shows(
    served: Served, tmp_path: Path
) -> None:
    # When every command of the page runs in order (each block printing what the page shows)
    reader = Reader(served)
    reader.run_page(PAGE)
    run = Cli({**NO_PREMIERE_ENV, "PREMIERE_URL": served.url, "PREMIERE_TOKEN": served.token})

    # Then the release was blocked until the deployment was verified, then until
    # approved, then until support was briefed (the demo's checklist template)
    readiness = reader.outputs("premiere", "releases", "readiness")
    assert len(readiness) == 5
    briefed = (
        "  - checklist: Support briefed (support-briefed; owner support@acme.example) not done"
    )
    for text in readiness[:2]:  # defined; deployment in progress
        assert "deployment: flag one-click-checkout needs a verified deployment" in text
        assert "deployment: flag saved-carts needs a verified deployment" in text
        assert "approvals: 1 needed, 0 valid" in text
        assert briefed in text.splitlines()
    assert readiness[2].splitlines()[1:] == ["  - approvals: 1 needed, 0 valid", briefed]
    assert readiness[3].splitlines()[1:] == [briefed]
    assert readiness[4].strip() == f"Release {RELEASE} is ready."
    checklist = json.loads(run.ok("releases", "checklist", RELEASE, "--json").stdout)
    done = {item["key"]: item["done"] for item in checklist["items"]}
    assert done == {"docs-published": False, "support-briefed": True,
                    "announcement-approved": False}  # fmt: skip
    # and approved by the second token
    approvals = json.loads(run.ok("releases", "approvals", RELEASE, "--json").stdout)
    assert [(a["approver"]["name"], a["void"]) for a in approvals] == [("release-manager", False)]

    # and it moved only when the reader said so: started, advanced twice, paused (an
    # advance refused meanwhile), resumed, rolled back, each by the admin token
    history = json.loads(run.ok("releases", "history", RELEASE, "--json").stdout)
    moves = [(t["from"], t["to"], t["stage"], t["actor"]["kind"]) for t in history]
    assert moves == [
        ("draft", "rolling_out", 0, "token"),
        ("rolling_out", "rolling_out", 1, "token"),
        ("rolling_out", "rolling_out", 2, "token"),
        ("rolling_out", "paused", 2, "token"),
        ("paused", "rolling_out", 2, "token"),
        ("rolling_out", "rolled_back", 2, "token"),
    ]
    assert history[-1]["reason"] == "Checkout errors up in one region"

    # and the rollback gave the flags back what they had: off, no release rules
    for flag in ("one-click-checkout", "saved-carts"):
        config = json.loads(run.ok("flags", "get", flag, "--json").stdout)["environments"]
        assert config["production"]["on"] is False
        assert config["production"]["rules"] == []

    # and every step is in the audit log
    audit = reader.outputs("premiere", "audit", "list")
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
    assert "support-briefed" in run.ok("releases", "readiness", "checkout-refresh-file").stdout
