"""``premiere flags``: list, show, create, change, archive and evaluate flags.

The commands about one environment's configuration are in :mod:`.configs`.
"""

from __future__ import annotations

import json
from typing import Any

import click

from premiere.cli.aliases import AliasedGroup
from premiere.cli.client import path
from premiere.cli.context import (
    api_options,
    environment_option,
    get_obj,
    json_option,
    project_option,
)
from premiere.cli.exits import BadUsage, CliError
from premiere.cli.flags.syntax import read_json, variation_index
from premiere.cli.flags.views import (
    show_config,
    show_evaluation,
    show_flag,
    show_flag_deployments,
    show_flag_list,
)
from premiere.cli.output import emit_json, say

KINDS = ("boolean", "string", "number", "json")

env_option = environment_option(required=True)


@click.group(cls=AliasedGroup, aliases={"eval": "evaluate"})
def flags() -> None:
    """Create, change, target and evaluate feature flags.

    A variation is given by its value (true, green, 100) or name; #1 is the variation
    at index 1. Percentages are 10%, 10 or 12.5%.
    """


def flag_url(*rest: str) -> str:
    obj = get_obj()
    return path("projects", obj.project_key(), "flags", *rest)


def config_url(key: str, environment: str) -> str:
    return flag_url(key, "environments", environment)


# -- reading -----------------------------------------------------------------------------


@flags.command("list")
@click.option("--tag", help="Only flags with this tag.")
@click.option("--query", "-q", help="Only flags with this text in the key, name or description.")
@click.option("--archived", is_flag=True, help="Include archived flags.")
@project_option
@api_options
@json_option
def flags_list(tag: str | None, query: str | None, archived: bool, as_json: bool) -> None:
    """List flags, with whether each is on in each environment."""
    params = {"tag": tag, "q": query, "archived": "true" if archived else None}
    items = get_obj().client.get(flag_url(), params)
    if as_json:
        emit_json(items)
    else:
        show_flag_list(items)


@flags.command("get")
@click.argument("key")
@environment_option(help="Show this environment's configuration only.")
@project_option
@api_options
@json_option
def flags_get(key: str, environment: str | None, as_json: bool) -> None:
    """Show flag KEY: variations and, per environment, its targets, rules and fallthrough."""
    client = get_obj().client
    flag = client.get(flag_url(key))
    if environment is not None:
        config = client.get(config_url(key, environment))
        emit_json(config) if as_json else show_config(flag, config, _flag_or_none)
    elif as_json:
        emit_json(flag)
    else:
        show_flag(flag)


def _flag_or_none(key: str) -> dict[str, Any] | None:
    try:
        flag: dict[str, Any] = get_obj().client.get(flag_url(key))
    except CliError:
        return None
    return flag


# -- creating and editing the flag itself -------------------------------------------------


@flags.command("create")
@click.argument("key")
@click.option("--kind", type=click.Choice(KINDS), default="boolean", show_default=True)
@click.option(
    "--variation",
    "values",
    multiple=True,
    help="A variation's value (repeat, in order); JSON for kind json. "
    "Default for boolean: true, false.",
)
@click.option("--name", help="Display name.")
@click.option("--description", help="What the flag controls.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--client-visible", is_flag=True, help="Let sdk-client (browser) tokens see it.")
@click.option(
    "--on-variation", help="Value served when on and nothing else matches. [default: the first]"
)
@click.option("--off-variation", help="Value served when off. [default: the last variation]")
@project_option
@api_options
@json_option
def flags_create(
    key: str,
    kind: str,
    values: tuple[str, ...],
    name: str | None,
    description: str | None,
    tags: tuple[str, ...],
    client_visible: bool,
    on_variation: str | None,
    off_variation: str | None,
    as_json: bool,
) -> None:
    """Create flag KEY; it starts off in every environment."""
    variations = [{"value": _typed_value(kind, v)} for v in values]
    if not variations and kind != "boolean":
        raise BadUsage(f"a {kind} flag needs its variations: --variation VALUE (repeat)")
    body: dict[str, Any] = {"key": key, "kind": kind, "client_visible": client_visible}
    if variations:
        body["variations"] = variations
    known = variations or [{"value": True}, {"value": False}]
    if on_variation is not None:
        body["on_variation"] = variation_index(known, on_variation, "--on-variation")
    if off_variation is not None:
        body["off_variation"] = variation_index(known, off_variation, "--off-variation")
    body |= {k: v for k, v in {"name": name, "description": description}.items() if v}
    if tags:
        body["tags"] = list(tags)
    flag = get_obj().client.post(flag_url(), body)
    if as_json:
        emit_json(flag)
    else:
        say(f"Created {flag['kind']} flag {flag['key']}; it is off in every environment.")


