"""``premiere deployments checks``: the verification checks a service's deployments run."""

from __future__ import annotations

import json
import shlex
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
from premiere.cli.exits import BadUsage
from premiere.cli.output import emit_json, say, table

service_option = click.option("--service", "-s", required=True, help="Service key.")


def _url(service: str, *parts: str) -> str:
    obj = get_obj()
    return path("projects", obj.project_key(), "services", service, "checks", *parts)


@click.group(cls=AliasedGroup, aliases={"add": "create", "remove": "delete"})
def checks() -> None:
    """The checks run after a service's deployment reports done (admin token to change).

    An http check requests a URL (status, body text, a JSON field); a command check
    runs a program on the Premiere server and compares its exit code. All must
    pass for the deployment to succeed, verified.
    """


@checks.command("list")
@service_option
@project_option
@api_options
@json_option
def checks_list(service: str, as_json: bool) -> None:
    """List the verification checks of --service."""
    items = get_obj().client.get(_url(service))
    if as_json:
        emit_json(items)
        return
    rows = [
        (c.get("key"), c.get("kind"), c.get("environment") or "all", _target(c), _expects(c),
         c.get("timeout_seconds"), c.get("retries"))
        for c in items
    ]  # fmt: skip
    columns = ["key", "kind", "environment", "target", "expects", "timeout (s)", "retries"]
    table(f"Checks of {service}", columns, rows)


@checks.command("create")
@click.argument("key")
@service_option
@environment_option(help="Only for this environment.")
# not "url": that is the name of --url, the server's address (api_options)
@click.option("--http", "http_url", metavar="URL", help="An http check of this URL.")
@click.option("--command", "command", metavar="ARGV", help="A command check: the program and "
              "its arguments, shell-quoted (no shell runs it).")  # fmt: skip
@click.option("--method", type=click.Choice(["GET", "HEAD", "POST"]), help="[default: GET]")
@click.option("--expect-status", type=click.IntRange(100, 599), help="[default: 200]")
@click.option("--body-contains", metavar="TEXT", help="Text the response body must contain.")
@click.option("--json-field", metavar="PATH=VALUE", help="A JSON field that must equal VALUE "
              "(JSON, else text), e.g. status.db=ok.")  # fmt: skip
@click.option("--expect-exit-code", type=int, help="[default: 0]")
@click.option("--timeout", type=float, help="Seconds per attempt. [default: 5]")
@click.option(
    "--retries", type=click.IntRange(0, 10), help="Attempts after a failure. [default: 0]"
)
@click.option("--interval", type=float, help="Seconds before the first retry. [default: 1]")
@click.option("--backoff", type=float, help="Multiplies each further wait. [default: 2]")
@project_option
@api_options
@json_option
def checks_create(
    key: str, service: str, environment: str | None, http_url: str | None, command: str | None,
    method: str | None, expect_status: int | None, body_contains: str | None,
    json_field: str | None, expect_exit_code: int | None, timeout: float | None,
    retries: int | None, interval: float | None, backoff: float | None, as_json: bool,
) -> None:  # fmt: skip
    """Create check KEY of --service: --http URL or --command ARGV."""
    if (http_url is None) == (command is None):
        raise BadUsage("give one of --http URL or --command ARGV")
    body: dict[str, Any] = {
        "key": key, "environment": environment, "timeout_seconds": timeout, "retries": retries,
        "interval_seconds": interval, "backoff": backoff,
    }  # fmt: skip
    if http_url is not None:
        body |= {"kind": "http", "url": http_url, "method": method,
                 "expected_status": expect_status, "body_contains": body_contains,
                 "json_field": _json_field(json_field)}  # fmt: skip
    else:
        body |= {"kind": "command", "argv": _argv(command or ""),
                 "expected_exit_code": expect_exit_code}  # fmt: skip
    item = get_obj().client.post(_url(service), {k: v for k, v in body.items() if v is not None})
    if as_json:
        emit_json(item)
    else:
        say(f"Created {item['kind']} check {item['key']} of {service}: {_target(item)}.")


@checks.command("delete")
@click.argument("key")
@service_option
@project_option
@api_options
def checks_delete(key: str, service: str) -> None:
    """Delete check KEY of --service."""
    client = get_obj().client
    url = _url(service, key)
    current = client.request("GET", url)
    client.delete(url, current.version if current.version is not None else current.body["version"])
    say(f"Deleted check {key} of {service}.")


def _json_field(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    field, equals, raw = text.partition("=")
    if not equals or not field:
        raise BadUsage(f"--json-field {text!r}: write PATH=VALUE, e.g. status.db=ok")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return {"path": field, "equals": value}


def _argv(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise BadUsage(f"--command {command!r}: {exc}") from None
    if not argv:
        raise BadUsage("--command needs a program")
    return argv


def _target(check: dict[str, Any]) -> str:
    if check.get("kind") == "http":
        return f"{check.get('method') or 'GET'} {check.get('url')}"
    return shlex.join(str(a) for a in check.get("argv") or [])


def _expects(check: dict[str, Any]) -> str:
    if check.get("kind") != "http":
        return f"exit {check.get('expected_exit_code', 0)}"
    parts = [f"status {check.get('expected_status', 200)}"]
    if check.get("body_contains"):
        parts.append(f"body has {check['body_contains']!r}")
    field = check.get("json_field")
    if isinstance(field, dict):
        parts.append(f"{field.get('path')} = {json.dumps(field.get('equals'))}")
    return ", ".join(parts)
