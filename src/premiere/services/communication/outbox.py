"""The outbox's deliveries as people see them: their log, redelivery, the test event,
a release's announcements, and pruning the finished ones. Deliveries of events are
added by :mod:`.announce`, in the transaction of the change they announce; the worker
(:mod:`.delivery`) sends them.

A delivery is ``pending`` (to be attempted), ``delivered``, ``failed`` (after its last
attempt) or ``cancelled`` (its webhook was disabled before it was sent)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from premiere.errors import InvalidStateError, NotFoundError, ValidationError
from premiere.services import Actor
from premiere.services.communication.announce import new_delivery
from premiere.services.communication.events import PING
from premiere.services.communication.webhooks import get_webhook_row
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import decode_cursor, encode_cursor
from premiere.store import Store
from premiere.store.models import Project
from premiere.store.outbox import OutboxAttempt, OutboxDelivery, Webhook
from premiere.store.types import utc_now

PAGE_MAX = 200
FINISHED = ("delivered", "failed", "cancelled")
ANNOUNCEMENTS_MAX = 20
DeliveryView = dict[str, Any]


def send_test_event(store: Store, actor: Actor, project: str, webhook_id: int) -> DeliveryView:
    """A ``ping`` delivery to the webhook (enabled or not), sent by the worker at once."""
    now = utc_now()
    with store.write() as session:
        webhook = get_webhook_row(session, project, webhook_id)
        data = {"project": project, "webhook_id": webhook.id, "actor": actor.name}
        row = new_delivery(webhook.id, PING, data, now)
        session.add(row)
        session.flush()
        return map_delivery_row_to_view(row, [])


def list_deliveries(
    store: Store, project: str, webhook_id: int, *, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """The webhook's deliveries, newest first, each with its attempts (the log)."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= PAGE_MAX:
        raise ValidationError.single("limit", "range", f"must be between 1 and {PAGE_MAX}")
    statement = (
        select(OutboxDelivery)
        .where(OutboxDelivery.webhook_id == webhook_id)
        .order_by(OutboxDelivery.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        statement = statement.where(OutboxDelivery.id < decode_cursor("deliveries", cursor))
    with store.read() as session:
        get_webhook_row(session, project, webhook_id)
        rows = list(session.scalars(statement))
        more = len(rows) > limit
        rows = rows[:limit]
        items = [map_delivery_row_to_view(row, _attempts(session, row.id)) for row in rows]
    return {
        "items": items,
        "next_cursor": encode_cursor("deliveries", rows[-1].id) if more else None,
    }


def get_delivery(store: Store, project: str, delivery_id: int) -> DeliveryView:
    with store.read() as session:
        row = _delivery_row(session, project, delivery_id)
        return map_delivery_row_to_view(row, _attempts(session, row.id))


def redeliver(store: Store, project: str, delivery_id: int) -> DeliveryView:
    """One more attempt of a delivered, failed or cancelled delivery of an enabled
    webhook, as soon as the worker runs (same ``webhook-id``, so a receiver can tell it
    from a new event)."""
    now = utc_now()
    with store.write() as session:
        row = _delivery_row(session, project, delivery_id, lock=True)
        if row.status == "pending":
            raise InvalidStateError(
                f"delivery {delivery_id} is still pending: it will be attempted",
                {"resource": "delivery", "key": str(delivery_id), "status": row.status},
            )
        webhook = session.get(Webhook, row.webhook_id)
        if webhook is not None and not webhook.enabled:
            raise InvalidStateError(
                f"webhook {webhook.id} is disabled: enable it to redeliver",
                {"resource": "webhook", "key": str(webhook.id), "enabled": False},
            )
        row.status = "pending"
        row.max_attempts = row.attempts + 1
        row.next_attempt_at = now
        row.claimed_until = None
        row.claimed_by = None
        session.flush()
        return map_delivery_row_to_view(row, _attempts(session, row.id))


def last_deliveries(store: Store, project: str) -> dict[int, DeliveryView]:
    """Each webhook's latest delivery (by webhook id), with its last attempt; one indexed
    read per webhook."""
    found: dict[int, DeliveryView] = {}
    with store.read() as session:
        project_row = get_project_row(session, project)
        ids = session.scalars(select(Webhook.id).where(Webhook.project_id == project_row.id))
        for webhook_id in list(ids):
            row = session.scalar(
                select(OutboxDelivery)
                .where(OutboxDelivery.webhook_id == webhook_id)
                .order_by(OutboxDelivery.id.desc())
                .limit(1)
            )
            if row is not None:
                found[webhook_id] = map_delivery_row_to_view(row, _last_attempt(session, row.id))
    return found


def list_release_announcements(store: Store, project: str, release: str) -> list[DeliveryView]:
    """The latest webhook deliveries of events about ``release`` (their payload's
    resource), newest first, without their attempts' log but the last attempt's."""
    data = OutboxDelivery.payload["data"]
    statement = (
        select(OutboxDelivery, Webhook.url)
        .join(Webhook, Webhook.id == OutboxDelivery.webhook_id)
        .where(
            Webhook.project_id == select_project_id(project),
            data["resource_type"].as_string() == "release",
            data["resource_key"].as_string() == release,
        )
        .order_by(OutboxDelivery.id.desc())
        .limit(ANNOUNCEMENTS_MAX)
    )
    with store.read() as session:
        get_project_row(session, project)
        found = []
        for row, url in session.execute(statement):
            last = _last_attempt(session, row.id)
            found.append({**map_delivery_row_to_view(row, last), "url": url})
        return found


def prune_outbox_deliveries(store: Store, retention: timedelta, *, now: datetime) -> int:
    """Delete the finished deliveries (delivered, failed, cancelled) created more than
    ``retention`` before ``now``, with their attempts; returns how many."""
    cutoff = now - retention
    old = select(OutboxDelivery.id).where(
        OutboxDelivery.status.in_(FINISHED), OutboxDelivery.created_at < cutoff
    )
    with store.write() as session:
        ids = list(session.scalars(old))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            session.execute(delete(OutboxAttempt).where(OutboxAttempt.delivery_id.in_(chunk)))
            session.execute(delete(OutboxDelivery).where(OutboxDelivery.id.in_(chunk)))
        return len(ids)


def map_delivery_row_to_view(row: OutboxDelivery, attempts: list[OutboxAttempt]) -> DeliveryView:
    return {
        "id": row.id,
        "webhook_id": row.webhook_id,
        "message_id": row.message_id,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "max_attempts": row.max_attempts,
        "next_attempt_at": format_time(row.next_attempt_at) if row.status == "pending" else None,
        "created_at": format_time(row.created_at),
        "delivered_at": format_time(row.delivered_at),
        "payload": row.payload,
        "log": [
            {
                "at": format_time(a.at),
                "status_code": a.status_code,
                "response_excerpt": a.response_excerpt,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in attempts
        ],
    }


def _delivery_row(
    session: Session, project: str, delivery_id: int, *, lock: bool = False
) -> OutboxDelivery:
    project_row = get_project_row(session, project)
    statement = (
        select(OutboxDelivery)
        .join(Webhook, Webhook.id == OutboxDelivery.webhook_id)
        .where(OutboxDelivery.id == delivery_id, Webhook.project_id == project_row.id)
    )
    row = session.scalar(statement.with_for_update(of=OutboxDelivery) if lock else statement)
    if row is None:
        raise NotFoundError("delivery", str(delivery_id))
    return row


def select_project_id(project: str) -> Any:
    return select(Project.id).where(Project.key == project).scalar_subquery()


def _last_attempt(session: Session, delivery_id: int) -> list[OutboxAttempt]:
    statement = (
        select(OutboxAttempt)
        .where(OutboxAttempt.delivery_id == delivery_id)
        .order_by(OutboxAttempt.id.desc())
        .limit(1)
    )
    return list(session.scalars(statement))


def _attempts(session: Session, delivery_id: int) -> list[OutboxAttempt]:
    return list(
        session.scalars(
            select(OutboxAttempt)
            .where(OutboxAttempt.delivery_id == delivery_id)
            .order_by(OutboxAttempt.id)
        )
    )
