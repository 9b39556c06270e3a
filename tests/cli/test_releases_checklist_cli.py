"""`premiere releases checklist|tick|untick` and `premiere projects checklist-template`
against a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Cli

TEMPLATE = {
    "items": [
        {"title": "Docs published", "owner": "docs@example.com", "required": True},
        {"key": "support", "title": "Support briefed", "owner": "Sam", "due_days_before": 2},
    ]
}


@pytest.fixture
def template(run: Cli, tmp_path: Path) -> Iterator[Path]:
    """The demo project's template set from a file; the demo's own put back afterwards
    (the server is shared by other tests)."""
    seeded = json.loads(run.ok("projects", "checklist-template", "get", "--json").stdout)
    file = tmp_path / "template.json"
    file.write_text(json.dumps(TEMPLATE))
    run.ok("projects", "checklist-template", "set", "--file", str(file))
    yield file
    file.write_text(json.dumps({"items": seeded["items"]}))
    run.ok("projects", "checklist-template", "set", "--file", str(file))


def test_checklist_template__set_then_get__shows_items(run: Cli, template: Path) -> None:
    shown = run.ok("projects", "checklist-template", "get").stdout

    assert "Docs published" in shown and "docs@example.com" in shown and "2 days" in shown


def test_releases_tick__required_item__readiness_then_ready(run: Cli, template: Path) -> None:
    # Given a release whose checklist came from the template
    run.ok("releases", "create", "cli-gtm", "--env", "production", "--flag", "dark-mode=true")
    readiness = run("releases", "readiness", "cli-gtm", "--exit-code")
    assert readiness.exit_code == 1
    assert (
        "  - checklist: Docs published (docs-published; owner docs@example.com) not done"
        in readiness.stdout.splitlines()
    )
    assert "Docs published" in run("releases", "start", "cli-gtm").stderr
    # When the required item is ticked
    ticked = run.ok("releases", "tick", "cli-gtm", "docs-published")
    # Then the checklist shows who ticked it, and nothing is missing
    assert "Docs published (docs-published) of release cli-gtm: done." in ticked.stdout
    listed = run.ok("releases", "checklist", "cli-gtm").stdout
    assert "by " in listed and "Required, not done" not in listed
    assert "checklist" not in run("releases", "readiness", "cli-gtm").stdout
    # and unticking makes it missing again
    run.ok("releases", "untick", "cli-gtm", "docs-published")
    data = json.loads(run.ok("releases", "checklist", "cli-gtm", "--json").stdout)
    assert data["missing"] == ["docs-published"]


def test_checklist_template_set__owner_missing__refused_naming_field(
    run: Cli, tmp_path: Path
) -> None:
    file = tmp_path / "bad.json"
    file.write_text(json.dumps({"items": [{"title": "Docs published"}]}))

    result = run("projects", "checklist-template", "set", "--file", str(file))

    assert result.exit_code != 0
    assert "items[0].owner" in result.stderr
