"""``premiere timeline``: what happened in a project, newest first."""

from __future__ import annotations

from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import (
    api_options,
    environment_option,
    get_obj,
    json_option,
    known_environment,
    project_option,
)
from premiere.cli.output import emit_json, say, short_time, table

CATEGORIES = ("deployment", "flag", "release", "guard", "approval", "note", "incident", "other")


@click.command("timeline")
@click.option(
    "--category",
    "-c",
    "categories",
    multiple=True,
    type=click.Choice(CATEGORIES),
    help="Only this category (repeatable: either).",
)
@environment_option(help="Only this environment's items.")
@click.option("--service", "-s", help="Only what concerns this service (its deployments).")
@click.option("--actor", help="Only what this actor (id or name) did.")
@click.option("--since", help="Items at or after this RFC 3339 date-time (UTC if no offset).")
@click.option("--until", help="Items before this RFC 3339 date-time.")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--cursor", help="Continue where the previous page ended.")
@project_option
@api_options
@json_option
def timeline(
    categories: tuple[str, ...],
    environment: str | None,
    service: str | None,
    actor: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """Show what happened in a project: deployments, flags, releases, guards, notes.

    One line per item, newest first: when, its category, what happened, who did it
    and where. The same items as the console's timeline page.
    """
    obj = get_obj()
    params: dict[str, Any] = {
        "category": list(categories), "environment": environment, "service": service,
        "actor": actor, "since": since, "until": until, "limit": limit, "cursor": cursor,
    }  # fmt: skip
    page = obj.client.get(path("projects", obj.project_key(), "timeline"), params)
    known_environment(environment, page.get("items"))
    if as_json:
        emit_json(page)
        return
    rows = [
        (short_time(i.get("at")), i.get("category"), i.get("title"),
         (i.get("actor") or {}).get("name"), i.get("environment"))
        for i in page.get("items", [])
    ]  # fmt: skip
    columns = ["at (UTC)", "category", "what happened", "by", "environment"]
    table("Timeline", columns, rows, optional=["environment", "by"])
    if page.get("next_cursor"):
        say(f"More: add --cursor {page['next_cursor']}")
