"""``premiere flags``: create flags, switch them, target them, and evaluate them."""

from __future__ import annotations

import json
import re
from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage
from premiere.cli.flag_views import show_config, show_evaluation, show_flag, show_flag_list
from premiere.cli.output import emit_json, say
from premiere.cli.rules import (
    parse_clause,
    parse_rollout,
    read_file,
    read_json,
    variation_index,
)

KINDS = ("boolean", "string", "number", "json")
READ_ONLY_CONFIG_FIELDS = ("flag", "environment", "version", "updated_at", "project")

env_option = click.option(
    "--env", "-e", "environment", required=True, help="Environment key, e.g. production."
)


@click.group()
def flags() -> None:
    """Create, change, target and evaluate feature flags.

    VARIATION arguments take an index (0, 1, ...) or a variation's name or value
    (true, green); a whole number is always read as an index.
    """


def _flag_url(*rest: str) -> str:
    obj = get_obj()
    return path("projects", obj.project_key(), "flags", *rest)


def _config_url(key: str, environment: str) -> str:
    return _flag_url(key, "environments", environment)


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
    items = get_obj().client.get(_flag_url(), params)
    if as_json:
        emit_json(items)
    else:
        show_flag_list(items)


@flags.command("get")
@click.argument("key")
@click.option("--env", "-e", "environment", help="Show this environment's configuration only.")
@project_option
@api_options
@json_option
def flags_get(key: str, environment: str | None, as_json: bool) -> None:
    """Show flag KEY: variations and, per environment, its targets, rules and fallthrough."""
    client = get_obj().client
    flag = client.get(_flag_url(key))
    if environment is not None:
        config = client.get(_config_url(key, environment))
        emit_json(config) if as_json else show_config(flag, config)
    elif as_json:
        emit_json(flag)
    else:
        show_flag(flag)


# -- creating and editing the flag itself -------------------------------------------------


@flags.command("create")
@click.argument("key")
@click.option("--kind", type=click.Choice(KINDS), default="boolean", show_default=True)
@click.option(
    "--variation",
    "-v",
    "values",
    multiple=True,
    help="A variation's value (repeat, in order); JSON for kind json. "
    "Default for boolean: true, false.",
)
@click.option("--name", help="Display name.")
@click.option("--description", help="What the flag controls.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--client-visible", is_flag=True, help="Let sdk-client (browser) tokens see it.")
@click.option("--on-variation", help="Served when on and nothing else matches. [default: 0]")
@click.option("--off-variation", help="Served when off. [default: the last variation]")
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
        body["on_variation"] = variation_index(known, on_variation)
    if off_variation is not None:
        body["off_variation"] = variation_index(known, off_variation)
    body |= {k: v for k, v in {"name": name, "description": description}.items() if v}
    if tags:
        body["tags"] = list(tags)
    flag = get_obj().client.post(_flag_url(), body)
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
        raise BadUsage(f"variation {text!r} is not a valid {kind} value") from None


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
    url = _flag_url(key)
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
    version = client.get(_flag_url(key))["version"]
    flag = client.request("POST", _flag_url(key, action), json={}, version=version).body
    emit_json(flag) if as_json else say(f"Flag {key} {action}d.")


# -- per-environment configuration --------------------------------------------------------


def _change_config(key: str, environment: str, as_json: bool, change: Any, message: str) -> None:
    """GET the config, let ``change(flag, config)`` return the fields to PATCH, send them."""
    client = get_obj().client
    flag = client.get(_flag_url(key))
    url = _config_url(key, environment)
    config = client.get(url)
    fields = change(flag, config)
    updated = client.patch(url, fields, config["version"])
    if as_json:
        emit_json(updated)
    else:
        say(f"{message} (version {updated['version']}).")


