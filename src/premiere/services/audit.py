"""The audit log: written in the transaction of every change, read newest first.

Events are hash-chained per project (services/audit_chain.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from premiere.errors import ValidationError
from premiere.services import Actor
from premiere.services.audit_chain import link_audit_event
from premiere.services.communication.announce import enqueue_deliveries
from premiere.services.mappers import AuditPage, map_audit_event_row_to_view
from premiere.services.validation import decode_cursor, encode_cursor
from premiere.store import Store
from premiere.store.models import AuditEvent, Change
from premiere.store.types import utc_now

MAX_LIMIT = 500
ACTOR_FIELD_MAX = 200  # the column width


def record_audit_event(
    session: Session,
    actor: Actor,
    action: str,
    *,
    project: str | None,
    resource_type: str,
    resource_key: str,
    environment: str | None = None,
    before: Any = None,
    after: Any = None,
    at: datetime | None = None,
) -> None:
    """Append one event, linked to its chain, with the outbox's deliveries announcing
    it (services/communication/announce.py); call it inside the transaction that makes
    the change."""
    at = at or utc_now()
    event = AuditEvent(
        at=at,
        actor_kind=actor.kind,
        actor_id=actor.id[:ACTOR_FIELD_MAX],
        actor_name=actor.name[:ACTOR_FIELD_MAX],
        action=action,
        project=project,
        resource_type=resource_type,
        resource_key=resource_key,
        environment=environment,
        before=before,
        after=after,
    )
    link_audit_event(session, event)
    session.add(event)
    enqueue_deliveries(
        session, actor, action, project=project, resource_type=resource_type,
        resource_key=resource_key, environment=environment, after=after, at=at,
    )  # fmt: skip


def list_audit_events(
    store: Store,
    *,
    project: str | None = None,
    resource_type: str | None = None,
    resource_key: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    environment: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> AuditPage:
    """Events newest first. ``actor`` matches the actor's id or name; ``since`` is
    inclusive and ``until`` exclusive; ``next_cursor`` continues past the last item."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.single("limit", "range", f"must be between 1 and {MAX_LIMIT}")
    _validate_filters(
        project=project,
        resource_type=resource_type,
        resource_key=resource_key,
        actor=actor,
        action=action,
        environment=environment,
    )
    statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
    equal = {
        AuditEvent.project: project,
        AuditEvent.resource_type: resource_type,
        AuditEvent.resource_key: resource_key,
        AuditEvent.action: action,
        AuditEvent.environment: environment,
    }
    for column, value in equal.items():
        if value is not None:
            statement = statement.where(column == value)
    if actor is not None:
        statement = statement.where(
            or_(AuditEvent.actor_id == actor, AuditEvent.actor_name == actor)
        )
    if since is not None:
        statement = statement.where(AuditEvent.at >= parse_time("since", since))
    if until is not None:
        statement = statement.where(AuditEvent.at < parse_time("until", until))
    if cursor is not None:
        statement = statement.where(AuditEvent.id < decode_cursor("audit", cursor))
    with store.read() as session:
        rows = list(session.scalars(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [map_audit_event_row_to_view(row) for row in rows],
        "next_cursor": encode_cursor("audit", rows[-1].id) if more else None,
    }


def activity_head(store: Store, project: str) -> tuple[int, int]:
    """Where ``project``'s audit log and change feed end: (last event id, last change
    seq). Every change to the project moves one of them, so a reader that polls this
    pair learns that something changed (the console's live updates)."""
    event = select(func.max(AuditEvent.id)).where(AuditEvent.project == project)
    change = select(func.max(Change.seq)).where(Change.project == project)
    with store.read() as session:  # one statement: two indexed reads
        found = session.execute(select(event.scalar_subquery(), change.scalar_subquery())).one()
    return int(found[0] or 0), int(found[1] or 0)


def _validate_filters(**filters: str | None) -> None:
    for name, value in filters.items():
        if value is not None and (not isinstance(value, str) or "\x00" in value):
            raise ValidationError.single(name, "type", "must be a string without NUL characters")


def parse_time(field: str, value: datetime | str) -> datetime:
    """``value`` (RFC 3339 text, or a date-time) in UTC; naive means UTC (``datetime``)."""
    if not isinstance(value, str | datetime):
        value = "not a date-time"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError.single(
                field, "datetime", "must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z"
            ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
