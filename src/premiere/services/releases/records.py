"""Releases: create, read, edit and schedule; the rollout itself (start, advance,
pause, resume, roll back), readiness, approvals and the scheduler's tick live in
the other modules of this package and are re-exported here.

A release is versioned like every resource; every transition is an audit event
``release.<action>`` naming who and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import AlreadyExistsError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.entries import write_first_note
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.releases.approvals import (
    approve_release,
    list_release_approvals,
    void_stale_approvals,
)
from premiere.services.releases.checklist import create_release_checklist
from premiere.services.releases.readiness import get_release_readiness
from premiere.services.releases.rollout import (
    advance_release,
    pause_release,
    resume_release,
    rollback_release,
    start_release,
)
from premiere.services.releases.rows import (
    EDITABLE,
    ReleaseView,
    actor_view,
    load_release,
    map_release_row_to_view,
    reject_active_conflicts,
    require_state,
    transition,
)
from premiere.services.releases.schedules import get_train_row, next_departures
from premiere.services.releases.spec import (
    SPEC_FIELDS,
    default_spec,
    digest_of,
    normalize_spec,
    parse_instant,
)
from premiere.services.releases.tick import (
    GuardWatch,
    list_guard_decisions,
    record_guard_decision,
    tick_releases,
)
from premiere.services.validation import DESCRIPTION_MAX, Validator
from premiere.store import Store
from premiere.store.concurrency import require_current_version, require_version, update_versioned
from premiere.store.models import Flag, Project, Segment
from premiere.store.releases import Release, ReleaseTrain
from premiere.store.types import utc_now

__all__ = [
    "GuardWatch",
    "advance_release",
    "approve_release",
    "create_release",
    "get_release",
    "get_release_readiness",
    "list_guard_decisions",
    "list_release_approvals",
    "list_releases",
    "pause_release",
    "record_guard_decision",
    "resume_release",
    "rollback_release",
    "schedule_release",
    "start_release",
    "tick_releases",
    "update_release",
]


def create_release(
    store: Store,
    actor: Actor,
    project: str,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> ReleaseView:
    now = now or utc_now()
    validator = Validator(data)
    validator.allowed(("key", "name", "description", "environment", *SPEC_FIELDS))
    validator.key()
    validator.key("environment")
    validator.text("name")
    validator.text("description", max_length=DESCRIPTION_MAX)
    validator.required("features")
    spec = normalize_spec(validator, default_spec(), data, now)
    validator.raise_if_any()
    with store.write() as session:
        project_row = get_project_row(session, project)
        key, environment = str(data["key"]), str(data["environment"])
        if session.scalar(
            select(Release.id).where(Release.project_id == project_row.id, Release.key == key)
        ):
            raise AlreadyExistsError("release", key)
        _validate_references(session, validator, project_row, environment, spec)
        shorthand = spec.pop("notes", None)
        row = Release(
            project_id=project_row.id,
            key=key,
            name=data.get("name") or key,
            description=data.get("description") or "",
            environment=environment,
            spec=spec,
            state="draft",
            start_at=parse_instant(spec["schedule"]["start_at"], "UTC"),
            snapshots={},
            digest=digest_of(environment, spec),
            created_by=actor_view(actor),
        )
        session.add(row)
        session.flush()
        create_release_checklist(session, project_row.id, row)
        if shorthand is not None:
            write_first_note(session, actor, project_row, row, shorthand, now)
        view = map_release_row_to_view(session, project, row)
        record_audit_event(
            session,
            actor,
            "release.created",
            project=project,
            resource_type="release",
            resource_key=key,
            environment=environment,
            after=view,
        )
        return view


def list_releases(
    store: Store, project: str, *, state: str | None = None, environment: str | None = None
) -> list[ReleaseView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        statement = select(Release).where(Release.project_id == project_row.id)
        if state is not None:
            statement = statement.where(Release.state == state)
        if environment is not None:
            statement = statement.where(Release.environment == environment)
        rows = session.scalars(statement.order_by(Release.created_at.desc(), Release.id.desc()))
        return [map_release_row_to_view(session, project, row) for row in rows]


def get_release(store: Store, project: str, key: str) -> ReleaseView:
    with store.read() as session:
        _, row = load_release(session, project, key)
        return map_release_row_to_view(session, project, row)


def update_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> ReleaseView:
    """Edit a release not yet started. A change of what approvers approved (the
    digest) voids their approvals, and a ready release goes back to scheduled.
    ``notes`` writes the release's first note entry (null deletes it)."""
    now = now or utc_now()
    expected = require_version(expected_version, "release", key)
    validator = Validator(data)
    validator.allowed(("name", "description", "environment", *SPEC_FIELDS))
    validator.text("name")
    validator.text("description", max_length=DESCRIPTION_MAX)
    if "environment" in data:
        validator.key("environment")
    with store.write() as session:
        project_row, row = load_release(session, project, key)
        spec = normalize_spec(validator, row.spec, data, now)
        validator.raise_if_any()
        require_current_version("release", key, row.version, expected)
        require_state(row, EDITABLE, "edit")
        environment = str(data.get("environment", row.environment))
        _validate_references(session, validator, project_row, environment, spec, exclude=row.id)
        before = map_release_row_to_view(session, project, row)
        if "notes" in data:
            write_first_note(session, actor, project_row, row, spec.pop("notes", None), now)
        digest = digest_of(environment, spec)
        values: dict[str, Any] = {
            "spec": spec,
            "environment": environment,
            "digest": digest,
            "start_at": parse_instant(spec["schedule"]["start_at"], "UTC"),
            "snapshots": {},  # a start attempt that failed took them; take them anew
        }
        values.update({f: data[f] for f in ("name", "description") if f in data})
        if row.state == "ready" and digest != row.digest:
            values["state"] = "scheduled"
        if row.state in ("scheduled", "ready") and spec["schedule"]["train"]:
            values["start_at"] = _train_departure(session, project_row, spec, now)
        update_versioned(session, Release, row.id, expected, values, resource="release", key=key)
        session.refresh(row)
        void_stale_approvals(session, row)
        after = map_release_row_to_view(session, project, row)
        record_audit_event(
            session,
            actor,
            "release.updated",
            project=project,
            resource_type="release",
            resource_key=key,
            environment=environment,
            before=before,
            after=after,
        )
        return after


