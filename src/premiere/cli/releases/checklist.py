"""``premiere releases checklist|tick|untick`` and ``premiere projects checklist-template``:
the go-to-market checklist of a release (docs, support, training...), and the template
each new release of a project gets a copy of.

Required items not done are missing in ``premiere releases readiness``: the release
does not start before they are ticked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from premiere.cli.catalog import projects
from premiere.cli.context import api_options, json_option, project_option
from premiere.cli.output import emit_json, say, table
from premiere.cli.releases.commands import releases
from premiere.cli.releases.remote import project_api
from premiere.cli.releases.spec import load_file

__all__ = ["projects", "releases"]


@releases.command("checklist")
@click.argument("key")
@project_option
@api_options
@json_option
def checklist(key: str, as_json: bool) -> None:
    """Show the go-to-market checklist of release KEY: owners, due dates, who ticked what."""
    view = project_api().get("releases", key, "checklist")
    if as_json:
        emit_json(view)
        return
    show_checklist(view)


@releases.command("tick")
@click.argument("key")
@click.argument("item")
@project_option
@api_options
@json_option
def tick(key: str, item: str, as_json: bool) -> None:
    """Mark checklist ITEM (its key) of release KEY done, as you."""
    _mark(key, item, "tick", as_json)


@releases.command("untick")
@click.argument("key")
@click.argument("item")
@project_option
@api_options
@json_option
def untick(key: str, item: str, as_json: bool) -> None:
    """Mark checklist ITEM (its key) of release KEY not done."""
    _mark(key, item, "untick", as_json)


@projects.group("checklist-template")
def checklist_template() -> None:
    """The go-to-market checklist each new release of a project starts with."""


@checklist_template.command("get")
@project_option
@api_options
@json_option
def template_get(as_json: bool) -> None:
    """Show the project's checklist template."""
    view = project_api().get("checklist-template")
    if as_json:
        emit_json(view)
        return
    _show_template(view)


@checklist_template.command("set")
@click.option(
    "--file",
    "-f",
    "file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help='JSON (or YAML): {"items": [{"title", "owner", "required", "due_days_before"}]}.',
)
@project_option
@api_options
@json_option
def template_set(file: Path, as_json: bool) -> None:
    """Replace the project's checklist template (existing releases keep their checklists)."""
    view = project_api().put("checklist-template", body=load_file(file), version=None)
    if as_json:
        emit_json(view)
        return
    say(f"Checklist template of {view.get('project')}: {len(view.get('items') or [])} items.")


def show_checklist(view: dict[str, Any]) -> None:
    rows = [
        (
            item.get("key"),
            item.get("title"),
            item.get("owner"),
            "yes" if item.get("required") else "",
            (item.get("due_at") or "")[:16].replace("T", " ")
            + (" overdue" if item.get("overdue") else ""),
            _done(item),
        )
        for item in view.get("items") or []
    ]
    if not rows:
        say(f"Release {view.get('release')} has no checklist items.")
        return
    columns = ["item", "title", "owner", "required", "due (UTC)", "done"]
    table(f"Checklist of {view.get('release')}", columns, rows)
    missing = view.get("missing") or []
    if missing:
        say(f"Required, not done: {', '.join(missing)}")


def _done(item: dict[str, Any]) -> str:
    if not item.get("done"):
        return "no"
    by = (item.get("done_by") or {}).get("name")
    return f"by {by} at {(item.get('done_at') or '')[:16].replace('T', ' ')}"


def _mark(key: str, item: str, action: str, as_json: bool) -> None:
    view = project_api().post("releases", key, "checklist", item, action)
    if as_json:
        emit_json(view)
        return
    state = "done" if view.get("done") else "not done"
    say(f"{view.get('title')} ({view.get('key')}) of release {key}: {state}.")


def _show_template(view: dict[str, Any]) -> None:
    rows = [
        (
            item.get("key"),
            item.get("title"),
            item.get("owner"),
            "yes" if item.get("required") else "",
            "" if item.get("due_days_before") is None else f"{item['due_days_before']} days",
        )
        for item in view.get("items") or []
    ]
    if not rows:
        say(f"Project {view.get('project')} has no checklist template.")
        return
    columns = ["item", "title", "owner", "required", "due before start"]
    table(f"Checklist template of {view.get('project')}", columns, rows)
