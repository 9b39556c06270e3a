"""``premiere flags on|off|target|fallthrough|add-rule|remove-rule|set-config``.

What a flag does in one environment: each command reads the current configuration,
changes it, and sends the change with the version it was based on, so a concurrent
edit is refused (exit code 4) rather than overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click

from premiere.cli.client import did_you_mean, path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage, CliError, NotFound, in_option_words
from premiere.cli.flags.commands import config_url, env_option, flag_url, flags
from premiere.cli.flags.syntax import (
    describe_serve,
    in_percent,
    parse_clause,
    parse_rollout,
    read_file,
    read_json,
    variation_index,
    variation_text,
)
from premiere.cli.output import emit_json, say

READ_ONLY_CONFIG_FIELDS = ("flag", "environment", "version", "updated_at", "project")
OPTION_FIELDS = {
    r"^(fallthrough|rules\[\d+\]\.serve)\.rollout\b": "--rollout",
    r"^(fallthrough|rules\[\d+\]\.serve)\.variation\b": "--variation",
    r"^rules\[\d+\]\.clauses\b": "--clause",
    r"^targets\b": "--key",
}
"""Fields of a configuration change and the options that set them, for server errors."""


def _change_config(
    key: str, environment: str, as_json: bool, change: Any, message: str | Callable[[], str]
) -> None:
    """GET the config, let ``change(flag, config)`` return the fields to PATCH, send them."""
    client = get_obj().client
    flag = client.get(flag_url(key))
    url = config_url(key, environment)
    config = client.get(url)
    fields = change(flag, config)
    try:
        updated = client.patch(url, fields, config["version"])
    except CliError as exc:
        raise in_option_words(exc, OPTION_FIELDS, in_percent) from None
    if as_json:
        emit_json(updated)
    else:
        text = message if isinstance(message, str) else message()
        say(f"{text} (version {updated['version']}).")


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
@click.option("--variation", "ref", metavar="VALUE", help="The variation the keys get: its value.")
@click.option(
    "--index", type=click.IntRange(0), metavar="N", help="The variation the keys get: its index."
)
@click.option("--key", "-k", "keys", multiple=True, required=True, help="A context key (repeat).")
@click.option("--remove", is_flag=True, help="Remove the keys from the targets instead.")
@project_option
@api_options
@json_option
def flags_target(
    key: str,
    environment: str,
    ref: str | None,
    index: int | None,
    keys: tuple[str, ...],
    remove: bool,
    as_json: bool,
) -> None:
    """Serve a variation to individual context keys (or --remove them)."""
    ref = _one_variation(ref, index, required=not remove)
    served: list[str] = []

    def change(flag: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        targets = [
            {"variation": t["variation"], "values": [v for v in t["values"] if v not in keys]}
            for t in config.get("targets", [])
        ]
        if not remove:
            chosen = variation_index(flag["variations"], str(ref), _option(index))
            served.append(variation_text(flag["variations"], chosen))
            for target in targets:
                if target["variation"] == chosen:
                    target["values"].extend(keys)
                    break
            else:
                targets.append({"variation": chosen, "values": list(keys)})
        return {"targets": [t for t in targets if t["values"]]}

    def message() -> str:
        verb = "no longer targeted" if remove else f"now get{'s' * (len(keys) == 1)} {served[0]}"
        return f"{', '.join(keys)} {verb} in {environment}"

    _change_config(key, environment, as_json, change, message)


def _one_variation(ref: str | None, index: int | None, *, required: bool = True) -> str | None:
    """--variation VALUE or --index N, as one reference (``#N`` for an index)."""
    if ref is not None and index is not None:
        raise BadUsage("give --variation VALUE or --index N, not both")
    if index is not None:
        return f"#{index}"
    if ref is None and required:
        raise BadUsage("give --variation VALUE (or --index N)")
    return ref


def _option(index: int | None) -> str:
    return "--index" if index is not None else "--variation"


def _serve(
    flag: dict[str, Any], variation: str | None, index: int | None, rollout: str | None,
    bucket_by: str,
) -> Any:  # fmt: skip
    ref = _one_variation(variation, index, required=False)
    if (ref is None) == (rollout is None):
        raise BadUsage("give exactly one of --variation (or --index) and --rollout")
    if ref is not None:
        return {"variation": variation_index(flag["variations"], ref, _option(index))}
    return {"rollout": parse_rollout(flag["variations"], str(rollout), bucket_by)}


serve_options = [
    click.option("--variation", metavar="VALUE", help="Serve the variation with this value."),
    click.option("--index", type=click.IntRange(0), metavar="N",
                 help="Serve the variation at this index."),
    click.option("--rollout", "-r", metavar="VARIATION=PERCENT,...",
                 help="Serve a percentage rollout, e.g. true=25%,false=75%."),
    click.option("--bucket-by", default="key", show_default=True, help="Rollout stickiness."),
]  # fmt: skip


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
    index: int | None,
    rollout: str | None,
    bucket_by: str,
    as_json: bool,
) -> None:
    """Set what flag KEY serves when it is on and no target or rule matched."""
    served: list[str] = []

    def change(flag: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        serve = _serve(flag, variation, index, rollout, bucket_by)
        served.append(describe_serve(flag["variations"], serve))
        return {"fallthrough": serve}

    _change_config(key, environment, as_json, change,
                   lambda: f"Fallthrough of {key} in {environment}: {served[0]}")  # fmt: skip


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
    index: int | None,
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
      premiere flags add-rule new-checkout -e production -c 'plan in enterprise' --index 0
      premiere flags add-rule search-v2 -e staging -c 'country in DE,FR' -r classic=50%,semantic=50%
    """
    parsed = [parse_clause(text) for text in clauses]
    if segment_keys:
        parsed.insert(0, {"attribute": "key", "op": "segment_match",
                          "values": list(segment_keys), "negate": False})  # fmt: skip
    if not parsed:
        raise BadUsage("a rule needs at least one --clause or --segment")
    _known_segments(segment_keys)

    def change(flag: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
        rules = list(config.get("rules", []))
        taken = {r.get("id") for r in rules}
        rule: dict[str, Any] = {
            "id": rule_id or _rule_id(parsed[0], taken),
            "clauses": parsed,
            "serve": _serve(flag, variation, index, rollout, bucket_by),
        }
        if description:
            rule["description"] = description
        rules.insert(len(rules) if position is None else position, rule)
        return {"rules": rules}

    _change_config(key, environment, as_json, change, f"Rule added to {key} in {environment}")


def _known_segments(keys: tuple[str, ...]) -> None:
    """Each --segment names a segment of the project, or the error guesses which was meant."""
    if not keys:
        return
    obj = get_obj()
    known = [str(s["key"]) for s in obj.client.get(path("projects", obj.project_key(), "segments"))]
    for key in keys:
        if key not in known:
            raise NotFound(
                f"--segment {key}: no such segment" + did_you_mean(key, known, "segments")
            )


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