def schedule_release(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> ReleaseView:
    """draft -> scheduled. The scheduler makes it ready once nothing is missing and
    starts it at its start time (or its train's next departure; or at once)."""
    now = now or utc_now()
    expected = require_version(expected_version, "release", key)
    validator = Validator(data)
    validator.allowed(("reason", "start_at", "timezone"))
    validator.text("reason", max_length=2000)
    with store.write() as session:
        project_row, row = load_release(session, project, key)
        spec = dict(row.spec)
        if "start_at" in data:
            schedule = {
                "start_at": data["start_at"],
                "timezone": data.get("timezone", spec["schedule"]["timezone"]),
            }
            spec = normalize_spec(validator, spec, {"schedule": schedule}, now)
        validator.raise_if_any()
        require_current_version("release", key, row.version, expected)
        require_state(row, ("draft",), "schedule")
        reject_active_conflicts(session, project_row, row.environment, spec, exclude=row.id)
        start_at = parse_instant(spec["schedule"]["start_at"], "UTC")
        if spec["schedule"]["train"]:
            start_at = _train_departure(session, project_row, spec, now)
        return transition(
            session,
            actor,
            project,
            row,
            expected,
            "scheduled",
            action="scheduled",
            reason=data.get("reason"),
            now=now,
            values={"spec": spec, "start_at": start_at},
        )


def _validate_references(
    session: Session,
    validator: Validator,
    project: Project,
    environment: str,
    spec: Mapping[str, Any],
    *,
    exclude: int | None = None,
) -> None:
    get_environment_row(session, project, environment)
    keys = [feature["flag"] for feature in spec["features"]]
    flags = {
        flag.key: flag
        for flag in session.scalars(
            select(Flag).where(Flag.project_id == project.id, Flag.key.in_(keys))
        )
    }
    for index, feature in enumerate(spec["features"]):
        flag = flags.get(feature["flag"])
        if flag is None or flag.archived:
            validator.add(f"features[{index}].flag", "unknown_flag", "no such live flag here")
        elif not 0 <= feature["variation"] < len(flag.variations):
            validator.add(f"features[{index}].variation", "index_range", "no such variation")
    segments = set(session.scalars(select(Segment.key).where(Segment.project_id == project.id)))
    if spec["audience"]["segment"] and spec["audience"]["segment"] not in segments:
        validator.add("audience.segment", "unknown_segment", "no such segment here")
    for index, stage in enumerate(spec["plan"]["stages"]):
        if stage["segment"] and stage["segment"] not in segments:
            validator.add(f"plan.stages[{index}].segment", "unknown_segment", "no such segment")
    train = spec["schedule"]["train"]
    if train and get_train_key(session, project, train) is None:
        validator.add("schedule.train", "unknown_train", "no such release train here")
    validator.raise_if_any()
    reject_active_conflicts(session, project, environment, spec, exclude=exclude)


def get_train_key(session: Session, project: Project, key: str) -> str | None:
    return session.scalar(
        select(ReleaseTrain.key).where(
            ReleaseTrain.project_id == project.id, ReleaseTrain.key == key
        )
    )


def _train_departure(
    session: Session, project: Project, spec: Mapping[str, Any], now: datetime
) -> datetime:
    train = get_train_row(session, project, str(spec["schedule"]["train"]))
    return next_departures(train.cadence, now, 1)[0]
