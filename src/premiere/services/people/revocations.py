"""Work left to run later on behalf of an API token that has since been revoked, or of a
person (or service account) since removed.

A scheduled flag change runs as the token that created it, and a scheduled release
starts on the word of the token that scheduled it. Revoking a token withdraws that
word: the scheduler cancels such work instead of running it, and records why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services.mappers import format_time
from premiere.store.models import ApiToken, AuditEvent
from premiere.store.people import Person

REVOKED = "token_revoked"


def revocation_reason(session: Session, actor: Mapping[str, Any] | None) -> str | None:
    """Why work on behalf of ``actor`` (an actor view) must not run: its token was
    revoked, or its person (or service account) removed. None for a live token or
    person, and for anyone else."""
    if not actor or actor.get("kind") not in {"token", "person", "service"}:
        return None
    if actor.get("kind") != "token":
        person = session.get(Person, str(actor.get("id")))
        if person is None or person.removed_at is None:
            return None
        return (
            f"{REVOKED}: {person.name!r} ({person.id}), who made it, "
            f"was removed at {format_time(person.removed_at)}"
        )
    token = session.get(ApiToken, str(actor.get("id")))
    if token is None or token.revoked_at is None:
        return None
    return (
        f"{REVOKED}: the token {token.name!r} ({token.id}) it was made with "
        f"was revoked at {format_time(token.revoked_at)}"
    )


def release_scheduler(session: Session, project: str, key: str) -> dict[str, Any] | None:
    """Who last scheduled release ``key`` (the actor of its latest ``release.scheduled``)."""
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.project == project,
            AuditEvent.resource_type == "release",
            AuditEvent.resource_key == key,
            AuditEvent.action == "release.scheduled",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None
    return {"kind": event.actor_kind, "id": event.actor_id, "name": event.actor_name}
