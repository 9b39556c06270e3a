"""``premiere audit``: who changed what, and when; and whether the log is intact."""

from __future__ import annotations

import json
from typing import Any

import click

from premiere.cli.aliases import AliasedGroup
from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option
from premiere.cli.exits import AuditBroken, BadUsage
from premiere.cli.output import emit_json, say, short_time, table


@click.group(cls=AliasedGroup, aliases={"head": "heads"})
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
@click.option(
    "--diff", "show_diff", is_flag=True, help="Show each changed field's value before and after."
)
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
    show_diff: bool,
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
    changes = _diff if show_diff else _changed
    rows = [
        (short_time(e.get("at")), (e.get("actor") or {}).get("name"), e.get("action"),
         e.get("project"), e.get("resource_key"), e.get("environment"), changes(e))
        for e in page.get("items", [])
    ]  # fmt: skip
    changed = "changed (before -> after)" if show_diff else "changed"
    columns = ["at (UTC)", "actor", "action", "project", "resource", "environment", changed]
    table("Audit events", columns, rows, optional=["project", "environment"])
    if page.get("next_cursor"):
        say(f"More: add --cursor {page['next_cursor']}")


IGNORED = frozenset({"version", "updated_at", "created_at", "last_used_at"})


def _changed_keys(event: dict[str, Any]) -> list[str]:
    """The top-level fields an update changed; none for creations and deletions."""
    before, after = event.get("before"), event.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = sorted((before.keys() | after.keys()) - IGNORED)
    return [k for k in keys if before.get(k) != after.get(k)]


def _changed(event: dict[str, Any]) -> str:
    """The fields an update changed: ``on, rules``."""
    return ", ".join(_changed_keys(event))


def _diff(event: dict[str, Any]) -> str:
    """One line per field an update changed: ``on: false -> true`` (values as JSON)."""
    before, after = event.get("before") or {}, event.get("after") or {}
    return "\n".join(
        f"{key}: {_json_value(before, key)} -> {_json_value(after, key)}"
        for key in _changed_keys(event)
    )


def _json_value(fields: dict[str, Any], key: str) -> str:
    if key not in fields:
        return "(none)"
    return json.dumps(fields[key], ensure_ascii=False, sort_keys=True)


@audit.command("verify")
@click.option("--project", "-p", help="Only this project's chain.")
@click.option(
    "--expect",
    "expect_file",
    type=click.File("r"),
    help="Heads exported earlier by `premiere audit heads` (a file, or - for stdin): each "
    "event must still be there with that hash.",
)
@api_options
@json_option
def audit_verify(project: str | None, expect_file: Any, as_json: bool) -> None:
    """Check the audit log's hash chains and name the first broken event.

    Prints `ok, N events, head <hash>` for each chain that verifies; otherwise names the
    first event that does not and what broke, and exits with code 7.
    """
    expect = _expected_heads(expect_file) if expect_file is not None else []
    params: dict[str, Any] = {"project": project, "expect": expect}
    report = get_obj().client.get(path("audit", "verify"), params)
    if as_json:
        emit_json(report)
    else:
        for line in _verification_lines(report):
            say(line)
    if not report.get("ok"):
        raise AuditBroken(_first_problem(report))


@audit.command("heads")
@click.option("--project", "-p", help="Only this project's chain.")
@api_options
def audit_heads(project: str | None) -> None:
    """Export the head of each audit chain (project, event id, hash, time) as JSON.

    Keep the output where the database's owners cannot write; later, `premiere audit
    verify --expect <file>` checks that the log still holds those events unchanged.
    """
    emit_json(get_obj().client.get(path("audit", "heads"), {"project": project}))


def _expected_heads(source: Any) -> list[str]:
    """``<event id>:<hash>`` for each head in an export (``{"items": [...]}``, a list,
    or one head)."""
    try:
        data = json.load(source)
    except ValueError as exc:
        raise BadUsage(f"--expect: not JSON ({exc})") from None
    heads = data.get("items", [data]) if isinstance(data, dict) else data
    if not isinstance(heads, list) or not all(
        isinstance(h, dict) and "event_id" in h and "hash" in h for h in heads
    ):
        raise BadUsage("--expect: expected the output of `premiere audit heads`")
    return [f"{head['event_id']}:{head['hash']}" for head in heads]


def _chain_name(project: str | None) -> str:
    return f"project {project}" if project is not None else "events of no project"


def _verification_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for chain in report.get("chains", []):
        name = _chain_name(chain.get("project"))
        broken = chain.get("broken")
        if broken is None:
            head = (chain.get("head") or {}).get("hash")
            lines.append(f"{name}: ok, {chain.get('events')} events, head {head}")
        else:
            where = f"event {broken['event_id']}" if broken.get("event_id") else "the head"
            lines.append(f"{name}: BROKEN at {where}: {broken.get('problem')}")
    for expected in report.get("expected", []):
        state = "ok" if expected.get("ok") else f"BROKEN: {expected.get('problem')}"
        lines.append(f"exported head, event {expected.get('event_id')}: {state}")
    if not report.get("chains"):
        lines.append("no audit events")
    return lines


def _first_problem(report: dict[str, Any]) -> str:
    for chain in report.get("chains", []):
        if chain.get("broken"):
            broken = chain["broken"]
            return (
                f"the audit log of {_chain_name(chain.get('project'))} does not verify: "
                f"event {broken.get('event_id')}: {broken.get('problem')}"
            )
    for expected in report.get("expected", []):
        if not expected.get("ok"):
            return (
                f"the audit log does not match the exported head: event "
                f"{expected.get('event_id')}: {expected.get('problem')}"
            )
    return "the audit log does not verify"
