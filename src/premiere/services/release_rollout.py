"""Running a release: start, advance, pause, resume, roll back.

Each stage is applied to every feature flag's configuration in the release's
environment through ``update_flag_config`` — the versioned, audited path of a
human edit — with the actor ``{"kind": "release", "id": <release key>}``; the
transition itself (``release.started``, ``release.advanced``, ...) is audited with
the person or system that caused it. Applying a stage is idempotent (the flag's
configuration is computed from its pre-release snapshot), so a step interrupted
between the flag writes and the release's own write can simply be retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from premiere.errors import InvalidStateError, ValidationError, VersionConflictError, Violation
from premiere.services import Actor
from premiere.services.flag_configs import get_flag_config, update_flag_config
from premiere.services.mappers import CONFIG_FIELDS
from premiere.services.release_plan import (
    completed_config,
    restored_config,
    stage_config,
    without_release_rules,
)
from premiere.services.release_readiness import missing_items
from premiere.services.release_rows import (
    EDITABLE,
    check_active_conflicts,
    load_release,
    require_state,
    stage_values,
    transition,
)
from premiere.services.schedules import active_freeze
from premiere.services.validation import Checker
from premiere.store import Store
from premiere.store.concurrency import check_current_version, require_version
from premiere.store.models import Environment, Flag, FlagConfig, Project
from premiere.store.releases import Release
from premiere.store.types import utc_now

ACTION_FIELDS = ("reason", "override_freeze")
States = tuple[str, ...]


def start_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Start now (from draft, scheduled or ready) when nothing is missing."""
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
    """Stop advancing; everyone keeps what they get now."""
    expected, reason, _ = _action_data(key, data, expected_version, override_allowed=False)
    return simple_transition(
        store, actor, project, key, expected, ("rolling_out",), "paused", "paused", reason, now
    )


def resume_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    expected, reason, _ = _action_data(key, data, expected_version, override_allowed=False)
    return simple_transition(
        store, actor, project, key, expected, ("paused",), "rolling_out", "resumed", reason, now
    )


def roll_back_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Restore every flag's pre-release on/off, off-variation and fallthrough, and
    take the release's rules out (new versioned writes; edits made meanwhile to the
    flag's own rules stay)."""
    expected, reason, _ = _action_data(key, data, expected_version, override_allowed=False)
    return roll_back(store, actor, project, key, expected, reason, now or utc_now())


def begin_rollout(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    reason: str | None,
    override: bool,
    now: datetime,
) -> dict[str, Any]:
    with store.write() as session:
        project_row, row = _load_current(session, project, key, expected, EDITABLE, "start")
        missing = missing_items(session, project_row, row, now, freeze=not override)
        if missing:
            raise InvalidStateError(f"release {key!r} is not ready to start", {"missing": missing})
        check_active_conflicts(session, project_row, row.environment, row.spec, exclude=row.id)
        snapshots = _take_snapshots(session, row)
        version = row.version
    _apply_stage(store, project, key, snapshots, _spec_of(row), 0)
    with store.write() as session:
        _, row = load_release(session, project, key)
        return transition(
            session,
            actor,
            project,
            row,
            version,
            "rolling_out",
            action="started",
            reason=reason,
            now=now,
            values={"started_at": now, **stage_values(row, 0, now)},
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
) -> dict[str, Any]:
    with store.read() as session:
        project_row, row = _load_current(
            session, project, key, expected, ("rolling_out",), "advance"
        )
        window = active_freeze(session, project_row.id, row.environment, now)
        if window is not None and not override:
            raise InvalidStateError(
                f"environment {row.environment!r} is frozen: {window.reason}",
                {"freeze_window": window.id, "until": window.end.isoformat()},
            )
        version, spec, snapshots = row.version, _spec_of(row), dict(row.snapshots)
        index = (row.stage or 0) + 1
        stages = spec["stages"]
    if index < len(stages):
        _apply_stage(store, project, key, snapshots, spec, index)
    else:
        _complete(store, project, key, snapshots, spec)
    with store.write() as session:
        _, row = load_release(session, project, key)
        extra = {**(detail or {}), **_override_detail(session, row, override, now)}
        if index < len(stages):
            values = stage_values(row, index, now)
            return transition(
                session, actor, project, row, version, "rolling_out",
                action="advanced", reason=reason, now=now, values=values, detail=extra,
            )  # fmt: skip
        values = {"finished_at": now, "hold_until": None}
        return transition(
            session, actor, project, row, version, "released",
            action="released", reason=reason, now=now, values=values, detail=extra,
        )  # fmt: skip


