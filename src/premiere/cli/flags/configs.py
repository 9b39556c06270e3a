"""``premiere flags on|off|target|fallthrough|add-rule|remove-rule|set-config``.

What a flag does in one environment: each command reads the current configuration,
changes it, and sends the change with the version it was based on, so a concurrent
edit is refused (exit code 4) rather than overwritten.
"""

from __future__ import annotations

import re
from typing import Any

import click

from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage
from premiere.cli.flags.commands import config_url, env_option, flag_url, flags
from premiere.cli.flags.syntax import (
    parse_clause,
    parse_rollout,
    read_file,
    read_json,
    variation_index,
)
from premiere.cli.output import emit_json, say

READ_ONLY_CONFIG_FIELDS = ("flag", "environment", "version", "updated_at", "project")


def _change_config(key: str, environment: str, as_json: bool, change: Any, message: str) -> None:
    """GET the config, let ``change(flag, config)`` return the fields to PATCH, send them."""
    client = get_obj().client
    flag = client.get(flag_url(key))
    url = config_url(key, environment)
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
    url = config_url(key, environment)
    version = data.get("version")
    if not isinstance(version, int):
        version = client.get(url)["version"]
    body = {k: v for k, v in data.items() if k not in READ_ONLY_CONFIG_FIELDS}
    updated = client.put(url, body, version)
    if as_json:
        emit_json(updated)
    else:
        say(f"Configuration of {key} in {environment} replaced (version {updated['version']}).")
