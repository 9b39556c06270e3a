"""Outgoing webhooks of a project: create, read, update, delete, rotate the secret.

A webhook's secret is shown once, in the answer to its creation or rotation. After a
rotation the previous secret keeps signing (beside the new one) for a day, so a
receiver can switch without dropping deliveries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.events import EVENT_TYPES
from premiere.services.communication.signing import new_secret
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import DESCRIPTION_MAX, Validator
from premiere.store import Store
from premiere.store.concurrency import require_current_version
from premiere.store.outbox import Webhook
from premiere.store.types import utc_now

FIELDS = ("url", "description", "events", "format", "enabled")
FORMATS = ("standard", "slack")
URL_MAX = 2000
PREVIOUS_SECRET_VALID = timedelta(days=1)
WebhookView = dict[str, Any]


def list_webhooks(store: Store, project: str) -> list[WebhookView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        rows = session.scalars(
            select(Webhook).where(Webhook.project_id == project_row.id).order_by(Webhook.id)
        )
        return [map_webhook_row_to_view(row, project) for row in rows]


def get_webhook(store: Store, project: str, webhook_id: int) -> WebhookView:
    with store.read() as session:
        return map_webhook_row_to_view(get_webhook_row(session, project, webhook_id), project)


def create_webhook(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> WebhookView:
    """A new webhook; its view holds ``secret``, shown this once."""
    _validate(data, creating=True)
    now = utc_now()
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = Webhook(
            project_id=project_row.id,
            url=data["url"],
            description=data.get("description", ""),
            events=sorted(set(data["events"])),
            format=data.get("format", "standard"),
            enabled=data.get("enabled", True),
            secret=new_secret(),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        view = map_webhook_row_to_view(row, project)
        _audit(session, actor, "webhook.created", project, row, None, view)
        return {**view, "secret": row.secret}


def update_webhook(
    store: Store,
    actor: Actor,
    project: str,
    webhook_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> WebhookView:
    """Change the fields given (PATCH); ``expected_version``, when given, must be current."""
    _validate(data, creating=False)
    with store.write() as session:
        row = get_webhook_row(session, project, webhook_id, lock=True)
        if expected_version is not None:
            require_current_version("webhook", str(webhook_id), row.version, expected_version)
        before = map_webhook_row_to_view(row, project)
        for name in FIELDS:
            if name in data:
                value = data[name]
                setattr(row, name, sorted(set(value)) if name == "events" else value)
        row.version += 1
        row.updated_at = utc_now()
        session.flush()
        after = map_webhook_row_to_view(row, project)
        _audit(session, actor, "webhook.updated", project, row, before, after)
        return after


def delete_webhook(store: Store, actor: Actor, project: str, webhook_id: int) -> None:
    """Delete a webhook with its deliveries and their log."""
    with store.write() as session:
        row = get_webhook_row(session, project, webhook_id, lock=True)
        before = map_webhook_row_to_view(row, project)
        session.delete(row)
        session.flush()
        _audit(session, actor, "webhook.deleted", project, row, before, None)


def rotate_webhook_secret(store: Store, actor: Actor, project: str, webhook_id: int) -> WebhookView:
    """A new secret (in the view, shown this once); the previous one also signs for a day."""
    now = utc_now()
    with store.write() as session:
        row = get_webhook_row(session, project, webhook_id, lock=True)
        row.previous_secret = row.secret
        row.previous_secret_until = now + PREVIOUS_SECRET_VALID
        row.secret = new_secret()
        row.version += 1
        row.updated_at = now
        session.flush()
        view = map_webhook_row_to_view(row, project)
        _audit(session, actor, "webhook.secret_rotated", project, row, None, None)
        return {**view, "secret": row.secret}


def get_webhook_row(
    session: Session, project: str, webhook_id: int, *, lock: bool = False
) -> Webhook:
    project_row = get_project_row(session, project)
    statement = select(Webhook).where(
        Webhook.id == webhook_id, Webhook.project_id == project_row.id
    )
    row = session.scalar(statement.with_for_update() if lock else statement)
    if row is None:
        raise NotFoundError("webhook", str(webhook_id))
    return row


def map_webhook_row_to_view(row: Webhook, project: str) -> WebhookView:
    return {
        "id": row.id,
        "project": project,
        "url": row.url,
        "description": row.description,
        "events": list(row.events),
        "format": row.format,
        "enabled": row.enabled,
        "version": row.version,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    project: str,
    row: Webhook,
    before: Any,
    after: Any,
) -> None:
    record_audit_event(
        session, actor, action, project=project, resource_type="webhook",
        resource_key=str(row.id), before=before, after=after,
    )  # fmt: skip


def _validate(data: Mapping[str, Any], *, creating: bool) -> None:
    validator = Validator(data)
    validator.allowed(FIELDS)
    if creating:
        validator.required("url")
        validator.required("events")
    if "url" in data:
        problem = url_problem(data["url"])
        if problem is not None:
            validator.add("url", problem[0], problem[1])
    validator.text("description", max_length=DESCRIPTION_MAX)
    _validate_events(validator, data)
    if "format" in data and data["format"] not in FORMATS:
        validator.add("format", "enum", "must be standard or slack")
    validator.boolean("enabled")
    validator.raise_if_any()


def _validate_events(validator: Validator, data: Mapping[str, Any]) -> None:
    if "events" not in data:
        return
    events = data["events"]
    if not isinstance(events, list) or not events:
        validator.add("events", "non_empty", "must be a non-empty list of event types")
        return
    for index, name in enumerate(events):
        if name not in EVENT_TYPES:
            known = ", ".join(EVENT_TYPES)
            validator.add(f"events[{index}]", "enum", f"unknown event type; one of {known}")


def url_problem(url: Any) -> tuple[str, str] | None:
    """(rule, message) when ``url`` cannot be a webhook's URL, else None."""
    if not isinstance(url, str):
        return "type", "must be a string"
    if len(url) > URL_MAX:
        return "max_length", f"must be at most {URL_MAX} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError:
        return "url", "must be an absolute http or https URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "url_scheme", "must be an absolute http or https URL"
    if parts.username is not None or parts.password is not None:
        return "url_credentials", "must not hold credentials (user:password@)"
    if parts.fragment or url.endswith("#"):
        return "url_fragment", "must not have a fragment (#...)"
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "url", "must not contain spaces or control characters"
    return None
