"""Running a release: start, advance, pause, resume, roll back.

Each action is one transaction: the release row (locked until it ends) and every
flag write of the action commit together, or nothing does — a pause, an edit or a
second action arriving meanwhile waits, then finds the release as the action left
it. Flags are written as described in :mod:`.flags` (audited per flag with the
actor ``{"kind": "release", "id": <release key>}``, one document version per
action); the transition itself (``release.started``, ``release.advanced``, ...) is
audited with the person or system that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import update
from sqlalchemy.orm import Session

from premiere.errors import InvalidStateError, ValidationError, Violation
from premiere.services import Actor
from premiere.services.lookups import lock_project
from premiere.services.releases.flags import (
    apply_stage,
    complete_flags,
    restore_flags,
    spec_of,
    take_snapshots,
)
from premiere.services.releases.readiness import missing_items
from premiere.services.releases.rows import (
    EDITABLE,
    ReleaseView,
    load_release,
    reject_active_conflicts,
    require_state,
    stage_values,
    transition,
)
from premiere.services.releases.schedules import active_freeze
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.concurrency import require_current_version, require_version
from premiere.store.models import Project
from premiere.store.releases import Release
from premiere.store.types import utc_now

ACTION_FIELDS = ("reason", "override_freeze")
STARTABLE = (*EDITABLE, "rolled_back")
States = tuple[str, ...]


class Move(NamedTuple):
    """A transition that writes no flag: the states it starts from, the state it goes
    to, the audit action, and the verb an error names ("cannot pause release ...")."""

    allowed: States
    to: str
    action: str
    verb: str


PAUSE = Move(("rolling_out",), "paused", "paused", "pause")
RESUME = Move(("paused",), "rolling_out", "resumed", "resume")


def start_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> ReleaseView:
    """Start now (from draft, scheduled or ready) when nothing is missing; a release
    that was rolled back restarts (from its first stage, its flags' configuration
    taken anew)."""
    expected, reason, override = _action_data(key, data, expected_version)
    return begin_rollout(store, actor, project, key, expected, reason, override, now or utc_now())


def advance_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> ReleaseView:
    """Apply the next stage (or, after the last one, complete the release)."""
    expected, reason, override = _action_data(key, data, expected_version)
    return next_stage(store, actor, project, key, expected, reason, override, now or utc_now())


def pause_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> ReleaseView:
    """Stop advancing; everyone keeps what they get now."""
    expected, reason, _ = _action_data(key, data, expected_version, override_allowed=False)
    return simple_transition(store, actor, project, key, expected, PAUSE, reason, now)


def resume_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> ReleaseView:
    expected, reason, _ = _action_data(key, data, expected_version, override_allowed=False)
    return simple_transition(store, actor, project, key, expected, RESUME, reason, now)


def rollback_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> ReleaseView:
    """Restore every flag's pre-release configuration: on/off, off-variation and
    fallthrough from the snapshot, the release's rules out, and for a flag that was
    off its left-out targets and rules back (new versioned writes; edits made
    meanwhile stay)."""
    expected, reason, _ = _action_data(key, data, expected_version, override_allowed=False)
    return rollback(store, actor, project, key, expected, reason, now or utc_now())


def begin_rollout(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    reason: str | None,
    override: bool,
    now: datetime,
) -> ReleaseView:
    with store.write() as session:
        project_row, row = _load_current(session, project, key, expected, STARTABLE, "start")
        if row.state == "rolled_back":
            session.execute(update(Release).where(Release.id == row.id).values(snapshots={}))
            session.refresh(row)
        missing = missing_items(session, project_row, row, now, freeze=not override)
        if missing:
            raise InvalidStateError(f"release {key!r} is not ready to start", {"missing": missing})
        reject_active_conflicts(session, project_row, row.environment, row.spec, exclude=row.id)
        snapshots = take_snapshots(session, row)
        apply_stage(session, project, key, snapshots, spec_of(row), 0)
        return transition(
            session,
            actor,
            project,
            row,
            row.version,
            "rolling_out",
            action="started",
            reason=reason,
            now=now,
            values={"started_at": now, "finished_at": None, **stage_values(row, 0, now)},
            detail=_override_detail(session, row, override, now),
        )


def next_stage(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    reason: str | None,
    override: bool,
    now: datetime,
    *,
    detail: dict[str, Any] | None = None,
) -> ReleaseView:
    with store.write() as session:
        return next_stage_within(
            session, actor, project, key, expected, reason, override, now, detail=detail
        )


def next_stage_within(
    session: Session,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    reason: str | None,
    override: bool,
    now: datetime,
    *,
    detail: dict[str, Any] | None = None,
) -> ReleaseView:
    """``next_stage`` inside the caller's transaction."""
    project_row, row = _load_current(session, project, key, expected, ("rolling_out",), "advance")
    window = active_freeze(session, project_row.id, row.environment, now)
    if window is not None and not override:
        raise InvalidStateError(
            f"environment {row.environment!r} is frozen: {window.reason}",
            {"freeze_window": window.id, "until": window.end.isoformat()},
        )
    spec, snapshots, index = spec_of(row), dict(row.snapshots), (row.stage or 0) + 1
    extra = {**(detail or {}), **_override_detail(session, row, override, now)}
    if index < len(spec["stages"]):
        apply_stage(session, project, key, snapshots, spec, index)
        values = stage_values(row, index, now)
        return transition(
            session, actor, project, row, row.version, "rolling_out",
            action="advanced", reason=reason, now=now, values=values, detail=extra,
        )  # fmt: skip
    complete_flags(session, project, key, snapshots, spec)
    values = {"finished_at": now, "hold_until": None}
    return transition(
        session, actor, project, row, row.version, "released",
        action="released", reason=reason, now=now, values=values, detail=extra,
    )  # fmt: skip