def roll_back(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    reason: str | None,
    now: datetime,
    *,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    with store.read() as session:
        _, row = _load_current(
            session, project, key, expected, ("rolling_out", "paused"), "roll back"
        )
        version, snapshots, environment = row.version, dict(row.snapshots), row.environment
        flags = [feature["flag"] for feature in row.spec["features"]]
    for flag, snapshot in ((f, snapshots[f]) for f in flags if f in snapshots):
        _write(
            store,
            project,
            key,
            flag,
            environment,
            lambda cur, s=snapshot: restored_config(s, cur, key),
        )
    with store.write() as session:
        _, row = load_release(session, project, key)
        return transition(
            session, actor, project, row, version, "rolled_back", action="rolled_back",
            reason=reason, now=now, values={"finished_at": now, "hold_until": None}, detail=detail,
        )  # fmt: skip


def simple_transition(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    expected: int | None,
    allowed: tuple[str, ...],
    to: str,
    action: str,
    reason: str | None,
    now: datetime | None,
    *,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    with store.write() as session:
        verb = action.removesuffix("d").removesuffix("e")
        _, row = _load_current(session, project, key, expected, allowed, verb)
        return transition(
            session, actor, project, row, expected, to,
            action=action, reason=reason, now=now or utc_now(), detail=detail,
        )  # fmt: skip


def _load_current(
    session: Session, project: str, key: str, expected: int | None, allowed: States, verb: str
) -> tuple[Project, Release]:
    """The release, at ``expected`` (None: any) and in an ``allowed`` state."""
    project_row, row = load_release(session, project, key)
    check_current_version("release", key, row.version, expected or row.version)
    require_state(row, allowed, verb)
    return project_row, row


def release_actor(key: str) -> Actor:
    return Actor(kind="release", id=key, name=f"release {key}")


def _spec_of(row: Release) -> dict[str, Any]:
    spec = row.spec
    return {
        "environment": row.environment,
        "features": spec["features"],
        "audience": spec["audience"]["segment"],
        "stages": spec["plan"]["stages"],
    }


def _take_snapshots(session: Any, row: Release) -> dict[str, Any]:
    """Each flag's configuration before the release (kept from a first attempt)."""
    snapshots = dict(row.snapshots or {})
    wanted = [f["flag"] for f in row.spec["features"] if f["flag"] not in snapshots]
    if wanted:
        configs = session.execute(
            select(Flag.key, FlagConfig.config)
            .join(FlagConfig, FlagConfig.flag_id == Flag.id)
            .join(Environment, Environment.id == FlagConfig.environment_id)
            .where(
                Flag.project_id == row.project_id,
                Flag.key.in_(wanted),
                Environment.key == row.environment,
            )
        )
        for flag, config in configs:
            snapshots[flag] = without_release_rules(config, row.key)
        session.execute(
            update(Release)
            .where(Release.id == row.id, Release.version == row.version)
            .values(snapshots=snapshots)
            .execution_options(synchronize_session=False)
        )
    return snapshots


def _apply_stage(
    store: Store,
    project: str,
    key: str,
    snapshots: Mapping[str, Any],
    spec: Mapping[str, Any],
    index: int,
) -> None:
    for feature in spec["features"]:
        snapshot = snapshots[feature["flag"]]
        desired = stage_config(snapshot, key, feature, spec["audience"], spec["stages"], index)
        _write(store, project, key, feature["flag"], spec["environment"], lambda _c, d=desired: d)


def _complete(
    store: Store, project: str, key: str, snapshots: Mapping[str, Any], spec: Mapping[str, Any]
) -> None:
    for feature in spec["features"]:
        make = partial(_completed, snapshots[feature["flag"]], key, feature, spec["audience"])
        _write(store, project, key, feature["flag"], spec["environment"], make)


def _completed(
    snapshot: Mapping[str, Any],
    key: str,
    feature: Mapping[str, Any],
    audience: str | None,
    current: Mapping[str, Any],
) -> dict[str, Any]:
    return completed_config(snapshot, current, key, feature, audience)


def _write(store: Store, project: str, key: str, flag: str, environment: str, make: Any) -> None:
    """Write the configuration ``make(current)`` unless it is already in place; one
    retry when a human edit races the write."""
    for attempt in range(2):
        current = get_flag_config(store, project, flag, environment)
        desired = make(current)
        if all(current.get(field) == desired.get(field) for field in CONFIG_FIELDS):
            return
        try:
            update_flag_config(
                store,
                release_actor(key),
                project,
                flag,
                environment,
                {field: desired.get(field) for field in CONFIG_FIELDS},
                current["version"],
                partial=True,
            )
            return
        except VersionConflictError:
            if attempt:
                raise


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
    check = Checker(data)
    check.allowed(ACTION_FIELDS if override_allowed else ("reason",))
    check.text("reason", max_length=2000)
    check.boolean("override_freeze")
    check.raise_if_any()
    override = bool(data.get("override_freeze"))
    reason = data.get("reason")
    if override and not (isinstance(reason, str) and reason.strip()):
        raise ValidationError(
            [Violation("reason", "required", "overriding a freeze window needs a reason")]
        )
    return expected, reason, override
