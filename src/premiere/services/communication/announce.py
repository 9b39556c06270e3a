"""Announcing a change: the outbox rows written in the change's own transaction.

``record_audit_event`` calls :func:`enqueue_deliveries` for every audit event: when
the event's action means an event type (:mod:`.events`) that enabled webhooks of the
project subscribe to, it adds one ``pending`` delivery per webhook and type to the
same session, so the delivery commits, or rolls back, with the change; and one per
email subscriber of the project whose categories hold the type's first word.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services import Actor
from premiere.services.communication.events import event_types_of
from premiere.services.mappers import format_time
from premiere.store.models import Project
from premiere.store.outbox import EmailSubscriber, OutboxDelivery, Webhook

MAX_ATTEMPTS = 10


def enqueue_deliveries(
    session: Session,
    actor: Actor,
    action: str,
    *,
    project: str | None,
    resource_type: str,
    resource_key: str,
    environment: str | None,
    after: Any,
    at: datetime,
) -> None:
    """One delivery per enabled webhook of ``project`` subscribed to an event type the
    action means, in the caller's transaction."""
    types = event_types_of(action, actor, after) if project is not None else []
    if not types:
        return
    webhooks = session.scalars(
        select(Webhook)
        .join(Project, Project.id == Webhook.project_id)
        .where(Project.key == project, Webhook.enabled.is_(True))
        .order_by(Webhook.id)
    )
    data = {
        "project": project,
        "action": action,
        "resource_type": resource_type,
        "resource_key": resource_key,
        "environment": environment,
        "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name},
        "after": after,
    }
    for webhook in webhooks:
        for event_type in types:
            if event_type in webhook.events:
                session.add(new_delivery(webhook.id, event_type, data, at))
    subscribers = session.scalars(
        select(EmailSubscriber)
        .join(Project, Project.id == EmailSubscriber.project_id)
        .where(Project.key == project)
        .order_by(EmailSubscriber.id)
    )
    for subscriber in subscribers:
        for event_type in types:
            if category_of(event_type) in subscriber.categories:
                delivery = new_delivery(None, event_type, data, at)
                delivery.subscriber_id = subscriber.id
                session.add(delivery)


def category_of(event_type: str) -> str:
    """An email subscriber's category of ``event_type``: its first word (``release``)."""
    return event_type.partition(".")[0]


def new_delivery(
    webhook_id: int | None, event_type: str, data: dict[str, Any], at: datetime
) -> OutboxDelivery:
    """A pending delivery of ``event_type`` due at ``at``, with a new message id."""
    return OutboxDelivery(
        webhook_id=webhook_id,
        message_id=f"msg_{secrets.token_hex(12)}",
        event_type=event_type,
        payload={"type": event_type, "timestamp": format_time(at), "data": data},
        status="pending",
        attempts=0,
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=at,
        created_at=at,
    )
