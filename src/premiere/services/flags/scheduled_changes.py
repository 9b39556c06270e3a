"""Flag configuration changes scheduled for later: a PATCH of a flag's configuration
in one environment, applied by the scheduler's tick at (or after) its time through
the same versioned, audited path as a human edit. The flag write and the change's
status (``applied`` or ``failed``) commit in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import InvalidStateError, NotFoundError, PremiereError
from premiere.services import SYSTEM, Actor
from premiere.services.audit import record_audit_event
from premiere.services.flags.configs import write_flag_config
from premiere.services.lookups import (
    get_environment_row,
    get_flag_row,
    get_project_row,
    lock_project,
)
from premiere.services.mappers import CONFIG_FIELDS, ActorView, format_time, stored_actor
from premiere.services.people.revocations import revocation_reason
from premiere.services.releases.rows import actor_view
from premiere.services.releases.schedules import active_freeze
from premiere.services.releases.spec import parse_instant
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.models import Project
from premiere.store.releases import ScheduledChange
from premiere.store.types import utc_now

STATUSES = ("pending", "applied", "failed", "cancelled")


class ScheduledChangeView(TypedDict):
    id: int
    project: str
    flag: str
    environment: str
    patch: dict[str, Any]
    at: str
    status: str
    error: str | None
    reason: str
    created_by: ActorView
    applied_at: str | None
    created_at: str
    updated_at: str


def create_scheduled_change(
    store: Store,
    actor: Actor,
    project: str,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> ScheduledChangeView:
    now = now or utc_now()
    validator = Validator(data)
    validator.allowed(("flag", "environment", "patch", "at", "timezone", "reason"))
    validator.key("flag")
    validator.key("environment")
    validator.text("reason", max_length=2000)
    patch = data.get("patch")
    if validator.required("patch"):
        if not isinstance(patch, Mapping) or not patch:
            validator.add("patch", "non_empty", "must be an object of configuration fields")
        else:
            for name in patch:
                if name not in CONFIG_FIELDS:
                    validator.add(f"patch.{name}", "unknown_field", f"unknown field {name!r}")
    at = None
    if validator.required("at"):
        at = parse_instant(data["at"], str(data.get("timezone") or "UTC"))
        if at is None:
            validator.add("at", "datetime", "must be an RFC 3339 date and time")
        elif at <= now:
            validator.add("at", "in_past", "must be in the future")
    validator.raise_if_any()
    assert at is not None and isinstance(patch, Mapping)
    with store.write() as session:
        project_row = get_project_row(session, project)
        get_flag_row(session, project_row, str(data["flag"]))
        get_environment_row(session, project_row, str(data["environment"]))
        row = ScheduledChange(
            project_id=project_row.id,
            flag=data["flag"],
            environment=data["environment"],
            patch=dict(patch),
            at=at,
            reason=data.get("reason") or "",
            created_by=actor_view(actor),
        )
        session.add(row)
        session.flush()
        view = map_change_row_to_view(project, row)
        _audit(session, actor, project, row, "created", view)
        return view


def list_scheduled_changes(
    store: Store,
    project: str,
    *,
    status: str | None = None,
    flag: str | None = None,
    environment: str | None = None,
) -> list[ScheduledChangeView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        statement = select(ScheduledChange).where(ScheduledChange.project_id == project_row.id)
        for column, value in (
            (ScheduledChange.status, status),
            (ScheduledChange.flag, flag),
            (ScheduledChange.environment, environment),
        ):
            if value is not None:
                statement = statement.where(column == value)
        rows = session.scalars(statement.order_by(ScheduledChange.at, ScheduledChange.id))
        return [map_change_row_to_view(project, row) for row in rows]


def get_scheduled_change(store: Store, project: str, change_id: int) -> ScheduledChangeView:
    with store.read() as session:
        project_row = get_project_row(session, project)
        row = session.get(ScheduledChange, change_id)
        if row is None or row.project_id != project_row.id:
            raise NotFoundError("scheduled_change", str(change_id))
        return map_change_row_to_view(project, row)


def cancel_scheduled_change(
    store: Store, actor: Actor, project: str, change_id: int
) -> ScheduledChangeView:
    with store.write() as session:
        project_row = get_project_row(session, project)
        row = session.get(ScheduledChange, change_id, with_for_update=True)
        if row is None or row.project_id != project_row.id:
            raise NotFoundError("scheduled_change", str(change_id))
        if row.status != "pending":
            raise InvalidStateError(
                f"scheduled change {change_id} is {row.status}", {"status": row.status}
            )
        row.status = "cancelled"
        row.updated_at = utc_now()
        session.flush()
        view = map_change_row_to_view(project, row)
        _audit(session, actor, project, row, "cancelled", view)
        return view


def apply_due_changes(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Apply every pending change whose time has come (once: it is then applied or
    failed). A change waits while its environment is frozen."""
    with store.read() as session:
        due = [
            (row.id, row.project_id)
            for row in session.scalars(
                select(ScheduledChange)
                .where(ScheduledChange.status == "pending", ScheduledChange.at <= now)
                .order_by(ScheduledChange.at, ScheduledChange.id)
            )
        ]
    return [item for change_id, _ in due if (item := _apply(store, change_id, now)) is not None]


