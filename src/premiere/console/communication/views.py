"""What the webhook and subscriber pages show, read from the services the API uses, and
the services' input read from their forms."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from premiere.console.pages import frame
from premiere.services.communication import outbox, webhooks
from premiere.services.communication.events import EVENT_TYPES
from premiere.services.communication.subscribers import CATEGORIES, list_subscribers
from premiere.services.deployments.network import AddressPolicy
from premiere.settings import Settings
from premiere.store import Store

EVENT_FIELD = "event:"
"""A checkbox per event type, named ``event:<type>`` (a form's last value of a name wins)."""
CATEGORY_FIELD = "category:"
FORMAT_OPTIONS = (("standard", "Standard Webhooks (JSON)"), ("slack", "Slack incoming webhook"))
DELIVERIES_PAGE = 25


def addresses_of(request: Request) -> AddressPolicy:
    """Where this server's webhooks may be sent (``PREMIERE_WEBHOOK_ALLOWED_ADDRESSES``)."""
    settings: Settings = getattr(request.app.state, "settings", None) or Settings()
    return webhooks.webhook_addresses(settings)


def row_id(text: str) -> int | None:
    """A webhook's or delivery's id from its path, or None (then: not found)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def webhook_data(form: dict[str, str]) -> dict[str, Any]:
    """The service's input from the webhook form: the event types ticked, known ones only."""
    return {
        "url": form.get("url", "").strip(),
        "description": form.get("description", ""),
        "events": [name for name in EVENT_TYPES if form.get(EVENT_FIELD + name)],
        "format": form.get("format", "standard"),
    }


def version_of(form: dict[str, str]) -> int | None:
    text = form.get("version", "").strip()
    return int(text) if text.isdigit() and len(text) <= 12 else None


def form_of(webhook: dict[str, Any] | None) -> dict[str, str]:
    """The form's fields filled from ``webhook`` (a new one: the standard format)."""
    if webhook is None:
        return {"format": "standard"}
    fields = {name: str(webhook[name]) for name in ("url", "description", "format", "version")}
    return fields | {EVENT_FIELD + name: "true" for name in webhook["events"]}


def build_list(store: Store, project: str) -> dict[str, Any]:
    """The project's webhooks, each with its last delivery, and its subscribers' count."""
    items = webhooks.list_webhooks(store, project)
    last = outbox.last_deliveries(store, project)
    rows = [{**item, "last": last.get(item["id"])} for item in items]
    return frame(store, project, "settings") | {
        "webhooks": rows,
        "subscribers": len(list_subscribers(store, project)),
    }


def build_form(store: Store, project: str, webhook_id: int | None) -> dict[str, Any]:
    """The create (``webhook_id`` None) or edit form's page."""
    webhook = None if webhook_id is None else webhooks.get_webhook(store, project, webhook_id)
    return frame(store, project, "settings") | {
        "webhook": webhook,
        "form": form_of(webhook),
        "errors": None,
        "event_types": [(name, means) for name, (_, means) in EVENT_TYPES.items()],
        "event_field": EVENT_FIELD,
        "format_options": FORMAT_OPTIONS,
    }


def build_webhook(
    store: Store, project: str, webhook_id: int, cursor: str | None = None
) -> dict[str, Any]:
    """A webhook's page: its settings, actions and a page of its deliveries' log."""
    webhook = webhooks.get_webhook(store, project, webhook_id)
    found = outbox.list_deliveries(store, project, webhook_id, limit=DELIVERIES_PAGE, cursor=cursor)
    here = f"/projects/{project}/webhooks/{webhook_id}"
    following = found["next_cursor"]
    return frame(store, project, "settings") | {
        "webhook": webhook,
        "deliveries": [delivery_row(item) for item in found["items"]],
        "next_url": f"{here}?cursor={following}" if following else None,
        "first_url": here if cursor else None,
        "errors": None,
        "form": {},
    }


def delivery_row(item: dict[str, Any]) -> dict[str, Any]:
    """A delivery as the log shows it: its last attempt's answer beside its state."""
    log = item.get("log") or []
    return {**item, "last_attempt": log[-1] if log else None}


def build_subscribers(store: Store, project: str) -> dict[str, Any]:
    return frame(store, project, "settings") | {
        "subscribers": list_subscribers(store, project),
        "categories": CATEGORIES,
        "category_field": CATEGORY_FIELD,
        "form": {},
        "errors": None,
    }


def subscriber_data(form: dict[str, str]) -> dict[str, Any]:
    """The service's input from the add form: the categories ticked."""
    return {
        "email": form.get("email", "").strip(),
        "categories": [name for name in CATEGORIES if form.get(CATEGORY_FIELD + name)],
    }
