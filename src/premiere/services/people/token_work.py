"""Revoking a token withdraws the work it left for later, at once.

Pending scheduled flag changes it created are cancelled, and ``scheduled`` or
``ready`` releases it scheduled go back to ``draft``, each with the reason recorded
and audited as the person who revoked the token. (The scheduler checks again before
running anything, see ``revocations``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services import Actor
from premiere.services.flags.scheduled_changes import cancel_revoked_change
from premiere.services.people.revocations import release_scheduler, revocation_reason
from premiere.services.releases.rows import transition
from premiere.store.models import ApiToken, Project
from premiere.store.releases import Release, ScheduledChange
from premiere.store.types import utc_now


def withdraw_token_work(session: Session, actor: Actor, token: ApiToken) -> None:
    """Cancel what ``token`` (just revoked) left to run later. The rows are locked
    and read as committed, so a change being applied meanwhile is left as applied."""
    withdraw_work(session, actor, {"kind": "token", "id": token.id})


def withdraw_work(session: Session, actor: Actor, creator: Mapping[str, Any]) -> None:
    """Cancel what ``creator`` (an actor view: a token just revoked, a person just
    removed) left to run later."""
    reason = revocation_reason(session, creator)
    if reason is None:
        return
    changes = session.execute(
        select(ScheduledChange, Project.key)
        .join(Project, Project.id == ScheduledChange.project_id)
        .where(ScheduledChange.status == "pending")
        .with_for_update(of=ScheduledChange)
    ).all()
    for change, project in changes:
        if _made_by(change.created_by, creator):
            cancel_revoked_change(session, actor, project, change, reason)
    waiting = session.execute(
        select(Release, Project.key)
        .join(Project, Project.id == Release.project_id)
        .where(Release.state.in_(("scheduled", "ready")))
        .with_for_update(of=Release, key_share=True)
    ).all()
    for release, project in waiting:
        if _made_by(release_scheduler(session, project, release.key), creator):
            transition(
                session, actor, project, release, release.version, "draft",
                action="cancelled", reason=reason, now=utc_now(),
            )  # fmt: skip


def _made_by(made_by: Mapping[str, Any] | None, creator: Mapping[str, Any]) -> bool:
    if made_by is None:
        return False
    return (made_by.get("kind"), made_by.get("id")) == (creator.get("kind"), creator.get("id"))