def _typed_value(kind: str, text: str) -> Any:
    try:
        if kind == "string":
            return text
        if kind == "boolean":
            return {"true": True, "false": False}[text.lower()]
        value = json.loads(text)
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError
        return value
    except (ValueError, KeyError):
        raise BadUsage(f"--variation {text!r}: not a valid {kind} value") from None


@flags.command("update")
@click.argument("key")
@click.option("--name", help="New display name.")
@click.option("--description", help="New description.")
@click.option("--tag", "tags", multiple=True, help="Replace the tags (repeatable).")
@click.option("--client-visible/--server-only", default=None, help="Who may see the flag.")
@project_option
@api_options
@json_option
def flags_update(
    key: str,
    name: str | None,
    description: str | None,
    tags: tuple[str, ...],
    client_visible: bool | None,
    as_json: bool,
) -> None:
    """Change the name, description, tags or visibility of flag KEY."""
    changes: dict[str, Any] = {
        k: v
        for k, v in {
            "name": name,
            "description": description,
            "client_visible": client_visible,
        }.items()
        if v is not None
    }
    if tags:
        changes["tags"] = list(tags)
    if not changes:
        raise BadUsage("nothing to change: give at least one option")
    client = get_obj().client
    url = flag_url(key)
    flag = client.patch(url, changes, client.get(url)["version"])
    emit_json(flag) if as_json else say(f"Updated flag {key} (version {flag['version']}).")


@flags.command("archive")
@click.argument("key")
@project_option
@api_options
@json_option
def flags_archive(key: str, as_json: bool) -> None:
    """Archive flag KEY: SDKs no longer receive it; `flags restore` brings it back."""
    _lifecycle(key, "archive", as_json)


@flags.command("restore")
@click.argument("key")
@project_option
@api_options
@json_option
def flags_restore(key: str, as_json: bool) -> None:
    """Restore archived flag KEY."""
    _lifecycle(key, "restore", as_json)


def _lifecycle(key: str, action: str, as_json: bool) -> None:
    client = get_obj().client
    version = client.get(flag_url(key))["version"]
    flag = client.request("POST", flag_url(key, action), json={}, version=version).body
    emit_json(flag) if as_json else say(f"Flag {key} {action}d.")


@flags.command("where")
@click.argument("key")
@project_option
@api_options
@json_option
def flags_where(key: str, as_json: bool) -> None:
    """Where the code of flag KEY runs: per environment, the services whose running
    deployment carries it (version, verified), and the latest deployments carrying it.

    A deployment carries the flag keys given with --features or found by --scan when it
    was recorded (docs/pipelines.md). KEY may be a key no flag has yet, if deployments
    carry it.
    """
    found = get_obj().client.get(flag_url(key, "deployments"))
    if as_json:
        emit_json(found)
    else:
        show_flag_deployments(found)


# -- evaluation ---------------------------------------------------------------------------


@flags.command("evaluate")
@click.argument("key")
@env_option
@click.option(
    "--context",
    "-c",
    "context_text",
    default="{}",
    help='Evaluation context as JSON, @FILE or - (stdin), e.g. \'{"key": "user-1"}\'.',
)
@project_option
@api_options
@json_option
def flags_evaluate(key: str, environment: str, context_text: str, as_json: bool) -> None:
    """Evaluate flag KEY for a context on the server: value, variation and reason."""
    context = read_json(context_text, "--context")
    if not isinstance(context, dict):
        raise BadUsage('--context must be a JSON object, e.g. \'{"key": "user-1"}\'')
    obj = get_obj()
    url = path("projects", obj.project_key(), "environments", environment, "evaluate", key)
    result = obj.client.post(url, {"context": context})
    if as_json:
        emit_json(result)
    else:
        show_evaluation(_flag_or_none(key) or {"key": key}, environment, context, result)
