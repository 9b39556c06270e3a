"""Loading releases, mapping them to their JSON view, and recording transitions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from premiere.errors import ConflictError, InvalidStateError, NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.exposure import announce_of, sync_release_notes
from premiere.services.lookups import get_project_row
from premiere.services.mappers import ActorView, format_time, stored_actor
from premiere.services.validation import is_key
from premiere.store.communication import NoteEntry
from premiere.store.concurrency import require_current_version, update_versioned
from premiere.store.models import Project
from premiere.store.releases import Release, ReleaseApproval

STATES = ("draft", "scheduled", "ready", "rolling_out", "paused", "released", "rolled_back")
EDITABLE = ("draft", "scheduled", "ready")
ACTIVE = ("scheduled", "ready", "rolling_out", "paused")


class ApprovalCounts(TypedDict):
    required: int
    valid: int
    void: int


class ReleaseView(TypedDict):
    key: str
    project: str
    name: str
    description: str
    environment: str
    features: list[Any]
    audience: dict[str, Any]
    notes: dict[str, Any] | None
    announce: dict[str, Any]
    schedule: dict[str, Any]
    plan: dict[str, Any]
    guards: list[dict[str, Any]]
    required_approvals: int
    state: str
    stage: int | None
    stage_started_at: str | None
    hold_until: str | None
    digest: str
    approvals: ApprovalCounts
    created_by: ActorView
    started_at: str | None
    finished_at: str | None
    last_transition: dict[str, Any] | None
    version: int
    created_at: str
    updated_at: str


def get_release_row(session: Session, project: Project, key: str) -> Release:
    row = None
    if is_key(key):
        row = session.scalar(
            select(Release).where(Release.project_id == project.id, Release.key == key)
        )
    if row is None:
        raise NotFoundError(
            "release", key, f"release {key!r} does not exist in project {project.key!r}"
        )
    return row


def load_release(session: Session, project: str, key: str) -> tuple[Project, Release]:
    project_row = get_project_row(session, project)
    return project_row, get_release_row(session, project_row, key)


def actor_view(actor: Actor) -> ActorView:
    return {"kind": actor.kind, "id": actor.id, "name": actor.name}


def map_release_row_to_view(session: Session, project: str, row: Release) -> ReleaseView:
    spec = row.spec
    return {
        "key": row.key,
        "project": project,
        "name": row.name,
        "description": row.description,
        "environment": row.environment,
        "features": spec["features"],
        "audience": spec["audience"],
        "notes": first_note(session, row),
        "announce": announce_of(spec),
        "schedule": {**spec["schedule"], "start_at": format_time(row.start_at)},
        "plan": spec["plan"],
        "guards": [{"client_events": False, **guard} for guard in spec["guards"]],
        "required_approvals": spec["required_approvals"],
        "state": row.state,
        "stage": row.stage,
        "stage_started_at": format_time(row.stage_started_at),
        "hold_until": format_time(row.hold_until),
        "digest": row.digest,
        "approvals": approval_counts(session, row),
        "created_by": stored_actor(row.created_by),
        "started_at": format_time(row.started_at),
        "finished_at": format_time(row.finished_at),
        "last_transition": row.last_transition,
        "version": row.version,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def first_note(session: Session, row: Release) -> dict[str, Any] | None:
    """The release's first note entry as the ``notes`` shorthand shows it."""
    note = session.scalar(
        select(NoteEntry)
        .where(NoteEntry.release_id == row.id)
        .order_by(NoteEntry.position, NoteEntry.id)
        .limit(1)
    )
    if note is None:
        return None
    return {"title": note.title, "body": note.body, "category": note.category}


def approval_counts(session: Session, row: Release) -> ApprovalCounts:
    counts = dict(
        session.execute(
            select(ReleaseApproval.void, func.count())
            .where(ReleaseApproval.release_id == row.id)
            .group_by(ReleaseApproval.void)
        ).all()
    )
    return {
        "required": int(row.spec["required_approvals"]),
        "valid": int(counts.get(False, 0)),
        "void": int(counts.get(True, 0)),
    }


def require_state(row: Release, allowed: tuple[str, ...], action: str) -> None:
    if row.state not in allowed:
        raise InvalidStateError(
            f"cannot {action} release {row.key!r} in state {row.state}",
            {"state": row.state, "allowed": list(allowed)},
        )


def transition(
    session: Session,
    actor: Actor,
    project: str,
    row: Release,
    expected_version: int | None,
    to: str,
    *,
    action: str,
    reason: str | None,
    now: datetime,
    values: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> ReleaseView:
    """Move ``row`` to state ``to`` (compare-and-set on the version), with the audit
    event ``release.<action>`` naming who and why, and its notes to the state the new
    exposure gives them (``services/communication/exposure.py``); returns the new view."""
    expected = row.version if expected_version is None else expected_version
    require_current_version("release", row.key, row.version, expected)
    before = map_release_row_to_view(session, project, row)
    record = {
        "at": format_time(now),
        "from": row.state,
        "to": to,
        "stage": (values or {}).get("stage", row.stage),
        "action": action,
        "actor": actor_view(actor),
        "reason": reason or "",
        **(detail or {}),
    }
    update_versioned(
        session,
        Release,
        row.id,
        expected,
        {**(values or {}), "state": to, "last_transition": record},
        resource="release",
        key=row.key,
    )
    session.refresh(row)
    sync_release_notes(session, actor, project, row, now)
    after = map_release_row_to_view(session, project, row)
    record_audit_event(
        session,
        actor,
        f"release.{action}",
        project=project,
        resource_type="release",
        resource_key=row.key,
        environment=row.environment,
        before=before,
        after=after,
        at=now,
    )
    return after


def stage_values(row: Release, index: int, now: datetime) -> dict[str, Any]:
    stage = row.spec["plan"]["stages"][index]
    return {
        "stage": index,
        "stage_started_at": now,
        "hold_until": now + timedelta(seconds=int(stage["hold_seconds"])),
    }


def reject_active_conflicts(
    session: Session,
    project: Project,
    environment: str,
    spec: Mapping[str, Any],
    *,
    exclude: int | None = None,
) -> None:
    """A flag is controlled by at most one active release per environment."""
    flags = {feature["flag"] for feature in spec["features"]}
    others = session.scalars(
        select(Release).where(
            Release.project_id == project.id,
            Release.environment == environment,
            Release.state.in_(ACTIVE),
            Release.id != (exclude or 0),
        )
    )
    for other in others:
        shared = sorted(flags & {feature["flag"] for feature in other.spec["features"]})
        if shared:
            raise ConflictError(
                f"flag {shared[0]!r} is already controlled by release {other.key!r}",
                {"release": other.key, "state": other.state, "flags": shared},
            )
