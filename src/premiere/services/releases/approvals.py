"""Approvals of a release: each bound to the digest of what was approved, so any
later edit of the features, audience, plan or environment voids them. Nobody
approves their own release."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from premiere.errors import AlreadyExistsError, ValidationError, Violation
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.mappers import ActorView, format_time, stored_actor
from premiere.services.releases.rows import EDITABLE, actor_view, load_release, require_state
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.releases import Release, ReleaseApproval
from premiere.store.types import utc_now


class ApprovalView(TypedDict):
    id: int
    release: str
    approver: ActorView
    digest: str
    comment: str
    at: str
    void: bool


def approve_release(
    store: Store, actor: Actor, project: str, key: str, data: Mapping[str, Any]
) -> ApprovalView:
    validator = Validator(data)
    validator.allowed(("comment", "digest"))
    validator.text("comment", max_length=2000)
    validator.text("digest", max_length=80)
    validator.raise_if_any()
    with store.write() as session:
        _, row = load_release(session, project, key)
        require_state(row, EDITABLE, "approve")
        creator = row.created_by
        if (creator.get("kind"), creator.get("id")) == (actor.kind, actor.id):
            raise ValidationError(
                [Violation("approver", "self_approval", "nobody approves their own release")]
            )
        if data.get("digest") not in (None, row.digest):
            raise ValidationError(
                [Violation("digest", "stale_digest", "the release changed since you read it")]
            )
        if _has_approved(session, row, actor):
            raise AlreadyExistsError("release_approval", f"{key}/{actor.id}")
        approval = ReleaseApproval(
            release_id=row.id,
            digest=row.digest,
            approver=actor_view(actor),
            comment=data.get("comment") or "",
            at=utc_now(),
            void=False,
        )
        session.add(approval)
        session.flush()
        view = map_approval_row_to_view(key, approval)
        record_audit_event(
            session,
            actor,
            "release.approved",
            project=project,
            resource_type="release",
            resource_key=key,
            environment=row.environment,
            after=view,
        )
        return view


def list_release_approvals(store: Store, project: str, key: str) -> list[ApprovalView]:
    with store.read() as session:
        _, row = load_release(session, project, key)
        approvals = session.scalars(
            select(ReleaseApproval)
            .where(ReleaseApproval.release_id == row.id)
            .order_by(ReleaseApproval.id)
        )
        return [map_approval_row_to_view(key, approval) for approval in approvals]


def void_stale_approvals(session: Session, row: Release) -> int:
    """Void the approvals bound to another digest than the release's; returns how many."""
    result = session.execute(
        update(ReleaseApproval)
        .where(
            ReleaseApproval.release_id == row.id,
            ReleaseApproval.void.is_(False),
            ReleaseApproval.digest != row.digest,
        )
        .values(void=True)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def map_approval_row_to_view(key: str, row: ReleaseApproval) -> ApprovalView:
    return {
        "id": row.id,
        "release": key,
        "approver": stored_actor(row.approver),
        "digest": row.digest,
        "comment": row.comment,
        "at": format_time(row.at),
        "void": row.void,
    }


def _has_approved(session: Session, row: Release, actor: Actor) -> bool:
    for approval in session.scalars(
        select(ReleaseApproval).where(
            ReleaseApproval.release_id == row.id,
            ReleaseApproval.void.is_(False),
            ReleaseApproval.digest == row.digest,
        )
    ):
        if (approval.approver["kind"], approval.approver["id"]) == (actor.kind, actor.id):
            return True
    return False