def _apply(store: Store, change_id: int, now: datetime) -> dict[str, Any] | None:
    """Apply one change: the flag write and the change's new status commit together
    (a cancel arriving meanwhile waits, then finds the change applied)."""
    with store.write() as session:
        row = session.get(ScheduledChange, change_id)
        if row is None or row.status != "pending":
            return None
        project = session.scalar(select_project_key(row.project_id))
        assert project is not None
        if active_freeze(session, row.project_id, row.environment, now) is not None:
            return None
        lock_project(session, project)
        session.refresh(row, with_for_update=True)
        if row.status != "pending":
            return None
        revoked = revocation_reason(session, row.created_by)
        if revoked is not None:
            return cancel_revoked_change(session, SYSTEM, project, row, revoked)
        creator = row.created_by
        actor = Actor(kind=creator["kind"], id=creator["id"], name=creator["name"])
        error = _write(session, actor, project, row)
        status = "failed" if error else "applied"
        row.status, row.error, row.applied_at, row.updated_at = status, error, now, utc_now()
        session.flush()
        view = map_change_row_to_view(project, row)
        _audit(session, actor, project, row, status, view)
    return {"kind": "scheduled_change", "project": project, "id": change_id, "action": status}


def cancel_revoked_change(
    session: Session, actor: Actor, project: str, row: ScheduledChange, reason: str
) -> dict[str, Any]:
    """Made by a token since revoked: cancelled, not applied, with ``reason`` as its
    ``error``. Returns the tick's item."""
    row.status, row.error, row.updated_at = "cancelled", reason, utc_now()
    session.flush()
    _audit(session, actor, project, row, "cancelled", map_change_row_to_view(project, row))
    return {"kind": "scheduled_change", "project": project, "id": row.id, "action": "cancelled"}


def _write(session: Session, actor: Actor, project: str, row: ScheduledChange) -> str | None:
    """The change's patch written (on a savepoint); the error when it cannot be."""
    try:
        with session.begin_nested():
            write_flag_config(
                session, actor, project, row.flag, row.environment, dict(row.patch), None,
                partial=True,
            )  # fmt: skip
    except PremiereError as exc:
        return f"{exc.code}: {exc}"
    return None


def select_project_key(project_id: int) -> Any:
    return select(Project.key).where(Project.id == project_id)


def map_change_row_to_view(project: str, row: ScheduledChange) -> ScheduledChangeView:
    return {
        "id": row.id,
        "project": project,
        "flag": row.flag,
        "environment": row.environment,
        "patch": row.patch,
        "at": format_time(row.at),
        "status": row.status,
        "error": row.error,
        "reason": row.reason,
        "created_by": stored_actor(row.created_by),
        "applied_at": format_time(row.applied_at),
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def _audit(
    session: Any, actor: Actor, project: str, row: ScheduledChange, what: str, view: Any
) -> None:
    record_audit_event(
        session,
        actor,
        f"scheduled_change.{what}",
        project=project,
        resource_type="scheduled_change",
        resource_key=str(row.id),
        environment=row.environment,
        after=view,
    )
