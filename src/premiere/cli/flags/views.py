"""How flags, their configurations and evaluations look in a terminal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from premiere.cli.flags.syntax import describe_clause, describe_serve, variation_text
from premiere.cli.output import details, say, short_time, table, value_text


def show_flag_list(items: list[dict[str, Any]]) -> None:
    environments: list[str] = []
    for flag in items:
        for env in flag.get("environments", {}):
            if env not in environments:
                environments.append(env)
    rows = [
        [
            flag["key"] + (" (archived)" if flag.get("archived") else ""),
            flag.get("kind"),
            flag.get("tags", []),
            *(_on_text(flag.get("environments", {}).get(env)) for env in environments),
        ]
        for flag in items
    ]
    table("Flags", ["key", "kind", "tags", *environments], rows, optional=["tags", "kind"])


def _on_text(config: Mapping[str, Any] | None) -> str:
    if config is None:
        return "-"
    return "on" if config.get("on") else "off"


def show_flag(flag: Mapping[str, Any]) -> None:
    details(
        f"Flag {flag['key']}",
        [
            ("name", flag.get("name")),
            ("description", flag.get("description")),
            ("kind", flag.get("kind")),
            ("tags", flag.get("tags", [])),
            ("client visible", flag.get("client_visible")),
            ("archived", flag.get("archived")),
            ("version", flag.get("version")),
        ],
    )
    variations = flag.get("variations", [])
    table(
        "Variations",
        ["#", "value", "name"],
        [(i, value_text(v.get("value")), v.get("name")) for i, v in enumerate(variations)],
    )
    rows = []
    for env, config in flag.get("environments", {}).items():
        rows.append(
            (
                env,
                _on_text(config),
                _targets_text(variations, config.get("targets", [])),
                len(config.get("rules", [])),
                describe_serve(variations, config.get("fallthrough", {})),
                _variation_or_none(variations, config.get("off_variation")),
            )
        )
    table("Environments", ["environment", "state", "targets", "rules", "fallthrough", "off"], rows)


FlagLookup = Callable[[str], Mapping[str, Any] | None]


def show_config(
    flag: Mapping[str, Any], config: Mapping[str, Any], flag_of: FlagLookup = lambda key: None
) -> None:
    """One environment's configuration; ``flag_of`` finds the prerequisites' variations."""
    variations = flag.get("variations", [])
    prerequisites = []
    for prerequisite in config.get("prerequisites", []):
        required = flag_of(str(prerequisite.get("key"))) or {}
        value = variation_text(required.get("variations") or [], prerequisite.get("variation"))
        prerequisites.append(f"{prerequisite.get('key')} -> {value}")
    details(
        f"Flag {flag['key']} in {config.get('environment')}",
        [
            ("state", _on_text(config)),
            ("off variation", _variation_or_none(variations, config.get("off_variation"))),
            ("prerequisites", prerequisites),
            ("targets", _targets_text(variations, config.get("targets", []))),
            ("fallthrough", describe_serve(variations, config.get("fallthrough", {}))),
            ("version", config.get("version")),
        ],
    )
    rows = [
        (
            rule.get("id"),
            " and ".join(describe_clause(c) for c in rule.get("clauses", [])),
            describe_serve(variations, rule.get("serve", {})),
            rule.get("description"),
        )
        for rule in config.get("rules", [])
    ]
    table("Rules", ["id", "when", "serve", "description"], rows)


def show_evaluation(
    flag: Mapping[str, Any], environment: str, context: Mapping[str, Any], result: Mapping[str, Any]
) -> None:
    """The value, the variation's name when it has one, and why."""
    reason = result.get("reason") or {}
    index = result.get("variation")
    variations = flag.get("variations") or []
    named = None
    if isinstance(index, int) and 0 <= index < len(variations):
        named = variations[index].get("name")
    pairs: list[tuple[str, Any]] = [
        ("value", value_text(result.get("value"))),
        *([("variation", named)] if named else []),
        ("reason", reason.get("kind")),
    ]
    pairs += [(name.replace("_", " "), value) for name, value in reason.items() if name != "kind"]
    details(
        f"{flag.get('key')} in {environment} for {value_text(context.get('key', '(no key)'))}",
        pairs,
    )


def _targets_text(variations: list[Any], targets: list[Mapping[str, Any]]) -> str:
    parts = [
        f"{_variation_or_none(variations, t.get('variation'))}: {', '.join(t.get('values', []))}"
        for t in targets
    ]
    return "; ".join(parts) or "-"


def _variation_or_none(variations: list[Any], index: Any) -> str:
    if index is None:
        return "(caller's default)"
    return describe_serve(variations, {"variation": index})


def show_flag_deployments(found: Mapping[str, Any]) -> None:
    """``flags where``: each environment's services running the flag's code, then the
    latest deployments that carried it."""
    key = found.get("flag")
    rows = []
    for entry in found.get("environments", []):
        services = entry.get("services") or []
        rows += [
            (entry.get("environment"), s.get("service"), s.get("version"), s.get("verified"),
             s.get("deployment_id"), short_time(s.get("since")))
            for s in services
        ]  # fmt: skip
        if not services:
            rows.append((entry.get("environment"), None, None, None, None, None))
    columns = ["environment", "service", "version", "verified", "deployment", "since (UTC)"]
    table(f"Where the code of flag {key} runs", columns, rows)
    history = [
        (d.get("id"), d.get("service"), d.get("environment"), d.get("version"), d.get("status"),
         d.get("verified"), short_time(d.get("created_at")))
        for d in found.get("deployments", [])
    ]  # fmt: skip
    columns = ["id", "service", "environment", "version", "status", "verified", "created (UTC)"]
    table(f"Latest deployments carrying {key}", columns, history)
    if not found.get("exists", True):
        say(f"No flag {key} exists in project {found.get('project')}; deployments carry the key.")
