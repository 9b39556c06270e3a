"""Email subscribers of a project: people who get an email per event of the categories
they chose, each with a one-click unsubscribe link (``/api/v1/unsubscribe/{token}``).

Categories are the event types' first words: ``deployment``, ``release``, ``note``,
``guard``, ``readiness``. The emails go through the outbox like webhooks' deliveries
(:mod:`.mail`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.announce import category_of
from premiere.services.communication.events import EVENT_TYPES
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.outbox import EmailSubscriber
from premiere.store.types import utc_now

CATEGORIES = tuple(dict.fromkeys(category_of(t) for t in EVENT_TYPES))
EMAIL = re.compile(r"[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
SubscriberView = dict[str, Any]


def list_subscribers(store: Store, project: str) -> list[SubscriberView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        rows = session.scalars(
            select(EmailSubscriber)
            .where(EmailSubscriber.project_id == project_row.id)
            .order_by(EmailSubscriber.id)
        )
        return [map_subscriber_row_to_view(row, project) for row in rows]


def subscribe(store: Store, actor: Actor, project: str, data: Mapping[str, Any]) -> SubscriberView:
    """Add a subscriber: ``{"email", "categories"}``."""
    validator = Validator(data)
    validator.allowed(("email", "categories"))
    if validator.required("email") and not (
        isinstance(data["email"], str) and EMAIL.fullmatch(data["email"])
    ):
        validator.add("email", "email", "must be an email address, name@example.com")
    if validator.required("categories"):
        categories = data["categories"]
        if not isinstance(categories, list) or not categories:
            validator.add("categories", "non_empty", f"must list some of {', '.join(CATEGORIES)}")
        else:
            for index, name in enumerate(categories):
                if name not in CATEGORIES:
                    validator.add(f"categories[{index}]", "enum", f"one of {', '.join(CATEGORIES)}")
    validator.raise_if_any()
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = EmailSubscriber(
            project_id=project_row.id,
            email=data["email"],
            categories=sorted(set(data["categories"])),
            token=secrets.token_urlsafe(24),
            created_at=utc_now(),
        )
        session.add(row)
        session.flush()
        view = map_subscriber_row_to_view(row, project)
        record_audit_event(
            session, actor, "subscriber.created", project=project,
            resource_type="subscriber", resource_key=str(row.id), after=view,
        )  # fmt: skip
        return view


def remove_subscriber(store: Store, actor: Actor, project: str, subscriber_id: int) -> None:
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = session.scalar(
            select(EmailSubscriber).where(
                EmailSubscriber.id == subscriber_id, EmailSubscriber.project_id == project_row.id
            )
        )
        if row is None:
            raise NotFoundError("subscriber", str(subscriber_id))
        before = map_subscriber_row_to_view(row, project)
        session.delete(row)
        record_audit_event(
            session, actor, "subscriber.deleted", project=project,
            resource_type="subscriber", resource_key=str(subscriber_id), before=before,
        )  # fmt: skip


def unsubscribe(store: Store, token: str) -> dict[str, Any]:
    """The one-click unsubscribe: removes the subscriber whose link holds ``token``
    (and their pending emails); not found when it was used already."""
    with store.write() as session:
        row = session.scalar(select(EmailSubscriber).where(EmailSubscriber.token == token))
        if row is None or not isinstance(token, str):
            raise NotFoundError("subscription", "(this link)", "this subscription has ended")
        email = row.email
        session.delete(row)
        return {"unsubscribed": email}


def map_subscriber_row_to_view(row: EmailSubscriber, project: str) -> SubscriberView:
    return {
        "id": row.id,
        "project": project,
        "email": row.email,
        "categories": list(row.categories),
        "created_at": format_time(row.created_at),
    }
