"""docs/own-project.md, followed as a reader would: `premiere serve` on an empty
database, every command of the page in order, and what each block prints compared
with the output the page shows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import NO_PREMIERE_ENV, Cli
from .guide_runner import Reader, Served, page_blocks, serve

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "own-project.md"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(tmp_path) as server:
        yield server


def test_own_project_page__is_linked__from_the_readme_and_the_quickstart_end() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/own-project.md)" in readme
    quickstart = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    where_next = quickstart[quickstart.index("## Where next") :]
    assert "(own-project.md)" in where_next


def test_own_project_page__steps__start_an_empty_server_and_deploy_with_the_ci_token() -> None:
    steps = [step for block in page_blocks(PAGE.read_text(encoding="utf-8"))
             for step in block.steps]  # fmt: skip
    assert steps[0].words == ["premiere", "serve"]  # no demo: an empty database
    deploys = [step for step in steps if step.words[1:3] == ["deploy", "run"]]
    assert deploys and all(step.env == {"PREMIERE_TOKEN": "$CI_TOKEN"} for step in deploys)
    # and the page shows what each block prints (a block of `export`s prints nothing)
    for block in page_blocks(PAGE.read_text(encoding="utf-8")):
        if any(step.words[:1] != ["export"] for step in block.steps):
            assert block.expected, [step.line for step in block.steps]


@pytest.mark.slow
def test_own_project__every_command_in_order__prints_what_the_page_shows(
    served: Served,
) -> None:
    # When every command of the page runs in order (each block printing what the page shows)
    reader = Reader(served)
    reader.run_page(PAGE)
    run = Cli({**NO_PREMIERE_ENV, "PREMIERE_URL": served.url, "PREMIERE_TOKEN": served.token})

    # Then the project has its environments in order, with their policies
    environments = json.loads(run.ok("environments", "list", "--json").stdout)
    assert [(e["key"], e["production"]) for e in environments] == [
        ("development", False), ("staging", False), ("production", True),
    ]  # fmt: skip
    auth = {"Authorization": f"Bearer {served.token}"}
    for environment, required in (("development", False), ("staging", True),
                                  ("production", True)):  # fmt: skip
        url = f"{served.url}/api/v1/projects/shop/environments/{environment}/policy"
        policy = httpx.get(url, headers=auth).json()
        assert policy["require_verified_in_previous"] is required, environment
    # and the deployments came from the CI token: one refused by production's policy
    deployments = json.loads(run.ok("deployments", "list", "--json").stdout)["items"]
    assert sorted((d["environment"], d["status"]) for d in deployments) == [
        ("development", "succeeded"), ("production", "succeeded"), ("staging", "succeeded"),
    ]  # fmt: skip
    assert {d["actor"]["name"] for d in deployments} == {"ci"}
    assert {d["verified"] for d in deployments} == {True}
    # and the tokens have the scopes the page gives them
    tokens = json.loads(run.ok("tokens", "list", "--json").stdout)
    scopes = {t["name"]: t["scope"] for t in tokens}
    assert scopes["ci"] == "deploy" and scopes["shop-api"] == "sdk-server"
    # and the release is complete: the flag serves true to everyone in production
    release = json.loads(run.ok("releases", "get", "new-search", "--json").stdout)
    assert release["state"] == "released"
    config = json.loads(run.ok("flags", "get", "new-search", "--json").stdout)["environments"]
    assert config["production"]["on"] is True
    # and the application's SDK saw it
    assert reader.outputs("python", "app.py") == ["True\n"]
    assert re.fullmatch(r"prm_[0-9a-f]{16}_\S+", reader.variables["SDK_TOKEN"])
