"""``premiere projects``, ``environments`` and ``services``: the catalogue of a product."""

from __future__ import annotations

from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage
from premiere.cli.output import details, emit_json, say, table


def _show(resource: str, item: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(item)
        return
    details(f"{resource} {item.get('key')}", [(k, v) for k, v in item.items() if k != "key"])


def _update(url: str, changes: dict[str, Any], resource: str, as_json: bool) -> None:
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise BadUsage("nothing to change: give at least one option")
    client = get_obj().client
    current = client.request("GET", url)
    version = current.version if current.version is not None else current.body["version"]
    item = client.patch(url, changes, version)
    if as_json:
        emit_json(item)
    else:
        say(f"Updated {resource} {item['key']} (version {item['version']}).")


# -- projects ----------------------------------------------------------------------------


@click.group()
def projects() -> None:
    """List, show, create and update projects."""


@projects.command("list")
@api_options
@json_option
def projects_list(as_json: bool) -> None:
    """List projects."""
    items = get_obj().client.get(path("projects"))
    if as_json:
        emit_json(items)
        return
    rows = [(p["key"], p.get("name"), p.get("description"), p.get("version")) for p in items]
    table("Projects", ["key", "name", "description", "version"], rows)


@projects.command("get")
@click.argument("key")
@api_options
@json_option
def projects_get(key: str, as_json: bool) -> None:
    """Show project KEY."""
    _show("Project", get_obj().client.get(path("projects", key)), as_json)


@projects.command("create")
@click.argument("key")
@click.option("--name", help="Display name (default: the key).")
@click.option("--description", help="What the project is.")
@api_options
@json_option
def projects_create(key: str, name: str | None, description: str | None, as_json: bool) -> None:
    """Create project KEY (environments are added with `premiere environments create`)."""
    body = {"key": key, "name": name, "description": description}
    item = get_obj().client.post(path("projects"), {k: v for k, v in body.items() if v})
    if as_json:
        emit_json(item)
    else:
        say(f"Created project {item['key']}.")


@projects.command("update")
@click.argument("key")
@click.option("--name", help="New display name.")
@click.option("--description", help="New description.")
@api_options
@json_option
def projects_update(key: str, name: str | None, description: str | None, as_json: bool) -> None:
    """Change the name or description of project KEY."""
    _update(path("projects", key), {"name": name, "description": description}, "project", as_json)


# -- environments ------------------------------------------------------------------------


@click.group()
def environments() -> None:
    """List, show, create and update the environments of a project (in order)."""


@environments.command("list")
@project_option
@api_options
@json_option
def environments_list(as_json: bool) -> None:
    """List the environments of the project, in their order."""
    obj = get_obj()
    items = obj.client.get(path("projects", obj.project_key(), "environments"))
    if as_json:
        emit_json(items)
        return
    rows = [(e["key"], e.get("name"), e.get("position"), e.get("production")) for e in items]
    table("Environments", ["key", "name", "position", "production"], rows)


@environments.command("get")
@click.argument("key")
@project_option
@api_options
@json_option
def environments_get(key: str, as_json: bool) -> None:
    """Show environment KEY."""
    obj = get_obj()
    item = obj.client.get(path("projects", obj.project_key(), "environments", key))
    _show("Environment", item, as_json)


@environments.command("create")
@click.argument("key")
@click.option("--name", help="Display name (default: the key).")
@click.option("--production/--not-production", default=None, help="Whether it serves end users.")
@project_option
@api_options
@json_option
def environments_create(key: str, name: str | None, production: bool | None, as_json: bool) -> None:
    """Create environment KEY after the existing ones."""
    obj = get_obj()
    body: dict[str, Any] = {"key": key}
    if name:
        body["name"] = name
    if production is not None:
        body["production"] = production
    item = obj.client.post(path("projects", obj.project_key(), "environments"), body)
    if as_json:
        emit_json(item)
    else:
        say(f"Created environment {item['key']} in project {obj.project_key()}.")


@environments.command("update")
@click.argument("key")
@click.option("--name", help="New display name.")
@click.option("--position", type=int, help="New position (0 is first); the others move.")
@click.option("--production/--not-production", default=None, help="Whether it serves end users.")
@project_option
@api_options
@json_option
def environments_update(
    key: str, name: str | None, position: int | None, production: bool | None, as_json: bool
) -> None:
    """Rename, reorder or (un)mark environment KEY as production."""
    obj = get_obj()
    url = path("projects", obj.project_key(), "environments", key)
    changes = {"name": name, "position": position, "production": production}
    _update(url, changes, "environment", as_json)


# -- services ----------------------------------------------------------------------------


@click.group()
def services() -> None:
    """List, show, create and update the services (deployable units) of a project."""


@services.command("list")
@project_option
@api_options
@json_option
def services_list(as_json: bool) -> None:
    """List the services of the project."""
    obj = get_obj()
    items = obj.client.get(path("projects", obj.project_key(), "services"))
    if as_json:
        emit_json(items)
        return
    rows = [(s["key"], s.get("name"), s.get("description"), s.get("repository")) for s in items]
    table("Services", ["key", "name", "description", "repository"], rows)


@services.command("get")
@click.argument("key")
@project_option
@api_options
@json_option
def services_get(key: str, as_json: bool) -> None:
    """Show service KEY."""
    obj = get_obj()
    _show("Service", obj.client.get(path("projects", obj.project_key(), "services", key)), as_json)


@services.command("create")
@click.argument("key")
@click.option("--name", help="Display name (default: the key).")
@click.option("--description", help="What the service does.")
@click.option("--repository", help="Where its code lives (a URL).")
@project_option
@api_options
@json_option
def services_create(
    key: str, name: str | None, description: str | None, repository: str | None, as_json: bool
) -> None:
    """Create service KEY."""
    obj = get_obj()
    body = {"key": key, "name": name, "description": description, "repository": repository}
    item = obj.client.post(
        path("projects", obj.project_key(), "services"), {k: v for k, v in body.items() if v}
    )
    if as_json:
        emit_json(item)
    else:
        say(f"Created service {item['key']} in project {obj.project_key()}.")


@services.command("update")
@click.argument("key")
@click.option("--name", help="New display name.")
@click.option("--description", help="New description.")
@click.option("--repository", help="New repository URL.")
@project_option
@api_options
@json_option
def services_update(
    key: str, name: str | None, description: str | None, repository: str | None, as_json: bool
) -> None:
    """Change the name, description or repository of service KEY."""
    obj = get_obj()
    url = path("projects", obj.project_key(), "services", key)
    changes = {"name": name, "description": description, "repository": repository}
    _update(url, changes, "service", as_json)