def rollback(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    reason: str | None,
    now: datetime,
    *,
    detail: dict[str, Any] | None = None,
) -> ReleaseView:
    with store.write() as session:
        return rollback_within(session, actor, project, key, expected, reason, now, detail)


def rollback_within(
    session: Session,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    reason: str | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> ReleaseView:
    """``rollback`` inside the caller's transaction."""
    _, row = _load_current(session, project, key, expected, ("rolling_out", "paused"), "roll back")
    restore_flags(session, project, key, dict(row.snapshots), row)
    return transition(
        session, actor, project, row, row.version, "rolled_back", action="rolled_back",
        reason=reason, now=now, values={"finished_at": now, "hold_until": None}, detail=detail,
    )  # fmt: skip


def simple_transition(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    move: Move,
    reason: str | None,
    now: datetime | None,
    *,
    detail: dict[str, Any] | None = None,
) -> ReleaseView:
    with store.write() as session:
        return transition_within(session, actor, project, key, expected, move, reason, now, detail)


def transition_within(
    session: Session,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    move: Move,
    reason: str | None,
    now: datetime | None,
    detail: dict[str, Any] | None = None,
) -> ReleaseView:
    """A transition that writes no flag (pause, resume) inside the caller's
    transaction."""
    _, row = _load_current(session, project, key, expected, move.allowed, move.verb, flags=False)
    return transition(
        session, actor, project, row, row.version, move.to,
        action=move.action, reason=reason, now=now or utc_now(), detail=detail,
    )  # fmt: skip


def _load_current(
    session: Session,
    project: str,
    key: str,
    expected: int | None,
    allowed: States,
    verb: str,
    *,
    flags: bool = True,
) -> tuple[Project, Release]:
    """The release, locked until the transaction ends, at ``expected`` (None: any)
    and in an ``allowed`` state. An action that writes ``flags`` first takes the
    project's lock, so edits of the flags wait for it rather than race it."""
    if flags:
        lock_project(session, project)
    project_row, row = load_release(session, project, key)
    session.refresh(row, with_for_update={"key_share": True})
    require_current_version("release", key, row.version, expected or row.version)
    require_state(row, allowed, verb)
    return project_row, row


def _override_detail(session: Any, row: Release, override: bool, now: datetime) -> dict[str, Any]:
    if not override:
        return {}
    window = active_freeze(session, row.project_id, row.environment, now)
    return {"freeze_override": window is not None}


def _action_data(
    key: str, data: Mapping[str, Any], version: int | None, *, override_allowed: bool = True
) -> tuple[int, str | None, bool]:
    """The version the action is based on, its reason and whether it overrides a freeze."""
    expected = require_version(version, "release", key)
    validator = Validator(data)
    validator.allowed(ACTION_FIELDS if override_allowed else ("reason",))
    validator.text("reason", max_length=2000)
    validator.boolean("override_freeze")
    validator.raise_if_any()
    override = bool(data.get("override_freeze"))
    reason = data.get("reason")
    if override and not (isinstance(reason, str) and reason.strip()):
        raise ValidationError(
            [Violation("reason", "required", "overriding a freeze window needs a reason")]
        )
    return expected, reason, override