@flags.command("on")
@click.argument("key")
@env_option
@project_option
@api_options
@json_option
def flags_on(key: str, environment: str, as_json: bool) -> None:
    """Turn flag KEY on in one environment (targets, rules and fallthrough apply)."""
    _change_config(
        key, environment, as_json, lambda f, c: {"on": True}, f"{key} is on in {environment}"
    )


@flags.command("off")
@click.argument("key")
@env_option
@project_option
@api_options
@json_option
def flags_off(key: str, environment: str, as_json: bool) -> None:
    """Turn flag KEY off in one environment (everyone gets the off-variation)."""
    _change_config(
        key, environment, as_json, lambda f, c: {"on": False}, f"{key} is off in {environment}"
    )


@flags.command("target")
@click.argument("key")
@env_option
@click.option("--variation", "-v", "ref", help="The variation the keys get.")
@click.option("--key", "-k", "keys", multiple=True, required=True, help="A context key (repeat).")
@click.option("--remove", is_flag=True, help="Remove the keys from the targets instead.")
@project_option
@api_options
@json_option
def flags_target(
    key: str, environment: str, ref: str | None, keys: tuple[str, ...], remove: bool, as_json: bool
) -> None:
    """Serve a variation to individual context keys (or --remove them)."""
    if ref is None and not remove:
        raise BadUsage("give --variation (or --remove)")

    def change(flag: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        targets = [
            {"variation": t["variation"], "values": [v for v in t["values"] if v not in keys]}
            for t in config.get("targets", [])
        ]
        if not remove:
            index = variation_index(flag["variations"], str(ref))
            for target in targets:
                if target["variation"] == index:
                    target["values"].extend(keys)
                    break
            else:
                targets.append({"variation": index, "values": list(keys)})
        return {"targets": [t for t in targets if t["values"]]}

    verb = "no longer targeted" if remove else f"targeted with variation {ref}"
    _change_config(key, environment, as_json, change, f"{', '.join(keys)} {verb} in {environment}")


def _serve(flag: dict[str, Any], variation: str | None, rollout: str | None, bucket_by: str) -> Any:
    if (variation is None) == (rollout is None):
        raise BadUsage("give exactly one of --variation and --rollout")
    if variation is not None:
        return {"variation": variation_index(flag["variations"], variation)}
    return {"rollout": parse_rollout(flag["variations"], str(rollout), bucket_by)}


serve_options = [
    click.option("--variation", "-v", help="Serve this variation."),
    click.option("--rollout", "-r", help="Serve a percentage rollout, e.g. true=25,false=75."),
    click.option("--bucket-by", default="key", show_default=True, help="Rollout stickiness."),
]


def _with_serve_options(func: Any) -> Any:
    for option in reversed(serve_options):
        func = option(func)
    return func


@flags.command("fallthrough")
@click.argument("key")
@env_option
@_with_serve_options
@project_option
@api_options
@json_option
def flags_fallthrough(
    key: str,
    environment: str,
    variation: str | None,
    rollout: str | None,
    bucket_by: str,
    as_json: bool,
) -> None:
    """Set what flag KEY serves when it is on and no target or rule matched."""

    def change(flag: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        return {"fallthrough": _serve(flag, variation, rollout, bucket_by)}

    _change_config(key, environment, as_json, change, f"Fallthrough of {key} set in {environment}")


@flags.command("add-rule")
@click.argument("key")
@env_option
@click.option(
    "--clause",
    "-c",
    "clauses",
    multiple=True,
    help="ATTRIBUTE [not] OP VALUES (all must match; repeatable).",
)
@click.option(
    "--segment",
    "-s",
    "segment_keys",
    multiple=True,
    help="Match contexts in this segment (repeatable: any of them).",
)
@_with_serve_options
@click.option("--id", "rule_id", help="Rule id (default: made from the first clause).")
@click.option("--description", help="Why the rule exists.")
@click.option("--position", type=int, help="Insert at this index (default: last).")
@project_option
@api_options
@json_option
def flags_add_rule(
    key: str,
    environment: str,
    clauses: tuple[str, ...],
    segment_keys: tuple[str, ...],
    variation: str | None,
    rollout: str | None,
    bucket_by: str,
    rule_id: str | None,
    description: str | None,
    position: int | None,
    as_json: bool,
) -> None:
    """Add a targeting rule: contexts matching all its clauses get a variation or rollout.

    \b
    Examples:
      premiere flags add-rule new-checkout -e production --segment staff --variation true
      premiere flags add-rule new-checkout -e production -c 'plan in enterprise' -v true
      premiere flags add-rule search-v2 -e staging -c 'country in DE,FR' -r 0=50,1=50
    """
    parsed = [parse_clause(text) for text in clauses]
    if segment_keys:
        parsed.insert(0, {"attribute": "key", "op": "segment_match",
                          "values": list(segment_keys), "negate": False})  # fmt: skip
    if not parsed:
        raise BadUsage("a rule needs at least one --clause or --segment")

    def change(flag: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        rules = list(config.get("rules", []))
        taken = {r.get("id") for r in rules}
        rule: dict[str, Any] = {
            "id": rule_id or _rule_id(parsed[0], taken),
            "clauses": parsed,
            "serve": _serve(flag, variation, rollout, bucket_by),
        }
        if description:
            rule["description"] = description
        rules.insert(len(rules) if position is None else position, rule)
        return {"rules": rules}

    _change_config(key, environment, as_json, change, f"Rule added to {key} in {environment}")


def _rule_id(clause: dict[str, Any], taken: set[Any]) -> str:
    if clause["op"] == "segment_match":
        words = ["segment", *map(str, clause["values"])]
    else:
        words = [clause["attribute"], clause["op"], *map(str, clause["values"][:2])]
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(words)).strip("-")[:60] or "rule"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@flags.command("remove-rule")
@click.argument("key")
@click.argument("rule_id")
@env_option
@project_option
@api_options
@json_option
def flags_remove_rule(key: str, rule_id: str, environment: str, as_json: bool) -> None:
    """Remove rule RULE_ID from flag KEY in one environment."""

    def change(flag: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        rules = [r for r in config.get("rules", []) if r.get("id") != rule_id]
        if len(rules) == len(config.get("rules", [])):
            ids = ", ".join(str(r.get("id")) for r in config.get("rules", [])) or "none"
            raise BadUsage(f"flag {key} has no rule {rule_id!r} in {environment} (rules: {ids})")
        return {"rules": rules}

    _change_config(key, environment, as_json, change, f"Rule {rule_id} removed from {key}")


@flags.command("set-config")
@click.argument("key")
@env_option
@click.option("--file", "-f", "file_name", required=True, help="JSON file ('-' for stdin).")
@project_option
@api_options
@json_option
def flags_set_config(key: str, environment: str, file_name: str, as_json: bool) -> None:
    """Replace the whole configuration of flag KEY in one environment from a JSON file.

    The file has the shape `premiere flags get KEY --env E --json` prints: on,
    off_variation, prerequisites, targets, rules, fallthrough. When it carries a
    "version", the change is refused (exit code 4) if someone changed the flag since;
    otherwise the current version is used.
    """
    data = read_json(read_file(file_name, "the configuration"), "the configuration")
    if not isinstance(data, dict):
        raise BadUsage("the configuration must be a JSON object")
    client = get_obj().client
    url = _config_url(key, environment)
    version = data.get("version")
    if not isinstance(version, int):
        version = client.get(url)["version"]
    body = {k: v for k, v in data.items() if k not in READ_ONLY_CONFIG_FIELDS}
    updated = client.put(url, body, version)
    if as_json:
        emit_json(updated)
    else:
        say(f"Configuration of {key} in {environment} replaced (version {updated['version']}).")


# -- evaluation ---------------------------------------------------------------------------


@flags.command("eval")
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
def flags_eval(key: str, environment: str, context_text: str, as_json: bool) -> None:
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
        show_evaluation(key, environment, context, result)
