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
    if all(v is None for v in changes.values()):
        raise BadUsage("nothing to change: give at least one option")
    item = _patch(url, changes)
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
    """Show environment KEY, with its deployment policy (--json: under "policy")."""
    obj = get_obj()
    url = path("projects", obj.project_key(), "environments", key)
    item = obj.client.get(url)
    policy = obj.client.get(url + "/policy")
    if as_json:
        emit_json({**item, "policy": policy})
        return
    pairs = [(k, v) for k, v in item.items() if k != "key"]
    pairs += [(name, policy.get(name)) for name in POLICY_FIELDS]
    details(f"Environment {item.get('key')}", pairs)


# The environment's deployment policy (GET/PUT .../environments/{environment}/policy).
POLICY_FIELDS = ("require_verified_in_previous",)


FLAG_ROLES = ("viewer", "engineer", "release_manager", "admin", "default")
FLAG_ROLE_HELP = (
    "The least role that changes flags here; default: release_manager in production, "
    "engineer elsewhere."
)


@environments.command("create")
@click.argument("key")
@click.option("--name", help="Display name (default: the key).")
@click.option("--production/--not-production", default=None, help="Whether it serves end users.")
@click.option("--flag-role", type=click.Choice(FLAG_ROLES), help=FLAG_ROLE_HELP)
@project_option
@api_options
@json_option
def environments_create(
    key: str, name: str | None, production: bool | None, flag_role: str | None, as_json: bool
) -> None:
    """Create environment KEY after the existing ones."""
    obj = get_obj()
    body: dict[str, Any] = {"key": key}
    if name:
        body["name"] = name
    if production is not None:
        body["production"] = production
    if flag_role and flag_role != "default":
        body["flag_role"] = flag_role
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
@click.option("--flag-role", type=click.Choice(FLAG_ROLES), help=FLAG_ROLE_HELP)
@click.option(
    "--require-verified-in-previous/--no-require-verified-in-previous",
    "require_verified",
    default=None,
    help="Policy: deploy here only versions verified in the environment before this one.",
)
@project_option
@api_options
@json_option
def environments_update(
    key: str,
    name: str | None,
    position: int | None,
    production: bool | None,
    flag_role: str | None,
    require_verified: bool | None,
    as_json: bool,
) -> None:
    """Rename, reorder or (un)mark environment KEY as production, or set its policy.

    --flag-role names the least role that changes flags here; `default` restores
    release_manager in production and engineer elsewhere.

    The policy --require-verified-in-previous refuses to record or promote a deployment
    here unless the same service and version succeeded, verified, in the environment
    before this one (rollbacks are never refused).
    """
    obj = get_obj()
    url = path("projects", obj.project_key(), "environments", key)
    changes = {"name": name, "position": position, "production": production}
    changes["flag_role"] = flag_role
    if require_verified is None:
        _update(url, changes, "environment", as_json)
        return
    item = _patch(url, changes) if any(v is not None for v in changes.values()) else None
    policy = _put_policy(url + "/policy", {"require_verified_in_previous": require_verified})
    if as_json:
        emit_json({**(item or obj.client.get(url)), "policy": policy})
        return
    if item is not None:
        say(f"Updated environment {item['key']} (version {item['version']}).")
    rule = "requires" if policy["require_verified_in_previous"] else "does not require"
    say(
        f"Environment {policy['environment']} {rule} versions verified in the previous "
        f"environment (policy version {policy['version']})."
    )


def _patch(url: str, changes: dict[str, Any]) -> dict[str, Any]:
    """PATCH the changes given, at the version just read."""
    given = {k: v for k, v in changes.items() if v is not None}
    if given.get("flag_role") == "default":  # the environment's default role
        given["flag_role"] = None
    item: dict[str, Any] = get_obj().client.patch(url, given, _version_now(url))
    return item


def _put_policy(url: str, policy: dict[str, Any]) -> dict[str, Any]:
    """PUT the environment's policy, at the version just read."""
    item: dict[str, Any] = get_obj().client.put(url, policy, _version_now(url))
    return item


def _version_now(url: str) -> int:
    current = get_obj().client.request("GET", url)
    return int(current.version if current.version is not None else current.body["version"])


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
