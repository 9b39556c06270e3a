"""The outbox's deliveries as people see them: their log, redelivery and the test
event. Deliveries of events are added by :mod:`.announce`, in the transaction of the
change they announce; the worker (:mod:`.delivery`) sends them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
from premiere.store.outbox import OutboxAttempt, OutboxDelivery, Webhook
from premiere.store.types import utc_now

PAGE_MAX = 200
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
    """One more attempt of a delivered or failed delivery, as soon as the worker runs
    (same ``webhook-id``, so a receiver can tell it from a new event)."""
    now = utc_now()
    with store.write() as session:
        row = _delivery_row(session, project, delivery_id, lock=True)
        if row.status == "pending":
            raise InvalidStateError(
                f"delivery {delivery_id} is still pending: it will be attempted",
                {"resource": "delivery", "key": str(delivery_id), "status": row.status},
            )
        row.status = "pending"
        row.max_attempts = row.attempts + 1
        row.next_attempt_at = now
        row.claimed_until = None
        row.claimed_by = None
        session.flush()
        return map_delivery_row_to_view(row, _attempts(session, row.id))


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


def _attempts(session: Session, delivery_id: int) -> list[OutboxAttempt]:
    return list(
        session.scalars(
            select(OutboxAttempt)
            .where(OutboxAttempt.delivery_id == delivery_id)
            .order_by(OutboxAttempt.id)
        )
    )
