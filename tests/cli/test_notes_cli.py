"""`premiere notes` against a live server: write, show, list, publish, delete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from .conftest import Cli
from .test_docs import ROOT, _premiere_commands


def _json(result: Result) -> Any:
    return json.loads(result.stdout)


def test_notes__create_from_file_publish_and_delete(run: Cli, tmp_path: Path) -> None:
    # Given a draft release and a Markdown file
    run.ok("releases", "create", "cli-notes", "--env", "staging", "--flag", "dark-mode=true")
    body = tmp_path / "note.md"
    body.write_text("# Dark mode\n\nEasy on the **eyes**.\n", encoding="utf-8")
    # When a note is written from it, with a link and internal notes
    created = run.ok(
        "notes", "create", "cli-notes", "--title", "Dark mode", "--category", "new",
        "--body-file", str(body), "--link", "Docs=https://docs.example.com/dark",
        "--internal", "Tell support: Settings > Theme", "--json",
    )  # fmt: skip
    note = _json(created)
    # Then it is stored as written, a draft, linked to the release's flag
    assert note["body"] == body.read_text(encoding="utf-8")
    assert (note["state"], note["features"]) == ("draft", ["dark-mode"])
    assert note["links"] == [{"label": "Docs", "url": "https://docs.example.com/dark"}]
    shown = run.ok("notes", "get", "cli-notes", str(note["id"])).stdout
    assert "Dark mode" in shown and "Settings > Theme" in shown and "Easy on the **eyes**" in shown
    listed = run.ok("notes", "list", "--release", "cli-notes").stdout
    assert "Dark mode" in listed and "draft" in listed

    # When it is edited, published, then listed across releases
    run.ok("notes", "update", "cli-notes", str(note["id"]), "--category", "improved")
    assert "published" in run.ok("notes", "publish", "cli-notes", str(note["id"])).stdout
    page = _json(run.ok("notes", "list", "--state", "published", "--json"))
    mine = [(n["id"], n["category"]) for n in page["items"] if n["release"] == "cli-notes"]
    assert mine == [(note["id"], "improved")]
    assert "draft" in run.ok("notes", "unpublish", "cli-notes", str(note["id"])).stdout

    # When it is deleted, it is gone
    run.ok("notes", "delete", "cli-notes", str(note["id"]))
    assert _json(run.ok("notes", "list", "--release", "cli-notes", "--json")) == []


def test_notes__bad_link__refused_naming_the_field(run: Cli) -> None:
    run.ok("releases", "create", "cli-notes-bad", "--env", "staging", "--flag", "dark-mode=true")

    refused = run(
        "notes", "create", "cli-notes-bad", "--title", "x", "--link", "Evil=javascript:alert(1)"
    )

    assert refused.exit_code != 0 and "links[0].url" in refused.stderr
    assert _json(run.ok("notes", "list", "--release", "cli-notes-bad", "--json")) == []


def test_notes__link_without_label__bad_usage(run: Cli) -> None:
    refused = run("notes", "create", "any", "--title", "x", "--link", "https://example.com")

    assert refused.exit_code == 2 and "LABEL=URL" in refused.stderr


def test_communication_md__cli_examples__work_in_order(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the page's commands and the Markdown file its create reads
    text = (ROOT / "docs" / "communication.md").read_text(encoding="utf-8")
    commands = _premiere_commands(text)
    assert [args[:2] for args in commands][:2] == [["notes", "list"], ["notes", "create"]]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("They learn from what you **viewed**.\n", encoding="utf-8")
    # When each runs in order, ID standing for the note the create made
    note_id = ""
    for args in commands:
        result = run.ok(*[note_id if word == "ID" else word for word in args])
        if args[:2] == ["notes", "create"]:
            note_id = result.stdout.split()[2]
        if args[:2] == ["notes", "publish"]:
            assert "is published" in result.stdout
    # Then the note went through its life and is gone
    listed = _json(run.ok("notes", "list", "--release", "recommendations-v2", "--json"))
    assert note_id.isdigit() and int(note_id) not in [n["id"] for n in listed]
