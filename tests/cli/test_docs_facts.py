"""Facts the prose documentation states about the code: ports, counts, exit codes,
runnable snippets, install instructions."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from premiere.api.app import create_app
from premiere.cli.deployments.run import COMMAND_NOT_FOUND, COMMAND_NOT_RUNNABLE
from premiere.cli.exits import CONFLICT, error_for
from premiere.cli.server.demo import FLAGS
from premiere.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen"]  # fmt: skip


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_docs__local_server_urls__use_the_default_port(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    ports = re.findall(r"(?:127\.0\.0\.1|localhost):(\d+)", text)
    assert all(int(port) == Settings().port for port in ports), f"{page.name}: {ports}"


def _undefined_names(source: str) -> set[str]:
    """Names a snippet reads without importing, assigning or getting them from builtins."""
    tree = ast.parse(source)
    bound = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound
    }


def test_readme__python_snippets__define_every_name_they_use() -> None:
    snippets = re.findall(r"```python\n(.*?)```", _read("README.md"), re.DOTALL)
    assert snippets
    for snippet in snippets:
        compile(snippet, "README.md", "exec")
        assert not _undefined_names(snippet), snippet


def test_readme__sdk_token__exported_for_the_python_snippet() -> None:
    text = _read("README.md")
    assert "export SDK_TOKEN=$(premiere tokens create" in text
    assert 'os.environ["SDK_TOKEN"]' in text


def test_quickstart__demo_flag_counts__match_the_demo() -> None:
    active = sum(not flag.archived for flag in FLAGS)
    archived = sum(flag.archived for flag in FLAGS)
    text = " ".join(_read("docs/quickstart.md").split())
    article = "an" if archived == 1 else NUMBERS[archived]
    assert f"{NUMBERS[active]} flags and {article} archived" in text


def test_sdk_md__server_extra__names_no_web_ui_as_part_of_it() -> None:
    text = " ".join(_read("docs/sdk.md").split())
    assert "the web UI)" not in text
    assert "There is no web UI" in text


def test_cli_md__exit_codes__name_not_started_and_invalid_state() -> None:
    text = _read("docs/cli.md")
    assert f"| {COMMAND_NOT_FOUND}, {COMMAND_NOT_RUNNABLE} |" in text
    assert "1 if it could not be started" not in text
    assert error_for("invalid_state", "no").exit_code == CONFLICT
    assert re.search(rf"^\| {CONFLICT} \| .*invalid state change", text, re.MULTILINE)


def test_openapi_description__names_every_part_of_the_api() -> None:
    description = create_app(Settings()).openapi()["info"]["description"]
    for part in ("deployment", "releases", "OFREP"):
        assert part in description


def test_pipelines_md__install__works_from_the_index_a_git_url_or_a_path() -> None:
    text = _read("docs/pipelines.md")
    sources = re.findall(r"^\| `(\S*premiere\[server\][^`]*)` \|", text, re.MULTILINE)
    paths = [s for s in sources if s.startswith("./")]
    requirements = [Requirement(s) for s in sources if not s.startswith("./")]
    assert paths and all(s.endswith("[server]") for s in paths)
    assert all((r.name, r.extras) == ("premiere", {"server"}) for r in requirements)
    assert {(r.url or "index").split("+")[0] for r in requirements} == {"index", "git"}
    assert "pip install 'premiere[server]'" not in text
    assert text.count('pip install "$PREMIERE_PIP"') >= 3
