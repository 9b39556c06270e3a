"""``premiere audit``: who changed what, and when."""

from __future__ import annotations

from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option
from premiere.cli.output import emit_json, say, short_time, table


@click.group()
def audit() -> None:
    """Read the audit log: every change, with who made it and when."""


@audit.command("list")
@click.option("--project", "-p", help="Only this project's events.")
@click.option("--flag", help="Only this flag's events (its configuration changes included).")
@click.option("--resource-type", help="Only events about this kind of resource, e.g. segment.")
@click.option("--resource-key", help="Only events about the resource with this key.")
@click.option("--actor", help="Only events by this actor (id or name).")
@click.option("--action", help="Only this action, e.g. flag_config.updated.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--cursor", help="Continue where the previous page ended.")
@api_options
@json_option
def audit_list(
    project: str | None,
    flag: str | None,
    resource_type: str | None,
    resource_key: str | None,
    actor: str | None,
    action: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List audit events, newest first."""
    if flag:
        resource_type, resource_key = "flag", flag
    params: dict[str, Any] = {
        "project": project, "resource_type": resource_type, "resource_key": resource_key,
        "actor": actor, "action": action, "limit": limit, "cursor": cursor,
    }  # fmt: skip
    page = get_obj().client.get(path("audit"), params)
    if as_json:
        emit_json(page)
        return
    rows = [
        (short_time(e.get("at")), (e.get("actor") or {}).get("name"), e.get("action"),
         e.get("project"), e.get("resource_key"), e.get("environment"), _changed(e))
        for e in page.get("items", [])
    ]  # fmt: skip
    columns = ["at (UTC)", "actor", "action", "project", "resource", "environment", "changed"]
    table("Audit events", columns, rows)
    if page.get("next_cursor"):
        say(f"More: add --cursor {page['next_cursor']}")


IGNORED = frozenset({"version", "updated_at", "created_at", "last_used_at"})


def _changed(event: dict[str, Any]) -> str:
    """The top-level fields an update changed (``on, rules``); empty for creations."""
    before, after = event.get("before"), event.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ""
    keys = sorted((before.keys() | after.keys()) - IGNORED)
    return ", ".join(k for k in keys if before.get(k) != after.get(k))
