"""``premiere webhooks``: a project's outgoing webhooks, their deliveries and tests."""

from __future__ import annotations

from typing import Any

import click

from premiere.cli.aliases import AliasedGroup
from premiere.cli.client import path
from premiere.cli.context import api_options, get_obj, json_option, project_option
from premiere.cli.exits import BadUsage
from premiere.cli.output import details, emit_json, say, short_time, table

FORMATS = ("standard", "slack")


def _url(*parts: str) -> str:
    return path("projects", get_obj().project_key(), *parts)


@click.group(cls=AliasedGroup, aliases={"add": "create", "remove": "delete"})
def webhooks() -> None:
    """Outgoing webhooks: signed HTTP calls when deployments and releases change.

    Each webhook subscribes to event types (deployment.recorded, release.started,
    release.rolled_back, ...; see docs/webhooks.md) and is sent from a durable outbox
    by `premiere serve` or `premiere worker`, retried for hours. Changes need an admin
    token.
    """


@webhooks.command("list")
@project_option
@api_options
@json_option
def webhooks_list(as_json: bool) -> None:
    """List the project's webhooks."""
    items = get_obj().client.get(_url("webhooks"))
    if as_json:
        emit_json(items)
        return
    rows = [
        (w["id"], w["url"], ", ".join(w["events"]), w["format"],
         "yes" if w["enabled"] else "no", w["description"])
        for w in items
    ]  # fmt: skip
    table("Webhooks", ["id", "url", "events", "format", "enabled", "description"], rows)


@webhooks.command("create")
@click.argument("endpoint")
@click.option("--event", "-e", "events", multiple=True, required=True,
              help="An event type to send (repeat the option for several).")  # fmt: skip
@click.option("--format", "body_format", type=click.Choice(FORMATS), help="[default: standard]")
@click.option("--description", help="What the webhook is for.")
@click.option("--disabled", is_flag=True, help="Create it disabled.")
@project_option
@api_options
@json_option
def webhooks_create(
    endpoint: str,
    events: tuple[str, ...],
    body_format: str | None,
    description: str | None,
    disabled: bool,
    as_json: bool,
) -> None:
    """Create a webhook to ENDPOINT (a URL) and print its signing secret, this once."""
    body: dict[str, Any] = {"url": endpoint, "events": list(events)}
    if body_format:
        body["format"] = body_format
    if description is not None:
        body["description"] = description
    if disabled:
        body["enabled"] = False
    _show_secret(get_obj().client.post(_url("webhooks"), body), as_json)


@webhooks.command("get")
@click.argument("webhook_id", type=int)
@project_option
@api_options
@json_option
def webhooks_get(webhook_id: int, as_json: bool) -> None:
    """Show webhook WEBHOOK_ID."""
    _show(get_obj().client.get(_url("webhooks", str(webhook_id))), as_json)


@webhooks.command("update")
@click.argument("webhook_id", type=int)
@click.option("--endpoint", "new_url", metavar="URL", help="A new URL to send to.")
@click.option("--event", "-e", "events", multiple=True, help="Replaces the event types.")
@click.option("--format", "body_format", type=click.Choice(FORMATS))
@click.option("--description")
@click.option("--enable/--disable", "enabled", default=None, help="Send to it, or not.")
@project_option
@api_options
@json_option
def webhooks_update(
    webhook_id: int,
    new_url: str | None,
    events: tuple[str, ...],
    body_format: str | None,
    description: str | None,
    enabled: bool | None,
    as_json: bool,
) -> None:
    """Change webhook WEBHOOK_ID: only the options given."""
    given = {
        "url": new_url,
        "events": list(events) or None,
        "format": body_format,
        "description": description,
        "enabled": enabled,
    }
    body = {k: v for k, v in given.items() if v is not None}
    if not body:
        raise BadUsage("nothing to change: give --endpoint, --event, --format, --description, "
                       "--enable or --disable")  # fmt: skip
    _show(get_obj().client.patch(_url("webhooks", str(webhook_id)), body, None), as_json)


@webhooks.command("delete")
@click.argument("webhook_id", type=int)
@project_option
@api_options
def webhooks_delete(webhook_id: int) -> None:
    """Delete webhook WEBHOOK_ID with its deliveries."""
    get_obj().client.delete(_url("webhooks", str(webhook_id)))
    say(f"Deleted webhook {webhook_id}.")


@webhooks.command("rotate-secret")
@click.argument("webhook_id", type=int)
@project_option
@api_options
@json_option
def webhooks_rotate(webhook_id: int, as_json: bool) -> None:
    """A new signing secret for WEBHOOK_ID; the old one also signs for a day."""
    created = get_obj().client.post(_url("webhooks", str(webhook_id), "rotate-secret"))
    _show_secret(created, as_json)


@webhooks.command("test")
@click.argument("webhook_id", type=int)
@project_option
@api_options
@json_option
def webhooks_test(webhook_id: int, as_json: bool) -> None:
    """Send a ping event to WEBHOOK_ID (see it with `premiere webhooks deliveries`)."""
    delivery = get_obj().client.post(_url("webhooks", str(webhook_id), "test"))
    if as_json:
        emit_json(delivery)
    else:
        say(f"Ping queued as delivery {delivery['id']} ({delivery['message_id']}).")


@webhooks.command("deliveries")
@click.argument("webhook_id", type=int)
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--cursor", help="next_cursor of the previous page.")
@project_option
@api_options
@json_option
def webhooks_deliveries(webhook_id: int, limit: int, cursor: str | None, as_json: bool) -> None:
    """WEBHOOK_ID's deliveries, newest first, with their last attempt."""
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    page = get_obj().client.get(_url("webhooks", str(webhook_id), "deliveries"), params)
    if as_json:
        emit_json(page)
        return
    rows = [(d["id"], d["event_type"], d["status"], d["attempts"], short_time(d["created_at"]),
             _last(d["log"])) for d in page["items"]]  # fmt: skip
    table("Deliveries", ["id", "event", "status", "attempts", "created (UTC)", "last"], rows)
    if page["next_cursor"]:
        say(f"More: --cursor {page['next_cursor']}")


@webhooks.command("redeliver")
@click.argument("delivery_id", type=int)
@project_option
@api_options
@json_option
def webhooks_redeliver(delivery_id: int, as_json: bool) -> None:
    """Attempt delivery DELIVERY_ID once more (same webhook-id)."""
    delivery = get_obj().client.post(_url("deliveries", str(delivery_id), "redeliver"))
    if as_json:
        emit_json(delivery)
    else:
        say(f"Delivery {delivery_id} queued again.")


def _last(log: list[dict[str, Any]]) -> str:
    if not log:
        return ""
    last = log[-1]
    return str(last["status_code"] or last["error"] or "")


def _show(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(view)
        return
    details(
        f"Webhook {view['id']}",
        [(k, ", ".join(view[k]) if k == "events" else view[k])
         for k in ("url", "events", "format", "enabled", "description", "version")],
    )  # fmt: skip


def _show_secret(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(view)
        return
    _show(view, False)
    click.echo(click.style("Signing secret (shown only this once):\n", bold=True))
    click.echo(click.style(f"    {view['secret']}\n", fg="green", bold=True))
