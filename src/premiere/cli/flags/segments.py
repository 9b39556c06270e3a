"""``premiere segments``: reusable audiences (included keys, excluded keys, rules)."""

from __future__ import annotations

import re
from typing import Any

import click

from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage
from premiere.cli.flags.syntax import describe_clause, parse_clause
from premiere.cli.output import details, emit_json, say, table

EDITABLE = ("name", "description", "included", "excluded", "rules")


@click.group()
def segments() -> None:
    """List, show, create, change and delete segments.

    A context is in a segment when its key is included; otherwise when it is not
    excluded and any of the segment's rules matches. Each --rule is one clause,
    ATTRIBUTE [not] OP VALUES, e.g. 'email ends_with @acme.example'.
    """


def _url(*rest: str) -> str:
    return path("projects", get_obj().project_key(), "segments", *rest)


def _keys(values: tuple[str, ...]) -> list[str]:
    """``--included a,b --included c`` -> ``["a", "b", "c"]``."""
    return [k.strip() for value in values for k in value.split(",") if k.strip()]


def _rule(text: str, taken: set[str]) -> dict[str, Any]:
    clause = parse_clause(text)
    if clause["op"] == "segment_match":
        raise BadUsage("segment rules may not use segment_match")
    words = [clause["attribute"], clause["op"], *map(str, clause["values"][:2])]
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(words)).strip("-")[:60] or "rule"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return {"id": candidate, "clauses": [clause]}


@segments.command("list")
@project_option
@api_options
@json_option
def segments_list(as_json: bool) -> None:
    """List the segments of the project."""
    items = get_obj().client.get(_url())
    if as_json:
        emit_json(items)
        return
    rows = [
        (s["key"], s.get("name"), len(s.get("included", [])), len(s.get("excluded", [])),
         "; ".join(_rule_text(r) for r in s.get("rules", [])))
        for s in items
    ]  # fmt: skip
    table("Segments", ["key", "name", "included", "excluded", "rules"], rows)


def _rule_text(rule: dict[str, Any]) -> str:
    return " and ".join(describe_clause(c) for c in rule.get("clauses", []))


@segments.command("get")
@click.argument("key")
@project_option
@api_options
@json_option
def segments_get(key: str, as_json: bool) -> None:
    """Show segment KEY."""
    segment = get_obj().client.get(_url(key))
    if as_json:
        emit_json(segment)
        return
    details(
        f"Segment {segment['key']}",
        [
            ("name", segment.get("name")),
            ("description", segment.get("description")),
            ("included", segment.get("included", [])),
            ("excluded", segment.get("excluded", [])),
            ("version", segment.get("version")),
        ],
    )
    rows = [(r.get("id"), _rule_text(r)) for r in segment.get("rules", [])]
    table("Rules", ["id", "when"], rows)


@segments.command("create")
@click.argument("key")
@click.option("--name", help="Display name.")
@click.option("--description", help="Who is in it.")
@click.option("--included", multiple=True, help="Context keys always in it (comma-separated).")
@click.option("--excluded", multiple=True, help="Context keys never in it (comma-separated).")
@click.option("--rule", "rules", multiple=True, help="A clause; contexts matching it are in.")
@project_option
@api_options
@json_option
def segments_create(
    key: str,
    name: str | None,
    description: str | None,
    included: tuple[str, ...],
    excluded: tuple[str, ...],
    rules: tuple[str, ...],
    as_json: bool,
) -> None:
    """Create segment KEY.

    \b
    Example:
      premiere segments create staff --included user-1,user-2 \\
          --rule 'email ends_with @acme.example'
    """
    taken: set[str] = set()
    body: dict[str, Any] = {
        "key": key,
        "included": _keys(included),
        "excluded": _keys(excluded),
        "rules": [_rule(text, taken) for text in rules],
    }
    body |= {k: v for k, v in {"name": name, "description": description}.items() if v}
    segment = get_obj().client.post(_url(), body)
    emit_json(segment) if as_json else say(f"Created segment {segment['key']}.")


@segments.command("update")
@click.argument("key")
@click.option("--name", help="New display name.")
@click.option("--description", help="New description.")
@click.option("--include", multiple=True, help="Add context keys to the included ones.")
@click.option("--exclude", multiple=True, help="Add context keys to the excluded ones.")
@click.option("--forget", multiple=True, help="Remove context keys from included and excluded.")
@click.option("--add-rule", multiple=True, help="Add a rule (one clause).")
@click.option("--remove-rule", multiple=True, help="Remove the rule with this id.")
@project_option
@api_options
@json_option
def segments_update(
    key: str,
    name: str | None,
    description: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    forget: tuple[str, ...],
    add_rule: tuple[str, ...],
    remove_rule: tuple[str, ...],
    as_json: bool,
) -> None:
    """Change segment KEY: add or remove keys and rules, rename it."""
    client = get_obj().client
    current = client.get(_url(key))
    body = {field: current.get(field) for field in EDITABLE}
    body |= {k: v for k, v in {"name": name, "description": description}.items() if v is not None}
    gone = set(_keys(forget))
    body["included"] = _merge(body["included"], _keys(include), gone)
    body["excluded"] = _merge(body["excluded"], _keys(exclude), gone)
    missing = set(remove_rule) - {r.get("id") for r in body["rules"]}
    if missing:
        raise BadUsage(f"segment {key} has no rule {', '.join(sorted(missing))}")
    rules = [r for r in body["rules"] if r.get("id") not in remove_rule]
    taken = {str(r.get("id")) for r in rules}
    body["rules"] = rules + [_rule(text, taken) for text in add_rule]
    segment = client.put(_url(key), body, current["version"])
    if as_json:
        emit_json(segment)
    else:
        say(f"Updated segment {key} (version {segment['version']}).")


def _merge(keys: list[str] | None, added: list[str], removed: set[str]) -> list[str]:
    result = [k for k in keys or [] if k not in removed]
    return result + [k for k in added if k not in result and k not in removed]


@segments.command("delete")
@click.argument("key")
@project_option
@api_options
def segments_delete(key: str) -> None:
    """Delete segment KEY (refused while a flag rule uses it)."""
    client = get_obj().client
    version = client.get(_url(key))["version"]
    client.delete(_url(key), version)
    say(f"Deleted segment {key}.")
