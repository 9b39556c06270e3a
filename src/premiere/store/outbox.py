"""Release communication's tables: outgoing webhooks, email subscribers, the outbox of
their deliveries and each delivery's attempts, plus the claim of due deliveries.

A delivery row is written in the transaction of the change it announces (the
outbox), so it exists exactly when the change does. Workers claim due rows by
setting ``claimed_until`` (a lease): on PostgreSQL with ``FOR UPDATE SKIP LOCKED``,
so replicas never claim the same row; on SQLite, the single writer, in one
``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from premiere.store.models import Base
from premiere.store.types import big_id_type, json_type, utc_now


class Webhook(Base):
    __tablename__ = "outgoing_webhooks"
    __table_args__ = (Index("ix_outgoing_webhooks_project_id", "project_id"),)

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(Text, default="")
    events: Mapped[list[str]] = mapped_column(json_type())
    format: Mapped[str] = mapped_column(String(16), default="standard")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100), default=None)
    previous_secret_until: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class EmailSubscriber(Base):
    """Someone who gets an email per event of the ``categories`` (event types' first
    word: ``release``, ``deployment``, ...) of a project; ``token`` is their
    unsubscribe link's."""

    __tablename__ = "email_subscribers"
    __table_args__ = (
        Index("ix_email_subscribers_project_id", "project_id"),
        UniqueConstraint("token"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    categories: Mapped[list[str]] = mapped_column(json_type())
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class OutboxDelivery(Base):
    """One event for one webhook or one email subscriber: ``pending`` until delivered,
    or ``failed`` after its last attempt; ``message_id`` is the same on every attempt
    (webhook-id)."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        Index("ix_outbox_deliveries_due", "status", "next_attempt_at"),
        Index("ix_outbox_deliveries_webhook_id", "webhook_id"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    webhook_id: Mapped[int | None] = mapped_column(
        big_id_type(), ForeignKey("outgoing_webhooks.id", ondelete="CASCADE"), default=None
    )
    subscriber_id: Mapped[int | None] = mapped_column(
        big_id_type(), ForeignKey("email_subscribers.id", ondelete="CASCADE"), default=None
    )
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxAttempt(Base):
    """One HTTP attempt of a delivery: when, how it answered (or the error), how long."""

    __tablename__ = "outbox_attempts"
    __table_args__ = (Index("ix_outbox_attempts_delivery_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("outbox_deliveries.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column()
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


def claim_due_deliveries(
    session: Session, now: datetime, until: datetime, owner: str, limit: int
) -> list[int]:
    """Claim up to ``limit`` pending deliveries due at ``now`` whose lease is free,
    leasing them to ``owner`` until ``until``; returns their ids. Call it in a write
    transaction of its own and commit at once."""
    due = (
        select(OutboxDelivery.id)
        .where(
            OutboxDelivery.status == "pending",
            OutboxDelivery.next_attempt_at <= now,
            or_(OutboxDelivery.claimed_until.is_(None), OutboxDelivery.claimed_until <= now),
        )
        .order_by(OutboxDelivery.next_attempt_at, OutboxDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(OutboxDelivery)
            .where(OutboxDelivery.id.in_(ids))
            .values(claimed_until=until, claimed_by=owner)
        )
    return ids
